/*
 * remind — appointment reminders. When an appointment is added, a
 * reminder is planned for each [reminders] before offset (3 days, 1 day
 * and 2 hours by default) still ahead, moved out of the district's quiet
 * hours (remind_outside_quiet). due.c sends what is due: the text in the
 * person's language (Latin letters if they asked), queued in the outbox
 * (which honours STOP), and the flow that answers reminders ("trigger
 * reminder") opened for the person's SMS replies (1 confirm, 2 ask to
 * move it, 3 cannot come) unless a conversation is in progress. A
 * reminder of an appointment cancelled, passed, or of a person no longer
 * active is cancelled instead.
 *
 * Runs inside the caller's transaction. Loop thread only.
 */
#ifndef CHABAR_REMIND_H
#define CHABAR_REMIND_H

#include <stdint.h>

#include "cfg.h"
#include "flow.h"
#include "locale.h"
#include "store.h"
#include "tz.h"

struct remind_ctx {
	struct store *store;
	const struct cfg *cfg;
	const struct flow_set *flows; /* NULL: no flow opens (chabarctl plans only) */
	const struct locales *locales;
	int64_t now;
	unsigned max; /* remind_due: at most this many at a time (0: all) */
};

/* Plans the reminders of appointment id: the number planned (one already
 * planned is not planned again), or STORE_ERROR. */
int remind_plan(const struct remind_ctx *r, int64_t id);

/* Sends the reminders due by now, at most r->max: the number looked at
 * (sent or cancelled), or STORE_ERROR. */
int remind_due(const struct remind_ctx *r);

/* Appointment id moved to starts_at (place NULL: unchanged): its pending
 * reminders planned again for the new time, and the person told
 * (appointment.moved). 1, 0 if it is no longer scheduled, STORE_ERROR. */
int remind_move(const struct remind_ctx *r, int64_t id, int64_t starts_at, const char *place);

/* Appointment id cancelled: its pending reminders too, and the person told
 * (appointment.cancelled). 1, 0 if it was not scheduled, STORE_ERROR. */
int remind_cancel(const struct remind_ctx *r, int64_t id);

/* When remind_due() next has something to do: 1 with *at, 0 if never. */
int remind_next_due(struct store *s, int64_t *at);

/* When a message meant for t may reach a phone in zone, whose quiet hours
 * run from quiet_from to quiet_to (minutes after local midnight; from >
 * to spans midnight; equal: none): t itself outside them; else their end,
 * if that comes before deadline; else just before they began, if that is
 * after now; else t (late is better than missed). Pure. */
int64_t remind_outside_quiet(const struct tz *zone, int quiet_from, int quiet_to, int64_t t,
			     int64_t now, int64_t deadline);

#endif
