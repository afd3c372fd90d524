/* actions_tip — the tips' actions (FLOW_ACTIONS_TIPS in flow.h; tip.h):
 * the reporter's (tip_check, tip_districts, tip_place, create_tip,
 * add_to_tip, tip_followup), which run under the reporter's alias, and the
 * officers' (tip_ack, tip_reply, tip_close, tip_block). Part of actions.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "log.h"
#include "seal.h"
#include "tip.h"
#include "utf.h"

#define DISTRICTS_SHOWN 3  /* a page of the district menu: it fits a USSD page */
#define DISTRICT_CHARS  12 /* of a district's name in the menu */
#define SECONDS_PER_DAY 86400

static struct tip_ctx tips(const struct actions_ctx *ctx)
{
	return (struct tip_ctx){ctx->store, ctx->cfg, ctx->locales, ctx->now};
}

static long var_number(const struct flow_session *s, const char *name)
{
	const char *v = flow_var_get(s, name);
	return v ? strtol(v, NULL, 10) : 0;
}

/* What a message says after its reference (and, from an officer, the
 * command before it): "REPLY K7M-4TX Thank you" → "Thank you". The
 * reference read into ref; NULL if there is none. */
static const char *after_ref(const struct actions_ctx *ctx, bool command, char ref[TIP_REF_SIZE])
{
	const char *t = ctx->text;
	size_t len = ctx->text ? ctx->len : 0, i = 0;
	while (command && i < len && t[i] == ' ')
		i++;
	while (command && i < len && t[i] != ' ' && t[i] != '\n')
		i++;
	size_t used = i < len ? tip_ref_read(t + i, len - i, ref) : 0;
	if (!used)
		return NULL;
	for (i += used; i < len && (t[i] == ' ' || t[i] == '\n' || t[i] == ':' || t[i] == ',');)
		i++;
	return t + i;
}

/* Only a flow that hides its sender may take a tip: anything else would
 * keep the number. */
static bool hidden(const struct actions_ctx *ctx)
{
	if (ctx->reporter)
		return true;
	log_msg(LOG_LEVEL_ERROR, "tip_not_hidden", "error=\"a tip flow must say: sender hidden\"");
	return false;
}

static int act_tip_check(const struct actions_ctx *ctx, struct flow_session *s,
			 enum flow_outcome *outcome)
{
	*outcome = FLOW_OUTCOME_fail;
	if (!hidden(ctx))
		return 0;
	int blocked = store_tip_blocked(ctx->store, ctx->msisdn);
	int64_t today = blocked == 0 ? store_tip_count_since(ctx->store, ctx->msisdn,
							     ctx->now - SECONDS_PER_DAY)
				     : 0;
	if (blocked < 0 || today < 0)
		return -1;
	actions_set_number(s, "limit", (long)ctx->cfg->tip_daily_limit);
	if (blocked)
		*outcome = FLOW_OUTCOME_locked;
	else if (today < ctx->cfg->tip_daily_limit)
		*outcome = FLOW_OUTCOME_ok;
	else
		log_msg(LOG_LEVEL_WARN, "tip_limit", "tips_today=%lld", (long long)today);
	return 0;
}

/* A page of the district menu into {districts}: "1 Osh\n2 Naryn …". */
static int act_tip_districts(const struct actions_ctx *ctx, struct flow_session *s,
			     enum flow_outcome *outcome)
{
	struct store_district d[DISTRICTS_SHOWN];
	long page = var_number(s, "page");
	int n = store_districts_page(ctx->store, page * DISTRICTS_SHOWN, d, DISTRICTS_SHOWN);
	if (n == 0 && page > 0) /* past the last page: the first again */
		n = store_districts_page(ctx->store, (page = 0), d, DISTRICTS_SHOWN);
	if (n < 0)
		return -1;
	char menu[FLOW_VAR_VALUE_MAX];
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		size_t len = utf8_prefix(d[i].name, strlen(d[i].name), DISTRICT_CHARS, 48);
		if (used < sizeof menu)
			used += (size_t)snprintf(menu + used, sizeof menu - used, "%s%d %.*s",
						 i ? "\n" : "", i + 1, (int)len, d[i].name);
	}
	menu[used < sizeof menu ? used : sizeof menu - 1] = '\0'; /* cut, never past it */
	actions_set_var(s, "districts", menu);
	actions_set_number(s, "page", page);
	*outcome = n > 0 ? FLOW_OUTCOME_ok : FLOW_OUTCOME_fail;
	return 0;
}

/* The answer to the district menu: a number of it, 0 for the next page,
 * or a place typed. */
static int act_tip_place(const struct actions_ctx *ctx, struct flow_session *s,
			 enum flow_outcome *outcome)
{
	const char *choice = flow_var_get(s, "choice");
	*outcome = FLOW_OUTCOME_fail;
	if (!choice || !*choice) { /* a place typed */
		const char *place = flow_var_get(s, "place");
		*outcome = place && *place ? FLOW_OUTCOME_ok : FLOW_OUTCOME_fail;
		actions_set_var(s, "district_id", "0");
		return 0;
	}
	long n = strtol(choice, NULL, 10), page = var_number(s, "page");
	actions_set_var(s, "choice", "");
	if (n == 0) {
		actions_set_number(s, "page", page + 1);
		*outcome = FLOW_OUTCOME_more;
		return 0;
	}
	struct store_district d;
	int found = n <= DISTRICTS_SHOWN
			? store_districts_page(ctx->store, page * DISTRICTS_SHOWN + n - 1, &d, 1)
			: 0;
	if (found < 0)
		return -1;
	if (found == 1) {
		actions_set_number(s, "district_id", (long)d.id);
		actions_set_var(s, "place", "");
		actions_set_var(s, "districts", ""); /* the menu is done with */
		*outcome = FLOW_OUTCOME_ok;
	}
	return 0;
}

/* The description: the message, up to [tips] description_max characters;
 * *cut if it was longer. */
static void description(const struct actions_ctx *ctx, const char *text, size_t len, char *out,
			size_t size, bool *cut)
{
	size_t keep = utf8_prefix(text, len, ctx->cfg->tip_description_max, size - 1);
	*cut = keep < len;
	memcpy(out, text, keep);
	out[keep] = '\0';
}

static int act_create_tip(const struct actions_ctx *ctx, struct flow_session *s,
			  enum flow_outcome *outcome)
{
	*outcome = FLOW_OUTCOME_fail;
	const char *category = flow_var_get(s, "category");
	if (!hidden(ctx) || !ctx->text || !category || !tip_category(category))
		return 0;
	char body[STORE_TIP_BODY_MAX];
	bool cut, sms = strcmp(ctx->channel, "sms") == 0;
	description(ctx, ctx->text, ctx->len, body, sizeof body, &cut);
	const char *place = flow_var_get(s, "place");
	unsigned char sealed[SEAL_SIZE];
	seal_number(ctx->cfg->keys.seal, ctx->reporter, sealed);
	struct store_new_tip t = {
	    .category = category,
	    .body = body,
	    .place = place ? place : "",
	    .channel = ctx->channel,
	    .language = ctx->language,
	    .district_id = var_number(s, "district_id"),
	    .tipster = ctx->msisdn,
	    .sealed = sealed,
	    /* named only with their consent, to be called back */
	    .callback = var_number(s, "callback") == 1 ? ctx->reporter : NULL,
	    .liaison = ctx->liaison,
	    /* by SMS more may follow within the gap; the alert waits for it */
	    .alert_at = ctx->now + (sms ? ctx->cfg->tip_join_gap : 0),
	    .now = ctx->now,
	};
	char ref[TIP_REF_SIZE];
	struct tip_ctx c = tips(ctx);
	if (tip_create(&c, &t, ref) < 0)
		return -1;
	actions_set_var(s, "ref", ref);
	actions_set_number(s, "max", (long)ctx->cfg->tip_description_max);
	*outcome = cut ? FLOW_OUTCOME_fail : sms ? FLOW_OUTCOME_more : FLOW_OUTCOME_ok;
	return 0;
}

/* The reporter's tip by reference, if it is theirs: 1, 0, or -1. */
static int own_tip(const struct actions_ctx *ctx, const char *ref, struct store_tip *t)
{
	int found = ref ? store_tip_find(ctx->store, ref, 0, t) : 0;
	if (found == 1 && strcmp(t->tipster, ctx->msisdn) != 0)
		found = 0; /* someone else's: as if there were none */
	return found;
}

/* More from the reporter: joined to the description while its alert has
 * not gone (more; fail if it is full), else relayed to the officer
 * (ok). */
static int follow_up(const struct actions_ctx *ctx, struct store_tip *t, const char *text,
		     enum flow_outcome *outcome)
{
	struct tip_ctx c = tips(ctx);
	if (t->escalations > 0 || t->closed_at) {
		*outcome = FLOW_OUTCOME_ok;
		return tip_forward(&c, t, text) < 0 ? -1 : 0;
	}
	char body[STORE_TIP_BODY_MAX * 2];
	bool cut;
	int n = snprintf(body, sizeof body, "%s %s", t->body, text);
	description(ctx, body, n < 0 ? 0 : strlen(body), t->body, sizeof t->body, &cut);
	*outcome = cut ? FLOW_OUTCOME_fail : FLOW_OUTCOME_more;
	return store_tip_body(ctx->store, t->id, t->body, ctx->now + ctx->cfg->tip_join_gap,
			      ctx->now) < 0
		   ? -1
		   : 0;
}

/* The reporter's tip a message is about: the one whose reference it
 * begins with (*text: what follows), else the conversation's {ref} (*text:
 * all of it; NULL: none). Outcome none if it is not theirs. 1, 0, or -1. */
static int reporter_tip(const struct actions_ctx *ctx, struct flow_session *s, struct store_tip *t,
			const char **text, enum flow_outcome *outcome)
{
	char ref[TIP_REF_SIZE];
	*outcome = FLOW_OUTCOME_none;
	*text = after_ref(ctx, false, ref);
	if (*text)
		actions_set_var(s, "ref", ref);
	else
		*text = ctx->text;
	actions_set_number(s, "max", (long)ctx->cfg->tip_description_max);
	return *text ? own_tip(ctx, flow_var_get(s, "ref"), t) : 0;
}

/* By SMS, more after the tip: joined, or to the officer. */
static int act_add_to_tip(const struct actions_ctx *ctx, struct flow_session *s,
			  enum flow_outcome *outcome)
{
	struct store_tip t;
	const char *text;
	int found = reporter_tip(ctx, s, &t, &text, outcome);
	return found <= 0 ? found : follow_up(ctx, &t, text, outcome);
}

/* "<ref> <text>" from a reporter: to their tip (none: they sent no such
 * tip; locked: the reference alone, they are told what to write). */
static int act_tip_followup(const struct actions_ctx *ctx, struct flow_session *s,
			    enum flow_outcome *outcome)
{
	struct store_tip t;
	const char *text;
	actions_set_var(s, "ref", ""); /* only the reference the message begins with */
	int found = reporter_tip(ctx, s, &t, &text, outcome);
	if (found <= 0)
		return found;
	if (!*text) {
		*outcome = FLOW_OUTCOME_locked;
		return 0;
	}
	return follow_up(ctx, &t, text, outcome);
}

/* An officer's command on a tip (ACK, REPLY, CLOSE, BLOCK): the tip, and
 * the text after its reference. 1, 0 if there is no such tip (outcome
 * fail), or -1. */
static int officer_tip(const struct actions_ctx *ctx, struct flow_session *s, struct store_tip *t,
		       const char **text, enum flow_outcome *outcome)
{
	char ref[TIP_REF_SIZE];
	*outcome = FLOW_OUTCOME_fail;
	*text = ctx->officer ? after_ref(ctx, true, ref) : NULL;
	actions_set_var(s, "ref", *text ? ref : "?");
	int found = *text ? store_tip_find(ctx->store, ref, 0, t) : 0;
	/* another district's tip, never theirs: as if there were none */
	return found == 1 ? store_tip_officer_may(ctx->store, t->id, ctx->officer->id) : found;
}

static void officer_actor(const struct actions_ctx *ctx, char actor[32])
{
	snprintf(actor, 32, "officer:%lld", (long long)ctx->officer->id);
}

/* ACK, CLOSE and BLOCK: the tip's status, and a line in the audit log. */
static int officer_command(const struct actions_ctx *ctx, struct flow_session *s,
			   const char *status, const char *action, enum flow_outcome *outcome)
{
	struct store_tip t;
	const char *text;
	char actor[32];
	int found = officer_tip(ctx, s, &t, &text, outcome);
	if (found <= 0)
		return found;
	officer_actor(ctx, actor);
	struct tip_ctx c = tips(ctx);
	log_msg(LOG_LEVEL_INFO, "tip_officer", "ref=%s action=%s officer=%lld", t.ref, action,
		(long long)ctx->officer->id);
	*outcome = FLOW_OUTCOME_ok;
	if (strcmp(action, "block") == 0 && store_tip_block(ctx->store, t.id, actor, ctx->now) < 0)
		return -1;
	/* a block leaves the tip's status as it is */
	return (status &&
		store_tip_status(ctx->store, t.id, status, ctx->officer->id, ctx->now) < 0) ||
		       tip_audit(&c, actor, t.id, action) < 0
		   ? -1
		   : 0;
}

static int act_tip_ack(const struct actions_ctx *ctx, struct flow_session *s,
		       enum flow_outcome *outcome)
{
	return officer_command(ctx, s, "seen", "acknowledge", outcome);
}

static int act_tip_close(const struct actions_ctx *ctx, struct flow_session *s,
			 enum flow_outcome *outcome)
{
	return officer_command(ctx, s, "closed", "close", outcome);
}

static int act_tip_block(const struct actions_ctx *ctx, struct flow_session *s,
			 enum flow_outcome *outcome)
{
	return officer_command(ctx, s, NULL, "block", outcome);
}

/* REPLY <ref> <text>: relayed to the reporter (ok), or they can no longer
 * be reached (locked). */
static int act_tip_reply(const struct actions_ctx *ctx, struct flow_session *s,
			 enum flow_outcome *outcome)
{
	struct store_tip t;
	const char *text;
	int found = officer_tip(ctx, s, &t, &text, outcome);
	if (found == 1 && !*text) /* REPLY and a reference, no text: how to */
		*outcome = FLOW_OUTCOME_none;
	if (found <= 0 || !*text)
		return found < 0 ? -1 : 0;
	struct tip_ctx c = tips(ctx);
	int relayed = tip_reply(&c, &t, ctx->officer->id, text);
	if (relayed < 0)
		return -1;
	*outcome = relayed ? FLOW_OUTCOME_ok : FLOW_OUTCOME_locked;
	return 0;
}

int actions_tip_run(enum flow_action a, const struct actions_ctx *ctx, struct flow_session *s,
		    enum flow_outcome *outcome)
{
	switch (a) {
#define X(name)                                                                                    \
	case FLOW_ACTION_##name: return act_##name(ctx, s, outcome);
		FLOW_ACTIONS_TIPS(X)
#undef X
	default: return -1;
	}
}
