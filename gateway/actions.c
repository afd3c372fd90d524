/* actions — see actions.h. */
#include "actions.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "log.h"
#include "pin.h"
#include "tz.h"
#include "utf.h"
#include "watch.h"

void actions_local_time(const char *timezone, int64_t t, char hhmm[6], char date[11])
{
	struct tm tm;
	tz_local_named(timezone, t, &tm);
	if (strftime(hhmm, 6, "%H:%M", &tm) == 0)
		hhmm[0] = '\0';
	if (strftime(date, 11, "%d.%m.%Y", &tm) == 0)
		date[0] = '\0';
}

void actions_set_var(struct flow_session *s, const char *name, const char *value)
{
	flow_var_set(s, name, value, strlen(value));
}

#define SERVICE_CHARS 56 /* a service on a USSD page, with its menu */

void actions_set_number(struct flow_session *s, const char *name, long value)
{
	char text[24];
	snprintf(text, sizeof text, "%ld", value);
	actions_set_var(s, name, text);
}

/* Tells the person's officer (an SMS through the outbox). */
static int alert_officer(const struct actions_ctx *ctx, const char *key)
{
	return flow_effects_add(
	    ctx->more,
	    (struct flow_effect){.kind = FLOW_EFFECT_queue_sms, .to = FLOW_TO_OFFICER, .key = key});
}

/* Wipes the typed PIN from the session, so it is never stored. */
static void forget_pin(struct flow_session *s)
{
	for (size_t i = 0; i < s->var_count; i++)
		if (strcmp(s->vars[i].name, "pin") == 0)
			sodium_memzero(s->vars[i].value, sizeof s->vars[i].value);
}

static int act_verify_pin(const struct actions_ctx *ctx, struct flow_session *s,
			  enum flow_outcome *outcome)
{
	const struct store_person *p = ctx->person;
	const struct cfg *cfg = ctx->cfg;
	const char *typed = flow_var_get(s, "pin");
	bool can_check = p && p->pin_hash[0] && typed;
	bool locked = can_check && p->pin.locked_until > ctx->now;
	bool right =
	    can_check && !locked && pin_matches(cfg->keys.pin, ctx->msisdn, typed, p->pin_hash);
	forget_pin(s);
	*outcome = FLOW_OUTCOME_fail;
	if (!can_check) {
		actions_set_number(s, "tries", 0);
		return 0;
	}
	if (locked) {
		actions_set_number(s, "minutes",
				   (long)((p->pin.locked_until - ctx->now + 59) / 60));
		*outcome = FLOW_OUTCOME_locked;
		return 0;
	}
	struct pin_state pin = p->pin;
	if (right) {
		*outcome = FLOW_OUTCOME_ok;
		pin_right(&pin, ctx->now);
		return store_person_pin(ctx->store, p->id, &pin) < 0 ? -1 : 0;
	}
	struct pin_policy policy = {cfg->pin_attempts, cfg->pin_daily_max, cfg->pin_lock_minutes};
	bool locks = pin_wrong(&policy, &pin, ctx->now);
	if (store_person_pin(ctx->store, p->id, &pin) < 0 ||
	    store_pin_event(ctx->store, p->id, locks ? "lock" : "failure", NULL, 0, ctx->now) < 0)
		return -1;
	if (!locks) {
		actions_set_number(s, "tries", (long)cfg->pin_attempts - pin.failures);
		return 0;
	}
	long minutes = (long)((pin.locked_until - ctx->now + 59) / 60);
	actions_set_number(s, "minutes", minutes);
	*outcome = FLOW_OUTCOME_locked;
	log_msg(LOG_LEVEL_WARN, "pin_locked", "person=%lld minutes=%ld locks=%d day_failures=%d",
		(long long)p->id, minutes, pin.locks, pin.day_failures);
	/* one incident, one alert, however many locks until an officer answers */
	char ref[LEDGER_RECEIPT_SIZE];
	int open = store_incident_open(ctx->store, p->id, "pin_lockout", ref);
	if (open < 0)
		return -1;
	if (open)
		return 0;
	struct watch_ctx w = {ctx->store, ctx->cfg, ctx->locales, ctx->now, 0};
	if (watch_incident(&w, p, "pin_lockout", 0, ref) < 0)
		return -1;
	actions_set_var(s, "ref", ref); /* the officer's alert carries it, to answer OK */
	return alert_officer(ctx, FLOW_KEY_PIN_ALERT);
}

/* Sets {date} {time} {place} of the next appointment, or of appointment
 * *id if id points to one that is not 0 (and *id to it); 1 if there is
 * one. */
static int next_appointment(const struct actions_ctx *ctx, struct flow_session *s, int64_t *id)
{
	struct store_appointment a;
	int found = store_appointment_next(ctx->store, ctx->person->id, ctx->now, id ? *id : 0, &a);
	if (found != 1)
		return found;
	char hhmm[6], date[11];
	actions_local_time(ctx->person->timezone, a.starts_at, hhmm, date);
	actions_set_var(s, "date", date);
	actions_set_var(s, "time", hhmm);
	actions_set_var(s, "place", a.place);
	if (id)
		*id = a.id;
	return 1;
}

static int act_record_checkin(const struct actions_ctx *ctx, struct flow_session *s,
			      enum flow_outcome *outcome)
{
	const char *location = flow_var_get(s, "location");
	*outcome = FLOW_OUTCOME_fail;
	if (!ctx->person || !location)
		return 0;
	struct store_checkin c = {
	    .person_id = ctx->person->id, .at = ctx->now, .message_id = ctx->message_id};
	snprintf(c.location, sizeof c.location, "%s", location);
	snprintf(c.channel, sizeof c.channel, "%s", ctx->channel);
	struct watch_ctx w = {ctx->store, ctx->cfg, ctx->locales, ctx->now, 0};
	if (ledger_add(ctx->store, ctx->cfg->keys.ledger, &c) < 0 ||
	    watch_checkin(&w, ctx->person, store_last_id(ctx->store)) < 0)
		return -1;
	actions_set_var(s, "receipt", c.receipt);
	int found = next_appointment(ctx, s, NULL);
	if (found < 0)
		return -1;
	char next[32] = "-";
	if (found)
		snprintf(next, sizeof next, "%s %s", flow_var_get(s, "date"),
			 flow_var_get(s, "time"));
	char hhmm[6], date[11];
	actions_local_time(ctx->person->timezone, ctx->now, hhmm, date);
	actions_set_var(s, "time", hhmm);
	actions_set_var(s, "next_appointment", next);
	*outcome = FLOW_OUTCOME_ok;
	return 0;
}

static int act_next_appointment(const struct actions_ctx *ctx, struct flow_session *s,
				enum flow_outcome *outcome)
{
	*outcome = FLOW_OUTCOME_fail;
	if (!ctx->person)
		return 0;
	int found = next_appointment(ctx, s, NULL);
	if (found == 1)
		*outcome = FLOW_OUTCOME_ok;
	return found < 0 ? -1 : 0;
}

/* An answer to a reminder about the appointment the flow holds (the
 * reminder's, {appointment}), else the next: recorded, and the officer
 * told with alert_key (NULL: no one). fail if there is none (the one
 * reminded of passed or was cancelled). */
static int answer_appointment(const struct actions_ctx *ctx, struct flow_session *s,
			      const char *answer, const char *alert_key, enum flow_outcome *outcome)
{
	*outcome = FLOW_OUTCOME_fail;
	if (!ctx->person)
		return 0;
	const char *held = flow_var_get(s, "appointment");
	int64_t id = held ? strtoll(held, NULL, 10) : 0;
	int found = next_appointment(ctx, s, &id); /* passed or cancelled: none */
	if (found != 1)
		return found < 0 ? -1 : 0;
	if (store_appointment_answer(ctx->store, id, answer, ctx->now) < 0 ||
	    (alert_key && alert_officer(ctx, alert_key) < 0))
		return -1;
	*outcome = FLOW_OUTCOME_ok;
	return 0;
}

static int act_confirm_appointment(const struct actions_ctx *ctx, struct flow_session *s,
				   enum flow_outcome *outcome)
{
	return answer_appointment(ctx, s, "confirmed", NULL, outcome);
}

static int act_reschedule_appointment(const struct actions_ctx *ctx, struct flow_session *s,
				      enum flow_outcome *outcome)
{
	return answer_appointment(ctx, s, "reschedule", FLOW_KEY_RESCHEDULE, outcome);
}

static int act_decline_appointment(const struct actions_ctx *ctx, struct flow_session *s,
				   enum flow_outcome *outcome)
{
	return answer_appointment(ctx, s, "cannot_come", FLOW_KEY_CANNOT_COME, outcome);
}

int actions_pin_unlock(struct store *store, int64_t person_id, int64_t officer_id, const char *why,
		       int64_t now)
{
	struct pin_state cleared = {0};
	log_msg(LOG_LEVEL_INFO, "pin_unlocked", "person=%lld officer=%lld", (long long)person_id,
		(long long)officer_id);
	/* the lockout is answered: the next one raises its own alert */
	return store_person_pin(store, person_id, &cleared) < 0 ||
		       store_pin_event(store, person_id, "unlock", why, officer_id, now) < 0 ||
		       store_incidents_settle(store, person_id, "pin_lockout", officer_id, now) < 0
		   ? STORE_ERROR
		   : 0;
}

/* OK <ref> (or, to unlock, UNLOCK <ref> of a PIN lockout) from an
 * officer of the person's district; the incident acknowledged. */
static int acknowledge(const struct actions_ctx *ctx, struct flow_session *s, bool unlock,
		       enum flow_outcome *outcome)
{
	const char *typed = flow_var_get(s, "ref");
	char ref[LEDGER_RECEIPT_SIZE], kind[24];
	int64_t person = 0;
	*outcome = FLOW_OUTCOME_fail;
	if (!ctx->officer || !typed || !ledger_receipt_read(typed, ref))
		return 0;
	actions_set_var(s, "ref", ref);
	int done = store_incident_ack(ctx->store, ref, ctx->officer->id, ctx->now,
				      unlock ? "pin_lockout" : NULL, &person, kind);
	if (done <= 0)
		return done < 0 ? -1 : 0;
	log_msg(LOG_LEVEL_INFO, "incident_acknowledged", "ref=%s officer=%lld", ref,
		(long long)ctx->officer->id);
	*outcome = FLOW_OUTCOME_ok;
	if (unlock)
		return actions_pin_unlock(ctx->store, person, ctx->officer->id, ref, ctx->now) < 0
			   ? -1
			   : 0;
	return 0;
}

static int act_acknowledge_incident(const struct actions_ctx *ctx, struct flow_session *s,
				    enum flow_outcome *outcome)
{
	return acknowledge(ctx, s, false, outcome);
}

static int act_unlock_pin(const struct actions_ctx *ctx, struct flow_session *s,
			  enum flow_outcome *outcome)
{
	return acknowledge(ctx, s, true, outcome);
}

static int act_set_language(const struct actions_ctx *ctx, struct flow_session *s,
			    enum flow_outcome *outcome)
{
	const char *lang = flow_var_get(s, "lang");
	*outcome = FLOW_OUTCOME_fail;
	if (!lang)
		return 0;
	lang = locales_language_find(lang, strlen(lang)); /* "RU" from LANG RU */
	if (!lang || !locales_has_language(ctx->locales, lang))
		return 0;
	actions_set_var(s, "lang", lang);
	struct flow_effect e = {.kind = FLOW_EFFECT_set_language};
	snprintf(e.lang, sizeof e.lang, "%s", lang);
	if (flow_effects_add(ctx->more, e) < 0)
		return -1;
	*outcome = FLOW_OUTCOME_ok;
	return 0;
}

static int set_opt_out(const struct actions_ctx *ctx, bool opted_out, enum flow_outcome *outcome)
{
	*outcome = FLOW_OUTCOME_ok;
	return store_set_opt_out(ctx->store, ctx->person ? ctx->person->id : 0, ctx->msisdn,
				 opted_out, ctx->now) < 0
		   ? -1
		   : 0;
}

static int act_opt_out(const struct actions_ctx *ctx, struct flow_session *s,
		       enum flow_outcome *outcome)
{
	return set_opt_out(ctx, true, outcome);
}

static int act_opt_in(const struct actions_ctx *ctx, struct flow_session *s,
		      enum flow_outcome *outcome)
{
	return set_opt_out(ctx, false, outcome);
}

/* The page-th service (from 0) of the kind chosen in the person's
 * district, as {service}: name; phone, hours; address; cut to fit a USSD
 * page with its menu. */
static int show_service(const struct actions_ctx *ctx, struct flow_session *s, long page,
			enum flow_outcome *outcome)
{
	const char *kind = flow_var_get(s, "kind");
	struct store_service sv;
	*outcome = FLOW_OUTCOME_fail;
	int found = ctx->person && kind
			? store_service_at(ctx->store, ctx->person->id, kind, page, &sv)
			: 0;
	if (found <= 0)
		return found;
	char text[sizeof sv + 8];
	snprintf(text, sizeof text, "%s\n%s%s%s\n%s", sv.name, sv.phone,
		 sv.phone[0] && sv.hours[0] ? ", " : "", sv.hours, sv.address);
	text[utf8_prefix(text, strlen(text), SERVICE_CHARS, FLOW_VAR_VALUE_MAX - 1)] = '\0';
	actions_set_var(s, "service", text);
	actions_set_number(s, "page", page);
	*outcome = FLOW_OUTCOME_ok;
	return 0;
}

static int act_service_first(const struct actions_ctx *ctx, struct flow_session *s,
			     enum flow_outcome *outcome)
{
	return show_service(ctx, s, 0, outcome);
}

static int act_service_next(const struct actions_ctx *ctx, struct flow_session *s,
			    enum flow_outcome *outcome)
{
	const char *page = flow_var_get(s, "page");
	return show_service(ctx, s, (page ? strtol(page, NULL, 10) : 0) + 1, outcome);
}

int actions_run(enum flow_action a, const struct actions_ctx *ctx, struct flow_session *s,
		enum flow_outcome *outcome)
{
	static int (*const run[])(const struct actions_ctx *, struct flow_session *,
				  enum flow_outcome *) = {
#define X(name) act_##name,
	    FLOW_ACTIONS_RECORDS(X)
#undef X
	};
	if ((size_t)a >= FLOW_ACTION_COUNT)
		return -1;
	if ((size_t)a >= sizeof run / sizeof run[0])
		return actions_tip_run(a, ctx, s, outcome);
	return run[a](ctx, s, outcome);
}
