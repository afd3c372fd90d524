/*
 * watch — monitoring by plan (plan.h). A person with a tier has one
 * check-in window at a time. When it opens, and at the tier's reminder
 * times while the person has not checked in, they get a reminder by SMS;
 * a check-in inside it meets it (one outside every window is still
 * recorded, and marked as such); when it closes unmet, an incident: an
 * alert to the person's officer with a reference (name, window, last
 * check-in), which the officer answers by SMS "OK <ref>". An incident no
 * one acknowledges within the tier's time goes to the district's
 * supervisors. PIN lockouts raise incidents too. The next window is
 * planned when one ends; a change of tier re-plans at once.
 *
 * The windows and incidents live in the tables; due.c calls watch_due()
 * at watch_next_due(). Runs inside the caller's transaction.
 */
#ifndef CHABAR_WATCH_H
#define CHABAR_WATCH_H

#include <stdint.h>

#include "cfg.h"
#include "ledger.h"
#include "locale.h"
#include "store.h"

#define WATCH_ACKNOWLEDGE_DEFAULT 7200 /* seconds, for a person without a tier */

struct watch_ctx {
	struct store *store;
	const struct cfg *cfg;
	const struct locales *locales; /* NULL: plans only (chabarctl) */
	int64_t now;
	unsigned max; /* watch_due: at most this many windows at a time (0: all) */
};

/* Plans person_id's next window of tier (in zone timezone) from now, the
 * pending ones cancelled: 1 if one was planned, 0 if the tier has none
 * (or is not configured), STORE_ERROR. */
int watch_plan(const struct watch_ctx *w, int64_t person_id, const char *tier,
	       const char *timezone);

/* Check-in checkin_id of person p: in the window open now (met, the next
 * planned), or outside every window of p's plan. 0 or STORE_ERROR. */
int watch_checkin(const struct watch_ctx *w, const struct store_person *p, int64_t checkin_id);

/* Raises an incident of kind for person p (window_id 0: none): its ref in
 * ref. The caller sends the alert, with {ref}. 0 or STORE_ERROR. */
int watch_incident(const struct watch_ctx *w, const struct store_person *p, const char *kind,
		   int64_t window_id, char ref[LEDGER_RECEIPT_SIZE]);

/* Windows that open, remind or close (at most w->max), and incidents no
 * one acknowledged, by now: the number of windows looked at, or
 * STORE_ERROR. */
int watch_due(const struct watch_ctx *w);

/* When watch_due() next has something to do: 1 with *at, 0 if never. */
int watch_next_due(struct store *s, int64_t *at);

#endif
