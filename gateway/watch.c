/* watch — see watch.h. */
#include "watch.h"

#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "alert.h"
#include "form.h"
#include "log.h"
#include "notice.h"
#define REF_DRAWS 4 /* a ref already taken is drawn again (never in practice) */

/* When the timer must next look at a window: its next reminder while
 * any is left, else its close. */
static int64_t next_look(const struct plan_tier *tier, int64_t opens, int64_t closes, int sent)
{
	if (tier && (size_t)sent < tier->reminder_count) {
		int64_t r = opens + tier->reminders[sent];
		if (r < closes)
			return r;
	}
	return closes;
}

/* The tier's first window from t on that is neither met nor missed,
 * planned (a window of the day may be over already, for this person). */
static int plan_from(const struct watch_ctx *w, int64_t person_id, const struct plan_tier *tier,
		     const char *timezone, int64_t t)
{
	const struct tz *zone = tz_or_utc(timezone);
	int64_t opens, closes;
	for (int tries = 0; tier && zone && tries < PLAN_WINDOWS_MAX + 2; tries++) {
		if (!plan_next_window(tier, zone, t, &opens, &closes))
			return 0;
		int64_t first = next_look(tier, opens, closes, 0);
		int rc = store_window_add(w->store, person_id, opens, closes,
					  first > opens ? first : opens);
		if (rc != 0)
			return rc < 0 ? STORE_ERROR : 1;
		t = closes; /* that one is over for the person: the next */
	}
	return 0;
}

int watch_plan(const struct watch_ctx *w, int64_t person_id, const char *tier, const char *timezone)
{
	if (store_windows_cancel(w->store, person_id) < 0)
		return STORE_ERROR;
	return plan_from(w, person_id, plan_tier(&w->cfg->tiers, tier), timezone, w->now);
}

int watch_checkin(const struct watch_ctx *w, const struct store_person *p, int64_t checkin_id)
{
	const struct plan_tier *tier = plan_tier(&w->cfg->tiers, p->tier);
	int64_t window = 0;
	bool met = false;
	int found = store_window_current(w->store, p->id, w->now, &window, &met);
	if (found < 0)
		return STORE_ERROR;
	if (!found)
		return tier ? store_checkin_window(w->store, checkin_id, 0, true) : 0;
	if (store_checkin_window(w->store, checkin_id, window, false) < 0)
		return STORE_ERROR;
	if (met) /* a second check-in in a window met already */
		return 0;
	/* met: the next window, after this one */
	return store_window_update(w->store, window, "met", 0, w->now) < 0 ||
		       plan_from(w, p->id, tier, p->timezone, w->now) < 0
		   ? STORE_ERROR
		   : 0;
}

int watch_incident(const struct watch_ctx *w, const struct store_person *p, const char *kind,
		   int64_t window_id, char ref[LEDGER_RECEIPT_SIZE])
{
	const struct plan_tier *tier = plan_tier(&w->cfg->tiers, p->tier);
	int64_t due = w->now + (tier ? tier->acknowledge : WATCH_ACKNOWLEDGE_DEFAULT);
	int rc = STORE_DUPLICATE;
	for (int draw = 0; draw < REF_DRAWS && rc == STORE_DUPLICATE; draw++) {
		ledger_receipt(ref);
		rc = store_incident_add(w->store, ref, p->id, kind, window_id, w->now, due);
	}
	log_msg(LOG_LEVEL_WARN, "incident", "kind=%s person=%lld ref=%s", kind, (long long)p->id,
		ref);
	return rc < 0 ? STORE_ERROR : 0;
}

/* "DD.MM.YYYY HH:MM-HH:MM" of a window, local. */
static void window_text(const char *timezone, int64_t opens, int64_t closes, char out[32])
{
	char from[6], to[6], date[11], ignored[11];
	actions_local_time(timezone, opens, from, date);
	actions_local_time(timezone, closes, to, ignored);
	snprintf(out, 32, "%s %s-%s", date, from, to);
}

/* The window closed unmet: an incident, and its alert to the officer. */
static int missed(const struct watch_ctx *w, const struct store_window *win)
{
	struct store_person p;
	int found = store_person_find(w->store, win->msisdn, &p);
	if (found <= 0)
		return found;
	char ref[LEDGER_RECEIPT_SIZE], window[32], last[32] = "-", hhmm[6], date[11];
	int64_t at;
	if (watch_incident(w, &p, "missed_checkin", win->id, ref) < 0)
		return STORE_ERROR;
	window_text(p.timezone, win->opens_at, win->closes_at, window);
	int had = store_last_checkin(w->store, p.id, win->closes_at, &at);
	if (had < 0)
		return STORE_ERROR;
	if (had) {
		actions_local_time(p.timezone, at, hhmm, date);
		snprintf(last, sizeof last, "%s %s", date, hhmm);
	}
	if (!p.officer_id) {
		log_msg(LOG_LEVEL_ERROR, "alert_no_officer", "person=%lld ref=%s", (long long)p.id,
			ref);
		return 0;
	}
	char vars[STORE_TEXT_VARS_MAX] = "";
	form_append(vars, sizeof vars, "ref", ref, strlen(ref));
	form_append(vars, sizeof vars, "window", window, strlen(window));
	form_append(vars, sizeof vars, "last_checkin", last, strlen(last));
	struct alert_ctx a = {w->store, w->locales, w->cfg, w->now};
	struct store_officer officer = {.id = p.officer_id};
	snprintf(officer.msisdn, sizeof officer.msisdn, "%s", p.officer_msisdn);
	snprintf(officer.language, sizeof officer.language, "%s", p.officer_language);
	return alert_queue(&a, &officer, FLOW_KEY_MISSED, p.id, p.name, vars, 0) < 0 ? STORE_ERROR
										     : 0;
}

/* One window the timer looks at: opened and reminded, or closed. */
static int look(const struct watch_ctx *w, const struct store_window *win)
{
	const struct plan_tier *tier = plan_tier(&w->cfg->tiers, win->tier);
	if (!tier || strcmp(win->person_status, "active") != 0)
		return store_window_update(w->store, win->id, "cancelled", win->reminders_sent,
					   win->closes_at);
	if (win->closes_at <= w->now) {
		if (store_window_update(w->store, win->id, "missed", win->reminders_sent,
					win->closes_at) < 0 ||
		    missed(w, win) < 0)
			return STORE_ERROR;
		return plan_from(w, win->person_id, tier, win->timezone, win->closes_at) < 0
			   ? STORE_ERROR
			   : 0;
	}
	int sent = win->reminders_sent;
	if ((size_t)sent < tier->reminder_count &&
	    win->opens_at + tier->reminders[sent] <= w->now) {
		char hhmm[6], date[11];
		actions_local_time(win->timezone, win->closes_at, hhmm, date);
		struct locale_var vars[] = {{"time", hhmm}};
		struct notice open = {
		    .msisdn = win->msisdn,
		    .lang = win->language,
		    .latin = win->transliterate,
		    .key = FLOW_KEY_WINDOW_OPEN,
		    .vars = vars,
		    .var_count = 1,
		    .kind = "reminder",
		    .related_id = win->id,
		};
		if (notice_queue(w->store, w->locales, w->cfg, &open, w->now) < 0)
			return STORE_ERROR;
		sent++;
	}
	return store_window_update(w->store, win->id, "open", sent,
				   next_look(tier, win->opens_at, win->closes_at, sent));
}

/* No one said OK in time: the district's supervisors are told. */
static int escalate(const struct watch_ctx *w, const struct store_incident *inc)
{
	struct alert_ctx a = {w->store, w->locales, w->cfg, w->now};
	struct store_officer sup = {0};
	char vars[STORE_TEXT_VARS_MAX] = "";
	form_append(vars, sizeof vars, "ref", inc->ref, strlen(inc->ref));
	int rc, told = 0;
	while ((rc = store_supervisor_next(w->store, inc->person_id, sup.id, &sup)) == 1) {
		if (alert_queue(&a, &sup, FLOW_KEY_ESCALATED, inc->person_id, inc->name, vars, 0) <
		    0)
			return STORE_ERROR;
		told++;
	}
	if (rc < 0)
		return STORE_ERROR;
	if (!told) /* someone must hear of it: the operator, then */
		log_msg(LOG_LEVEL_ERROR, "incident_unheard",
			"ref=%s person=%lld reason=no_supervisor", inc->ref,
			(long long)inc->person_id);
	else
		log_msg(LOG_LEVEL_WARN, "incident_escalated", "ref=%s supervisors=%d", inc->ref,
			told);
	return store_incident_escalate(w->store, inc->id, w->now);
}

int watch_due(const struct watch_ctx *w)
{
	struct store_window win;
	struct store_incident inc;
	int rc = 0, done = 0;
	while ((!w->max || (unsigned)done < w->max) &&
	       (rc = store_window_due(w->store, w->now, &win)) == 1) {
		done++;
		if (look(w, &win) < 0)
			return STORE_ERROR;
	}
	if (rc < 0)
		return STORE_ERROR;
	while ((rc = store_incident_due(w->store, w->now, &inc)) == 1)
		if (escalate(w, &inc) < 0)
			return STORE_ERROR;
	return rc < 0 ? STORE_ERROR : done;
}

int watch_next_due(struct store *s, int64_t *at)
{
	int64_t windows, incidents;
	int a = store_windows_next_due(s, &windows), b = store_incidents_next_due(s, &incidents);
	if (a < 0 || b < 0)
		return STORE_ERROR;
	*at = a && (!b || windows < incidents) ? windows : incidents;
	return a || b;
}
