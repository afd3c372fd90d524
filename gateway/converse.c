/* converse — see converse.h. */
#include "converse.h"

#include <string.h>

#include "effect.h"
#include "log.h"
#include "session.h"

/* Actions in a row without a question between them; flows are not meant
 * to loop, and this keeps one that does from holding the loop. */
#define CONVERSE_STEPS_MAX 16

/* Who is writing, as far as the conversation cares. */
struct sender {
	bool enrolled;
	struct store_person person;
	bool officer; /* a registered officer's number (not a person's) */
	struct store_officer officer_row;
	char language[8];
	bool opted_out;
	bool liaison; /* a hidden sender who is an enrolled liaison */
	/* a hidden sender as their number is known: what they could start */
	bool reporter_enrolled, reporter_officer;
	struct store_person reporter_person;
};

/* What a hidden sender's own number may tell without being stored: an
 * enrolled liaison, their language if their alias has none yet, and what
 * they could start as themselves. */
static int identify_reporter(const struct converse_ctx *ctx, const char *number, struct sender *who)
{
	struct store_person *p = &who->reporter_person;
	struct store_officer officer;
	char lang[8] = "";
	bool opted_out;
	int found = store_person_find(ctx->store, number, p);
	int is_officer = found == 0 ? store_officer_find(ctx->store, number, &officer) : 0;
	if (found < 0 || is_officer < 0 ||
	    (found == 0 && store_contact_find(ctx->store, number, lang, &opted_out) < 0))
		return -1;
	who->reporter_enrolled = found == 1;
	who->reporter_officer = is_officer == 1;
	if (found == 1) {
		who->liaison = strcmp(p->role, "liaison") == 0 && strcmp(p->status, "active") == 0;
		memcpy(lang, p->language, sizeof lang);
	}
	if (!who->language[0])
		memcpy(who->language, lang, sizeof lang);
	return 0;
}

static int identify(const struct converse_ctx *ctx, const char *msisdn, const char *reporter,
		    struct sender *who)
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
	if (!who->enrolled) {
		int officer = store_officer_find(ctx->store, msisdn, &who->officer_row);
		if (officer < 0)
			return -1;
		who->officer = officer == 1;
		if (who->officer && !who->language[0])
			memcpy(who->language, who->officer_row.language, sizeof who->language);
	}
	if (reporter && identify_reporter(ctx, reporter, who) < 0)
		return -1;
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
	case FLOW_WHO_officer: return who->officer;
	}
	return false;
}

/* Whether text is a command rather than a sentence: two words at most. */
static bool few_words(const char *text, size_t len)
{
	int words = 0;
	for (size_t i = 0; i < len && words <= 2; i++)
		words += text[i] != ' ' && text[i] != '\n' &&
			 (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n');
	return words <= 2;
}

/* Whether a hidden sender, as their number is known, could start f. */
static bool may_start_as_number(const struct flow *f, const struct sender *who)
{
	struct sender number = {.enrolled = who->reporter_enrolled,
				.person = who->reporter_person,
				.officer = who->reporter_officer};
	return may_start(f, &number);
}

/* Whether the conversation s is in a flow that asks for a PIN. */
static bool asks_pin(const struct converse_ctx *ctx, const struct flow_session *s)
{
	return s->flow != FLOW_NONE && ctx->flows->flows[s->flow].asks_pin;
}

/* A reply that is one text and no conversation. */
static void answer(struct flow_step *st, const char *key)
{
	*st = (struct flow_step){.kind = FLOW_STEP_END};
	flow_effects_add(&st->effects, (struct flow_effect){.kind = FLOW_EFFECT_say, .key = key});
	flow_effects_add(&st->effects, (struct flow_effect){.kind = FLOW_EFFECT_end_session});
}

/* The flow an SMS starts: its first word's, or a tip reference's. */
static const struct flow *starts(const struct converse_ctx *ctx, const char *text, size_t len)
{
	const struct flow *f = flow_find_keyword(ctx->flows, text, len);
	return f ? f : flow_find_reference(ctx->flows, text, len);
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
	const struct flow *f = in->start && !in_progress ? in->start : starts(ctx, text, len);
	if (expired && !f && s->flow != FLOW_NONE) {
		/* an answer too late: the node's timeout edge, else global.expired */
		flow_timeout(ctx->flows, s, st);
		return;
	}
	if (expired) { /* a keyword starts afresh */
		memset(s, 0, sizeof *s);
		s->flow = s->node = FLOW_NONE;
	}
	/* a conversation chabar opened (a reminder's answer) gives way to one
	 * the person starts with its keyword (CHECKIN) */
	bool yields = in_progress && f && ctx->flows->flows[s->flow].on_reminder;
	if (f && f->global) {
		flow_start(ctx->flows, f, text, len, s, st);
	} else if (in_progress && f && !f->hidden && in->reporter && few_words(text, len) &&
		   may_start_as_number(f, who)) {
		/* a word of a flow the reporter could start (CHECKIN, CHECKIN
		 * 4711; not a sentence that begins with one) amid a hidden
		 * conversation: it stays hidden, and they are asked to end this
		 * one first, so that nothing meant for the other (a PIN) goes
		 * into a report */
		flow_hold(ctx->flows, s, FLOW_KEY_HIDDEN_BUSY, st);
	} else if (in_progress && !yields) {
		flow_input(ctx->flows, s, text, len, st);
	} else if (f && who->opted_out) {
		answer(st, FLOW_KEY_OPTED_OUT);
	} else if (f && may_start(f, who)) {
		flow_start(ctx->flows, f, text, len, s, st);
	} else if (who->officer) { /* anything else from an officer: what they can send */
		answer(st, FLOW_KEY_OFFICER_HELP);
	} else if (f && f->who != FLOW_WHO_officer) { /* an officer's word tells no one else
						       * anything */
		answer(st, FLOW_KEY_NOT_ENROLLED);
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

bool converse_hides_sender(const struct converse_ctx *ctx, const struct flow *start,
			   const char *text, size_t len, const struct converse_standing *alias,
			   const struct converse_standing *number)
{
	const struct flow *f = start ? start : text ? starts(ctx, text, len) : NULL;
	if (f && f->hidden)
		return true;
	bool current =
	    alias->found &&
	    (!number->found ||
	     (alias->live != number->live ? alias->live : alias->updated_at >= number->updated_at));
	/* an answer, late or not; a keyword only while the conversation waits */
	return current && (alias->live || !f);
}

int converse_language(const struct converse_ctx *ctx, const char *msisdn, char lang[8])
{
	struct sender who;
	if (identify(ctx, msisdn, NULL, &who) < 0)
		return -1;
	memcpy(lang, who.language, 8);
	return 0;
}

int converse_say(const struct converse_ctx *ctx, const struct converse_input *in, const char *key,
		 struct converse_reply *reply)
{
	struct sender who;
	if (identify(ctx, in->msisdn, in->reporter, &who) < 0)
		return -1;
	struct flow_session none = {.flow = FLOW_NONE, .node = FLOW_NONE};
	struct flow_effects fx = {0};
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_say, .key = key});
	struct effect_ctx ectx = {ctx, in, who.enrolled ? &who.person : NULL, NULL, who.liaison};
	struct effect_state state = {.reply = reply};
	memcpy(state.lang, who.language, sizeof state.lang);
	reply->waiting = false;
	return effect_run(&ectx, &fx, &none, &state);
}

int converse(const struct converse_ctx *ctx, const struct converse_input *in,
	     struct converse_reply *reply)
{
	struct sender who;
	struct flow_session s;
	struct flow_step st;
	bool in_progress, expired;
	if (identify(ctx, in->msisdn, in->reporter, &who) < 0)
		return -1;
	load_session(ctx, in, &s, &in_progress, &expired);
	/* a late answer to a PIN question is still a PIN, though the
	 * conversation it answered is over */
	bool pin_flow = asks_pin(ctx, &s);
	route(ctx, in, &who, &s, in_progress, expired, &st);
	if (st.kind == FLOW_STEP_NOMATCH)
		answer(&st, FLOW_KEY_UNKNOWN);
	reply->secret_input = st.secret; /* before the actions take the step on */
	reply->pin_context = pin_flow || asks_pin(ctx, &s);
	struct effect_ctx ectx = {ctx, in, who.enrolled ? &who.person : NULL,
				  who.officer ? &who.officer_row : NULL, who.liaison};
	struct effect_state state = {.reply = reply};
	memcpy(state.lang, who.language, sizeof state.lang);
	/* each step's effects, the actions' outcomes taking the flow on, until
	 * it waits or ends */
	for (int calls = 0;; calls++) {
		if (st.kind == FLOW_STEP_CALL && calls == CONVERSE_STEPS_MAX) {
			log_msg(LOG_LEVEL_ERROR, "flow_loop", "flow=%s",
				ctx->flows->flows[s.flow].name);
			answer(&st, FLOW_KEY_ERROR);
		}
		state.called = false;
		if (effect_run(&ectx, &st.effects, &s, &state) < 0)
			return -1;
		if (!state.called)
			return 0;
		flow_resume(ctx->flows, &s, state.outcome, &st);
		if (st.kind == FLOW_STEP_NOMATCH) /* no action node: the flows changed */
			answer(&st, FLOW_KEY_ERROR);
	}
}
