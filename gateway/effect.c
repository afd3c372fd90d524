/* effect — see effect.h. */
#include "effect.h"

#include <string.h>

#include "actions.h"
#include "alert.h"
#include "fallback.h"
#include "form.h"
#include "gsm.h"
#include "log.h"
#include "session.h"
#include "translit.h"

/* Appends key rendered in lang; {name} is always the sender's. */
static int render(const struct effect_ctx *ctx, const char *lang, const char *key,
		  const struct flow_session *s, struct buf *out)
{
	struct locale_var vars[FLOW_VARS_MAX + 1];
	size_t n = 0;
	for (size_t i = 0; i < s->var_count; i++)
		vars[n++] = (struct locale_var){s->vars[i].name, s->vars[i].value};
	vars[n++] = (struct locale_var){"name", ctx->person ? ctx->person->name : ""};
	return locales_render(ctx->conversation->locales, lang, key, vars, n, out);
}

/* Transliterates for a person who asked for Latin letters, then measures
 * what the phone will get. */
static void fit_for_phone(const struct effect_ctx *ctx, const char *lang, struct converse_reply *r)
{
	translit_if_asked(ctx->person && ctx->person->transliterate, lang, &r->text,
			  CONVERSE_REPLY_MAX);
	r->ucs2 = gsm_needs_ucs2(r->text.data, r->text.len);
}

/* The reply: the text, then a menu's options one a line. */
static void say(const struct effect_ctx *ctx, const struct flow_effect *e,
		const struct flow_session *s, struct effect_state *state)
{
	struct converse_reply *r = state->reply;
	int rc = render(ctx, state->lang, e->key, s, &r->text);
	for (size_t i = 0; rc == 0 && e->menu && i < e->menu->option_count; i++) {
		const struct flow_option *o = &e->menu->options[i];
		buf_printf(&r->text, "\n%s ", o->choice);
		rc = render(ctx, state->lang, o->text_key, s, &r->text);
	}
	r->key = e->key;
	if (rc < 0 || r->text.overflowed) {
		log_msg(LOG_LEVEL_ERROR, "render_failed", "lang=%s key=%s", state->lang, e->key);
		buf_cleanup(&r->text);
		buf_init(&r->text, CONVERSE_REPLY_MAX);
		if (locales_render(ctx->conversation->locales, state->lang, FLOW_KEY_ERROR, NULL, 0,
				   &r->text) < 0)
			buf_append(&r->text, "Error.", 6);
	}
	memcpy(r->lang, state->lang, sizeof r->lang);
	fit_for_phone(ctx, state->lang, r);
}

/* An SMS through the outbox: the reply's whole text to the sender (over
 * USSD, where the session may end before its last page shows; an SMS
 * reply is already one), or an alert to the officer (alert.h). */
static int queue_sms(const struct effect_ctx *ctx, const struct flow_effect *e,
		     const struct flow_session *s, const struct effect_state *state)
{
	const struct converse_input *in = ctx->in;
	struct store *store = ctx->conversation->store;
	if (e->to == FLOW_TO_SENDER) {
		const struct converse_reply *r = state->reply;
		/* an SMS reply is already one; a hidden sender gets no SMS of
		 * their own making (tip.h: their phone may be read) */
		if (!in->ussd || in->reporter)
			return 0;
		return fallback_queue(store, in->msisdn, r->text.data ? r->text.data : "",
				      in->message_id, in->now);
	}
	const struct store_person *p = ctx->person;
	if (!p || !p->officer_id) {
		log_msg(LOG_LEVEL_WARN, "alert_no_officer", "person=%lld key=%s",
			(long long)(p ? p->id : 0), e->key);
		return 0;
	}
	struct alert_ctx a = {store, ctx->conversation->locales, ctx->conversation->cfg, in->now};
	struct store_officer officer = {.id = p->officer_id};
	snprintf(officer.msisdn, sizeof officer.msisdn, "%s", p->officer_msisdn);
	snprintf(officer.language, sizeof officer.language, "%s", p->officer_language);
	/* the conversation's values the text may show (an appointment's date) */
	char vars[STORE_TEXT_VARS_MAX] = "";
	for (size_t i = 0; i < s->var_count; i++)
		if (alert_placeholder(s->vars[i].name))
			form_append(vars, sizeof vars, s->vars[i].name, s->vars[i].value,
				    strlen(s->vars[i].value));
	return alert_queue(&a, &officer, e->key, p->id, p->name, vars, 0) < 0 ? -1 : 0;
}

/* The flow waits: its state goes into the session the caller saves, due
 * after the node's timeout if that is shorter than the channel's idle
 * time. */
static void arm_timer(const struct effect_ctx *ctx, const struct flow_effect *e,
		      const struct flow_session *s, struct effect_state *state)
{
	const struct converse_input *in = ctx->in;
	struct store_session *out = in->session;
	state->reply->waiting = true;
	if (!out)
		return;
	if (s->flow == FLOW_NONE || session_encode(ctx->conversation->flows, s, out) < 0) {
		out->flow[0] = out->node[0] = out->vars[0] = '\0';
		out->attempts = 0;
		state->reply->waiting = false;
		return;
	}
	unsigned wait = e->seconds && e->seconds < in->idle ? e->seconds : in->idle;
	out->expires_at = in->now + wait;
}

static void end_session(const struct effect_ctx *ctx, struct effect_state *state)
{
	struct store_session *out = ctx->in->session;
	state->reply->waiting = false;
	if (out) {
		out->flow[0] = out->node[0] = out->vars[0] = '\0';
		out->attempts = 0;
	}
}

static int set_language(const struct effect_ctx *ctx, const struct flow_effect *e,
			struct effect_state *state)
{
	const struct converse_input *in = ctx->in;
	snprintf(state->lang, sizeof state->lang, "%s", e->lang); /* the reply is in it */
	return store_set_language(ctx->conversation->store, ctx->person ? ctx->person->id : 0,
				  in->msisdn, e->lang, in->now);
}

static int call(const struct effect_ctx *ctx, const struct flow_effect *e, struct flow_session *s,
		struct effect_state *state)
{
	const struct converse_ctx *c = ctx->conversation;
	const struct converse_input *in = ctx->in;
	struct flow_effects more = {0};
	struct actions_ctx actx = {
	    .store = c->store,
	    .cfg = c->cfg,
	    .locales = c->locales,
	    .msisdn = in->msisdn,
	    .reporter = in->reporter,
	    .liaison = ctx->liaison,
	    .language = state->lang,
	    .channel = in->channel,
	    .person = ctx->person,
	    .officer = ctx->officer,
	    .now = in->now,
	    .message_id = in->message_id,
	    .text = in->text,
	    .len = in->len,
	    .more = &more,
	};
	if (actions_run(e->action, &actx, s, &state->outcome) < 0)
		return -1;
	state->called = true;
	/* what the action asks for (an alert, a language) happens now; an
	 * action calls no other action */
	for (size_t i = 0; i < more.count; i++)
		if (more.list[i].kind == FLOW_EFFECT_call)
			return -1;
	return effect_run(ctx, &more, s, state);
}

int effect_run(const struct effect_ctx *ctx, const struct flow_effects *fx, struct flow_session *s,
	       struct effect_state *state)
{
	int rc = 0;
	for (size_t i = 0; i < fx->count && rc == 0; i++) {
		const struct flow_effect *e = &fx->list[i];
		switch (e->kind) {
		case FLOW_EFFECT_say: say(ctx, e, s, state); break;
		case FLOW_EFFECT_call: rc = call(ctx, e, s, state); break;
		case FLOW_EFFECT_queue_sms: rc = queue_sms(ctx, e, s, state); break;
		case FLOW_EFFECT_arm_timer: arm_timer(ctx, e, s, state); break;
		case FLOW_EFFECT_end_session: end_session(ctx, state); break;
		case FLOW_EFFECT_confirm: /* never an SMS to a hidden sender (queue_sms) */
			state->reply->confirm = ctx->in->ussd && !ctx->in->reporter;
			break;
		case FLOW_EFFECT_set_language: rc = set_language(ctx, e, state); break;
		}
	}
	return rc < 0 ? -1 : 0;
}
