/* due — see due.h. */
#include "due.h"

#include <ev.h>
#include <stdlib.h>

#include "alert.h"
#include "clock.h"
#include "daemon.h"
#include "fallback.h"
#include "log.h"
#include "outbox.h"
#include "remind.h"
#include "tip.h"
#include "watch.h"

#define RETRY_SECONDS 2.0  /* after the store refused: not in a loop */
#define MIN_SECONDS   1.0  /* between two looks: a deadline is met within it */
#define LOOK_SECONDS  10.0 /* the longest sleep: what chabarctl planned is seen */
#define DUE_BATCH     256  /* reminders, windows: at most so many a loop turn */

struct due {
	struct daemon *d;
	ev_timer timer;
	bool ready;           /* the first look after the start is done */
	int64_t data_version; /* of the database, as this look found it */
};

static struct alert_ctx alerts(const struct daemon *d)
{
	return (struct alert_ctx){d->store, d->locales, d->cfg, (int64_t)clock_now(d->loop)};
}

static struct remind_ctx reminders(const struct daemon *d)
{
	return (struct remind_ctx){
	    d->store, d->cfg, d->flows, d->locales, (int64_t)clock_now(d->loop), DUE_BATCH};
}

/* Everything due now, in one transaction (each logs what it did); of the
 * kinds that come in crowds (reminders, windows) at most DUE_BATCH each,
 * *more set if that left some: a crowd is taken in several loop turns, so
 * that messages are answered between them. */
static int run_due(void *ctx, void *arg)
{
	struct daemon *d = ctx;
	bool *more = arg;
	struct alert_ctx a = alerts(d);
	struct remind_ctx r = reminders(d);
	struct watch_ctx w = {d->store, d->cfg, d->locales, a.now, DUE_BATCH};
	struct tip_ctx t = {d->store, d->cfg, d->locales, a.now};
	int reminded = 0, watched = 0, tipped = 0;
	if (alert_due(&a) < 0 || fallback_due(d->store, a.now) < 0 ||
	    (reminded = remind_due(&r)) < 0 || (watched = watch_due(&w)) < 0 ||
	    (tipped = tip_due(&t, DUE_BATCH)) < 0)
		return STORE_ERROR;
	*more = reminded == DUE_BATCH || watched == DUE_BATCH || tipped == DUE_BATCH;
	return 0;
}

/* The soonest of the next deadlines: 1 with *at, 0 if none, STORE_ERROR. */
static int next_due(struct daemon *d, int64_t *at)
{
	struct alert_ctx a = alerts(d);
	struct tip_ctx t = {d->store, d->cfg, d->locales, a.now};
	int64_t each[5];
	int found[5] = {alert_next_due(&a, &each[0]), fallback_next_due(d->store, &each[1]),
			remind_next_due(d->store, &each[2]), watch_next_due(d->store, &each[3]),
			tip_next_due(&t, &each[4])};
	int any = 0;
	for (int i = 0; i < 5; i++) {
		if (found[i] < 0)
			return STORE_ERROR;
		if (found[i] && (!any || each[i] < *at))
			*at = each[i];
		any |= found[i];
	}
	return any;
}

static void arm(struct due *due, double after)
{
	ev_timer_stop(due->d->loop, &due->timer);
	ev_timer_set(&due->timer, after > 0 ? after : 0, 0.0);
	ev_timer_start(due->d->loop, &due->timer);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct due *due = w->data;
	struct daemon *d = due->d;
	/* another process (chabarctl) committed: what it queued goes too */
	int64_t version = store_data_version(d->store);
	if (version != due->data_version) {
		due->data_version = version;
		outbox_wake(d->outbox);
	}
	bool more = false;
	double began = ev_time();
	if (batch_own_transaction(&d->batch, "due_store", run_due, d, &more) < 0) {
		arm(due, RETRY_SECONDS);
		return;
	}
	if (more) { /* a crowd: the rest in the next loop turn */
		arm(due, 0);
		return;
	}
	int64_t next = 0;
	int found = next_due(d, &next);
	if (found < 0) {
		log_msg(LOG_LEVEL_ERROR, "due_store", "error=\"%s\"", store_errmsg(d->store));
		arm(due, RETRY_SECONDS);
		return;
	}
	double after = found ? (double)next - clock_now(loop) : LOOK_SECONDS;
	if (!due->ready) { /* after a start: all that fell due meanwhile is done */
		due->ready = true;
		log_msg(LOG_LEVEL_INFO, "due_ready", "look_ms=%.1f next_in_s=%.0f",
			(ev_time() - began) * 1000, found ? after : -1.0);
	}
	/* never a busy loop, never blind to another process for long */
	arm(due, after < MIN_SECONDS ? MIN_SECONDS : after > LOOK_SECONDS ? LOOK_SECONDS : after);
}

struct due *due_new(struct daemon *d)
{
	struct due *due = calloc(1, sizeof *due);
	if (!due)
		return NULL;
	due->d = d;
	ev_init(&due->timer, on_timer);
	due->timer.data = due;
	arm(due, 0);
	return due;
}

void due_free(struct due *due)
{
	if (!due)
		return;
	ev_timer_stop(due->d->loop, &due->timer);
	free(due);
}

void due_wake(struct due *due)
{
	if (due)
		arm(due, 0);
}
