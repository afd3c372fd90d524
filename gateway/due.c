/* due — see due.h. */
#include "due.h"

#include <ev.h>
#include <stdlib.h>

#include "alert.h"
#include "clock.h"
#include "daemon.h"
#include "fallback.h"
#include "log.h"

#define RETRY_SECONDS 2.0 /* after the store refused: not in a loop */
#define MIN_SECONDS   1.0 /* between two looks: a deadline is met within it */

struct due {
	struct daemon *d;
	ev_timer timer;
};

static struct alert_ctx alerts(const struct daemon *d)
{
	return (struct alert_ctx){d->store, d->locales, d->cfg, (int64_t)clock_now(d->loop)};
}

/* Everything due now, in one transaction (each logs what it did). */
static int run_due(void *ctx, void *arg)
{
	struct daemon *d = ctx;
	struct alert_ctx a = alerts(d);
	return alert_due(&a) < 0 || fallback_due(d->store, a.now) < 0 ? STORE_ERROR : 0;
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
	if (batch_own_transaction(&d->batch, "due_store", run_due, d, NULL) < 0) {
		arm(due, RETRY_SECONDS);
		return;
	}
	struct alert_ctx a = alerts(d);
	int64_t alert_at, owed_at;
	int alert = alert_next_due(&a, &alert_at), owed = fallback_next_due(d->store, &owed_at);
	if (alert < 0 || owed < 0) {
		log_msg(LOG_LEVEL_ERROR, "due_store", "error=\"%s\"", store_errmsg(d->store));
		arm(due, RETRY_SECONDS);
		return;
	}
	if (!alert && !owed)
		return; /* nothing waits: a commit that makes a deadline wakes us */
	int64_t next = !owed || (alert && alert_at < owed_at) ? alert_at : owed_at;
	double after = (double)next - clock_now(loop);
	arm(due, after < MIN_SECONDS ? MIN_SECONDS : after); /* never a busy loop */
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
