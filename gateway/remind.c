/* remind — see remind.h. */
#include "remind.h"

#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "clock.h"
#include "log.h"
#include "notice.h"
#define ANSWER_WINDOW 86400 /* the reply to a reminder is awaited a day at most */

int64_t remind_outside_quiet(const struct tz *zone, int quiet_from, int quiet_to, int64_t t,
			     int64_t now, int64_t deadline)
{
	int64_t local = t + tz_offset(zone, t);
	int64_t day = local - ((local % 86400) + 86400) % 86400; /* local midnight */
	int minute = (int)((local - day) / 60);
	bool quiet = quiet_from < quiet_to ? minute >= quiet_from && minute < quiet_to
					   : minute >= quiet_from || minute < quiet_to;
	if (quiet_from == quiet_to || !quiet)
		return t;
	int64_t end = day + quiet_to * 60;
	if (end <= local)
		end += 86400;
	end = tz_utc(zone, end);
	if (end < deadline)
		return end;
	int64_t begin = day + quiet_from * 60;
	if (begin > local)
		begin -= 86400;
	begin = tz_utc(zone, begin) - 60;
	return begin > now ? begin : t;
}

int remind_plan(const struct remind_ctx *r, int64_t id)
{
	struct store_plan plan;
	int rc = store_appointment_plan(r->store, id, &plan);
	if (rc <= 0)
		return rc;
	const struct tz *zone = tz_or_utc(plan.timezone);
	if (!zone)
		return STORE_ERROR;
	int planned = 0;
	for (size_t i = 0; i < r->cfg->reminder_count; i++) {
		int64_t before = r->cfg->reminder_before[i], t = plan.starts_at - before;
		if (t <= r->now)
			continue; /* too late for this one */
		int64_t due = remind_outside_quiet(zone, plan.quiet_from, plan.quiet_to, t, r->now,
						   plan.starts_at);
		if (store_reminder_plan(r->store, id, before, due) < 0)
			return STORE_ERROR;
		planned++;
	}
	return planned;
}

/* Opens the reminder flow for the person's SMS replies, unless a
 * conversation is in progress. */
static int open_flow(const struct remind_ctx *r, const struct store_reminder *m)
{
	const struct flow *f = r->flows ? flow_find_reminder(r->flows) : NULL;
	if (!f)
		return 0;
	struct store_session s;
	int found = store_session_get(r->store, m->msisdn, "sms", &s);
	if (found < 0)
		return STORE_ERROR;
	/* a conversation of the person's own goes on; an earlier reminder's
	 * gives way to this one, so that the answer is about this one */
	if (found && s.flow[0] && s.expires_at > r->now && strcmp(s.flow, f->name) != 0)
		return 0;
	memset(&s, 0, sizeof s);
	snprintf(s.flow, sizeof s.flow, "%s", f->name);
	snprintf(s.node, sizeof s.node, "%s", f->nodes[f->start].name);
	snprintf(s.vars, sizeof s.vars, "appointment=%lld", (long long)m->appointment_id);
	s.expires_at =
	    m->starts_at < r->now + ANSWER_WINDOW ? m->starts_at : r->now + ANSWER_WINDOW;
	return store_session_save(r->store, m->msisdn, "sms", &s, r->now);
}

/* The reminder's text, measured, queued; the flow opened. */
static int send_one(const struct remind_ctx *r, const struct store_reminder *m)
{
	char hhmm[6], date[11];
	actions_local_time(m->timezone, m->starts_at, hhmm, date);
	struct locale_var vars[] = {{"date", date}, {"time", hhmm}, {"place", m->place}};
	struct notice reminder = {
	    .msisdn = m->msisdn,
	    .lang = m->language,
	    .latin = m->transliterate,
	    .key = FLOW_KEY_REMINDER,
	    .vars = vars,
	    .var_count = 3,
	    .kind = "reminder",
	    .related_id = m->appointment_id,
	};
	int rc = notice_queue(r->store, r->locales, r->cfg, &reminder, r->now);
	if (rc < 0)
		return STORE_ERROR;
	if (rc == 1) /* it cannot be said: not sent, and not tried again */
		return store_reminder_mark(r->store, m->id, "cancelled", 0, r->now);
	if (store_reminder_mark(r->store, m->id, "sent", store_last_id(r->store), r->now) < 0)
		return STORE_ERROR;
	return open_flow(r, m);
}

int remind_due(const struct remind_ctx *r)
{
	struct store_reminder m;
	int rc = 0, done = 0;
	while ((!r->max || (unsigned)done < r->max) &&
	       (rc = store_reminder_due(r->store, r->now, &m)) == 1) {
		done++;
		bool live = m.starts_at > r->now && strcmp(m.person_status, "active") == 0 &&
			    (strcmp(m.appointment_status, "scheduled") == 0 ||
			     strcmp(m.appointment_status, "confirmed") == 0);
		if (!live) {
			log_msg(LOG_LEVEL_INFO, "reminder_cancelled", "id=%lld appointment=%lld",
				(long long)m.id, (long long)m.appointment_id);
			if (store_reminder_mark(r->store, m.id, "cancelled", 0, r->now) < 0)
				return STORE_ERROR;
			continue;
		}
		if (send_one(r, &m) < 0)
			return STORE_ERROR;
		log_msg(LOG_LEVEL_DEBUG, "reminder_sent", "id=%lld late_ms=%.0f", (long long)m.id,
			(clock_exact() - (double)m.due_at) * 1000);
	}
	return rc < 0 ? STORE_ERROR : done;
}

/* Tells the person of appointment id what became of it (key). */
static int tell(const struct remind_ctx *r, int64_t id, const char *key)
{
	struct store_reminder m;
	int found = store_appointment_notice(r->store, id, &m);
	if (found <= 0)
		return found;
	char hhmm[6], date[11];
	actions_local_time(m.timezone, m.starts_at, hhmm, date);
	struct locale_var vars[] = {{"date", date}, {"time", hhmm}, {"place", m.place}};
	struct notice n = {
	    .msisdn = m.msisdn,
	    .lang = m.language,
	    .latin = m.transliterate,
	    .key = key,
	    .vars = vars,
	    .var_count = 3,
	    .kind = "notice",
	    .related_id = id,
	};
	return notice_queue(r->store, r->locales, r->cfg, &n, r->now) < 0 ? STORE_ERROR : 1;
}

int remind_move(const struct remind_ctx *r, int64_t id, int64_t starts_at, const char *place)
{
	int moved = store_appointment_move(r->store, id, starts_at, place);
	if (moved <= 0)
		return moved;
	if (store_reminders_cancel(r->store, id) < 0 || remind_plan(r, id) < 0)
		return STORE_ERROR;
	return tell(r, id, FLOW_KEY_MOVED);
}

int remind_cancel(const struct remind_ctx *r, int64_t id)
{
	int cancelled = store_appointment_cancel(r->store, id);
	if (cancelled <= 0)
		return cancelled;
	if (store_reminders_cancel(r->store, id) < 0)
		return STORE_ERROR;
	return tell(r, id, FLOW_KEY_CANCELLED);
}

int remind_next_due(struct store *s, int64_t *at)
{
	return store_reminder_next_due(s, at);
}
