/* converse — see converse.h. */
#include "converse.h"

#include <string.h>

#include "actions.h"
#include "gsm.h"
#include "log.h"
#include "session.h"
#include "translit.h"

/* Actions in a row without a question between them; flows are not meant
 * to loop, and this keeps one that does from holding the loop. */
#define CONVERSE_STEPS_MAX 16

/* Who is writing, as far as the conversation cares. */
struct sender {
	bool enrolled;
	struct store_person person;
	char language[8];
	bool opted_out;
};

static int identify(const struct converse_ctx *ctx, const char *msisdn, struct sender *who)
{
	memset(who, 0, sizeof *who);
	int found = store_person_find(ctx->store, msisdn, &who->person);
	if (found < 0)
		return -1;
	who->enrolled = found == 1;
	if (who->enrolled) {
		memcpy(who->language, who->person.language, sizeof who->language);
		who->opted_out = who->person.opted_out;
	} else if (store_contact_find(ctx->store, msisdn, who->language, &who->opted_out) < 0) {
		return -1;
	}
	if (!locales_has_language(ctx->locales, who->language))
		snprintf(who->language, sizeof who->language, "%s", cfg_default_language(ctx->cfg));
	return 0;
}

static bool may_start(const struct flow *f, const struct sender *who)
{
	bool active = who->enrolled && strcmp(who->person.status, "active") == 0;
	switch (f->who) {
	case FLOW_WHO_anyone: return true;
	case FLOW_WHO_enrolled: return active;
	case FLOW_WHO_supervised: return active && strcmp(who->person.role, "supervised") == 0;
	case FLOW_WHO_liaison: return active && strcmp(who->person.role, "liaison") == 0;
	}
	return false;
}

/* Appends the rendered key; the person's name is always available. */
static int render(const struct converse_ctx *ctx, const char *lang, const char *key,
		  const struct flow_session *s, const struct sender *who, struct buf *out)
{
	struct locale_var vars[FLOW_VARS_MAX + 1];
	size_t n = 0;
	for (size_t i = 0; i < s->var_count; i++)
		vars[n++] = (struct locale_var){s->vars[i].name, s->vars[i].value};
	vars[n++] = (struct locale_var){"name", who->enrolled ? who->person.name : ""};
	return locales_render(ctx->locales, lang, key, vars, n, out);
}

/* The text of a step: its key, then a menu's options one a line. */
static int render_step(const struct converse_ctx *ctx, const char *lang, const struct flow_step *st,
		       const struct flow_session *s, const struct sender *who, struct buf *out)
{
	if (render(ctx, lang, st->text_key, s, who, out) < 0)
		return -1;
	for (size_t i = 0; st->menu && i < st->menu->option_count; i++) {
		const struct flow_option *o = &st->menu->options[i];
		buf_printf(out, "\n%s ", o->choice);
		if (render(ctx, lang, o->text_key, s, who, out) < 0)
			return -1;
	}
	return out->overflowed ? -1 : 0;
}

/* Carries out the actions a step asks for until the flow waits or ends. */
static int run_actions(const struct converse_ctx *ctx, const struct converse_input *in,
		       const struct sender *who, struct flow_session *s, struct flow_step *st,
		       char lang[8])
{
	struct actions_ctx actx = {
	    .store = ctx->store,
	    .cfg = ctx->cfg,
	    .locales = ctx->locales,
	    .msisdn = in->msisdn,
	    .channel = in->channel,
	    .person = who->enrolled ? &who->person : NULL,
	    .now = in->now,
	    .message_id = in->message_id,
	};
	for (int i = 0; st->kind == FLOW_STEP_CALL; i++) {
		enum flow_outcome outcome;
		if (i == CONVERSE_STEPS_MAX) {
			log_msg(LOG_LEVEL_ERROR, "flow_loop", "flow=%s",
				ctx->flows->flows[s->flow].name);
			*st = (struct flow_step){.kind = FLOW_STEP_END, .text_key = FLOW_KEY_ERROR};
			return 0;
		}
		if (actions_run(st->action, &actx, s, &outcome) < 0)
			return -1;
		const char *chosen = flow_var_get(s, "lang");
		if (st->action == FLOW_ACTION_set_language && outcome == FLOW_OUTCOME_ok && chosen)
			snprintf(lang, 8, "%s", chosen); /* answer in the new language */
		flow_resume(ctx->flows, s, outcome, st);
	}
	return 0;
}

/* A reply that is one text and no conversation. */
static void answer(struct flow_step *st, const char *key)
{
	*st = (struct flow_step){.kind = FLOW_STEP_END, .text_key = key};
}

/* Decides what this message does: starts a flow, answers the one in
 * progress, or gets a short answer of its own. The flow it may start is
 * the dialled code's (USSD, a new session) or its first word's. */
static void route(const struct converse_ctx *ctx, const struct converse_input *in,
		  const struct sender *who, struct flow_session *s, bool in_progress, bool expired,
		  struct flow_step *st)
{
	const char *text = in->text ? in->text : "";
	size_t len = in->text ? in->len : 0;
	const struct flow *f =
	    in->start && !in_progress ? in->start : flow_find_keyword(ctx->flows, text, len);
	if (expired && !f && s->flow != FLOW_NONE) {
		/* an answer too late: the node's timeout edge, else global.expired */
		flow_timeout(ctx->flows, s, st);
		return;
	}
	if (expired) { /* a keyword starts afresh */
		memset(s, 0, sizeof *s);
		s->flow = s->node = FLOW_NONE;
	}
	if (f && f->global) {
		flow_start(ctx->flows, f, text, len, s, st);
	} else if (in_progress) {
		flow_input(ctx->flows, s, text, len, st);
	} else if (f && who->opted_out) {
		answer(st, FLOW_KEY_OPTED_OUT);
	} else if (f && !may_start(f, who)) {
		answer(st, FLOW_KEY_NOT_ENROLLED);
	} else if (f) {
		flow_start(ctx->flows, f, text, len, s, st);
	} else {
		answer(st, expired ? FLOW_KEY_EXPIRED : FLOW_KEY_UNKNOWN);
	}
}

/* The conversation the loaded session holds, if it goes on. */
static void load_session(const struct converse_ctx *ctx, const struct converse_input *in,
			 struct flow_session *s, bool *in_progress, bool *expired)
{
	*in_progress = *expired = false;
	memset(s, 0, sizeof *s);
	s->flow = s->node = FLOW_NONE;
	if (!in->session->flow[0])
		return;
	if (session_decode(ctx->flows, in->session, s) < 0) {
		memset(s, 0, sizeof *s); /* a flow or node a reload took away */
		s->flow = s->node = FLOW_NONE;
	}
	*expired = s->flow == FLOW_NONE || in->session->expires_at < in->now;
	*in_progress = !*expired;
}

/* The conversation's state into the session the caller saves: flow ""
 * when it is over. */
static void keep_session(const struct converse_ctx *ctx, const struct converse_input *in,
			 const struct flow_session *s, const struct flow_step *st)
{
	struct store_session *out = in->session;
	if (st->kind != FLOW_STEP_WAIT || s->flow == FLOW_NONE ||
	    session_encode(ctx->flows, s, out) < 0) {
		out->flow[0] = out->node[0] = out->vars[0] = '\0';
		out->attempts = 0;
		return;
	}
	/* a node's own timeout, if shorter, is when the answer comes too late */
	unsigned wait = st->timeout && st->timeout < in->idle ? st->timeout : in->idle;
	out->expires_at = in->now + wait;
}

/* Transliterates for a person who asked for Latin letters, then measures
 * what the phone will get. */
static void fit_for_phone(const struct sender *who, const char *lang, struct converse_reply *r)
{
	if (who->enrolled && who->person.transliterate) {
		struct buf latin;
		buf_init(&latin, CONVERSE_REPLY_MAX);
		if (translit_to_latin(lang, r->text.data, r->text.len, &latin) == 0) {
			buf_cleanup(&r->text);
			r->text = latin;
		} else {
			buf_cleanup(&latin);
		}
	}
	struct gsm_fit fit;
	r->ucs2 = gsm_measure(r->text.data, r->text.len, &fit) < 0 || fit.coding == GSM_CODING_UCS2;
}

int converse_language(const struct converse_ctx *ctx, const char *msisdn, char lang[8])
{
	struct sender who;
	if (identify(ctx, msisdn, &who) < 0)
		return -1;
	memcpy(lang, who.language, 8);
	return 0;
}

int converse_say(const struct converse_ctx *ctx, const struct converse_input *in, const char *key,
		 struct converse_reply *reply)
{
	struct sender who;
	if (identify(ctx, in->msisdn, &who) < 0)
		return -1;
	struct flow_session none = {.flow = FLOW_NONE, .node = FLOW_NONE};
	struct flow_step st = {.kind = FLOW_STEP_END, .text_key = key};
	reply->key = key;
	reply->waiting = false;
	memcpy(reply->lang, who.language, sizeof reply->lang);
	if (render_step(ctx, who.language, &st, &none, &who, &reply->text) < 0)
		log_msg(LOG_LEVEL_ERROR, "render_failed", "lang=%s key=%s", who.language, key);
	fit_for_phone(&who, who.language, reply);
	return 0;
}

int converse(const struct converse_ctx *ctx, const struct converse_input *in,
	     struct converse_reply *reply)
{
	struct sender who;
	struct flow_session s;
	struct flow_step st;
	bool in_progress, expired;
	if (identify(ctx, in->msisdn, &who) < 0)
		return -1;
	load_session(ctx, in, &s, &in_progress, &expired);
	/* a late answer to a PIN question is still a PIN, though the
	 * conversation it answered is over */
	bool pin_flow = s.flow != FLOW_NONE && ctx->flows->flows[s.flow].asks_pin;
	char lang[8];
	memcpy(lang, who.language, sizeof lang);
	route(ctx, in, &who, &s, in_progress, expired, &st);
	if (st.kind == FLOW_STEP_NOMATCH)
		answer(&st, FLOW_KEY_UNKNOWN);
	reply->secret_input = st.secret; /* before the actions take the step on */
	reply->pin_context =
	    pin_flow || (s.flow != FLOW_NONE && ctx->flows->flows[s.flow].asks_pin);
	if (run_actions(ctx, in, &who, &s, &st, lang) < 0)
		return -1;
	keep_session(ctx, in, &s, &st);
	reply->key = st.text_key;
	reply->waiting = st.kind == FLOW_STEP_WAIT;
	memcpy(reply->lang, lang, sizeof reply->lang);
	reply->sms_copy = st.kind == FLOW_STEP_END && st.sms_copy;
	if (render_step(ctx, lang, &st, &s, &who, &reply->text) < 0) {
		log_msg(LOG_LEVEL_ERROR, "render_failed", "lang=%s key=%s", lang, st.text_key);
		buf_cleanup(&reply->text);
		buf_init(&reply->text, CONVERSE_REPLY_MAX);
		if (locales_render(ctx->locales, lang, FLOW_KEY_ERROR, NULL, 0, &reply->text) < 0)
			buf_append(&reply->text, "Error.", 6);
	}
	fit_for_phone(&who, lang, reply);
	return 0;
}
