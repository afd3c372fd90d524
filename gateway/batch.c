/* batch — see batch.h. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "due.h"
#include "outbox.h"

/* The most messages one commit may hold (batch_max's upper bound). */
#define BATCH_CAP 1024

/* Whether waiting can bring more messages: an open connection has no
 * request under way. Kannel keeps its connections and sends on the idle
 * ones; when every connection waits for its answer (an aggregator's steps
 * come one at a time), nothing more can come until we answer. */
static bool more_may_come(const struct batch *b)
{
	return http_connections(b->d->http) > http_active_requests(b->d->http);
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct batch *b = w->data;
	unsigned wait_ms = b->d->cfg->batch_wait_ms;
	if (b->count &&
	    (!wait_ms || !more_may_come(b) || ev_now(loop) - b->first_at >= wait_ms / 1000.0))
		batch_flush(b);
}

static void on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
	batch_flush(w->data);
}

int batch_init(struct batch *b, struct daemon *d)
{
	memset(b, 0, sizeof *b);
	b->d = d;
	b->cap = BATCH_CAP;
	b->entries = calloc(b->cap, sizeof *b->entries);
	if (!b->entries)
		return -1;
	ev_prepare_init(&b->flush_before_sleep, on_prepare);
	b->flush_before_sleep.data = b;
	/* before the HTTP server's own prepare: the answers are then sent in
	 * this turn, not the next */
	ev_set_priority(&b->flush_before_sleep, EV_MAXPRI);
	ev_prepare_start(d->loop, &b->flush_before_sleep);
	ev_init(&b->wait, on_wait);
	b->wait.data = b;
	return 0;
}

void batch_cleanup(struct batch *b)
{
	if (!b->entries)
		return;
	batch_flush(b);
	ev_prepare_stop(b->d->loop, &b->flush_before_sleep);
	ev_timer_stop(b->d->loop, &b->wait);
	free(b->entries);
	b->entries = NULL;
}

/* The first message of a batch opens its transaction. */
static int open_batch(struct batch *b)
{
	if (store_begin(b->d->store) < 0)
		return STORE_ERROR;
	b->first_at = ev_now(b->d->loop);
	unsigned wait_ms = b->d->cfg->batch_wait_ms;
	if (wait_ms) {
		ev_timer_set(&b->wait, wait_ms / 1000.0, 0.0);
		ev_timer_start(b->d->loop, &b->wait);
	}
	return 0;
}

/* One request in its own savepoint: rolled back alone if it fails. */
static int apply_one(struct batch *b, batch_write_fn write, const void *request,
		     struct inbound_outcome *out)
{
	struct store *s = b->d->store;
	if (store_savepoint(s) < 0)
		return STORE_ERROR;
	if (write(b->d, request, out) == 0 && store_release(s) == 0)
		return 0;
	log_msg(LOG_LEVEL_ERROR, "store_write", "error=\"%s\"", store_errmsg(s));
	b->failing = true;
	store_rollback_to(s);
	return STORE_ERROR;
}

/* Answers every message of the batch: with its outcome if the batch was
 * committed, else 503. Answers only reply: none may apply a message, which
 * would reuse entries[] while this walks it. */
static void answer_all(struct batch *b, bool committed)
{
	size_t count = b->count;
	b->count = 0;
	for (size_t i = 0; i < count; i++) {
		struct batch_entry *e = &b->entries[i];
		e->answer(b->d, e->waiter, e->wire, committed ? e->rc : STORE_ERROR, &e->out);
		buf_cleanup(&e->out.text);
	}
}

static int write_inbound(struct daemon *d, const void *in, struct inbound_outcome *out)
{
	return inbound_apply(d, in, out);
}

bool batch_apply(struct batch *b, const struct inbound *in, void *waiter, batch_answer_fn answer,
		 const void *wire, size_t wire_len)
{
	return batch_write(b, write_inbound, in, waiter, answer, wire, wire_len);
}

bool batch_write(struct batch *b, batch_write_fn write, const void *request, void *waiter,
		 batch_answer_fn answer, const void *wire, size_t wire_len)
{
	struct batch_entry *e = &b->entries[b->count];
	*e = (struct batch_entry){.waiter = waiter, .answer = answer};
	if (wire_len)
		memcpy(e->wire, wire, wire_len < sizeof e->wire ? wire_len : sizeof e->wire);
	buf_init(&e->out.text, CONVERSE_REPLY_MAX);
	e->rc = b->count == 0 ? open_batch(b) : 0;
	if (e->rc < 0) { /* no transaction: answered at once, like a failed commit */
		b->failing = true;
		log_msg(LOG_LEVEL_ERROR, "store_begin", "error=\"%s\"", store_errmsg(b->d->store));
		b->count++;
		answer_all(b, false);
		return false;
	}
	e->rc = apply_one(b, write, request, &e->out);
	b->count++;
	if (!store_in_transaction(b->d->store)) {
		/* the engine ended the transaction by itself (SQLite: a full
		 * disk; PostgreSQL: the connection dropped): none of it is kept */
		log_msg(LOG_LEVEL_ERROR, "store_batch_lost", "messages=%zu", b->count);
		store_rollback(b->d->store); /* over: what comes next is not in it */
		b->failing = true;
		ev_timer_stop(b->d->loop, &b->wait);
		answer_all(b, false);
		return false;
	}
	if (b->count < b->d->cfg->batch_max && b->count < b->cap)
		return true;
	batch_flush(b); /* answered now: no need to wait */
	return false;
}

/* What a commit sets going: the sender for rows it queued, the timer of
 * what falls due for deadlines it changed. (What a rolled-back write
 * noted only costs a look that finds nothing.) */
static void after_commit(struct daemon *d)
{
	if (store_outbox_added(d->store))
		outbox_wake(d->outbox);
	if (store_deadlines_changed(d->store))
		due_wake(d->due);
}

void batch_flush(struct batch *b)
{
	if (!b->count)
		return;
	struct daemon *d = b->d;
	ev_timer_stop(d->loop, &b->wait);
	ev_tstamp began = ev_time();
	int committed = store_commit(d->store);
	if (committed < 0) {
		log_msg(LOG_LEVEL_ERROR, "store_commit", "error=\"%s\" messages=%zu",
			store_errmsg(d->store), b->count);
		store_rollback(d->store);
	} else {
		metrics_commit(&d->metrics, ev_time() - began, b->count);
	}
	b->failing = committed < 0;
	if (committed == 0)
		after_commit(d);
	answer_all(b, committed == 0);
}

int batch_own_transaction(struct batch *b, const char *what, int (*fn)(void *ctx, void *arg),
			  void *ctx, void *arg)
{
	struct store *s = b->d->store;
	batch_flush(b);
	if (store_begin(s) == 0 && fn(ctx, arg) == 0 && store_commit(s) == 0) {
		after_commit(b->d);
		return 0;
	}
	log_msg(LOG_LEVEL_ERROR, what, "error=\"%s\"", store_errmsg(s));
	store_rollback(s);
	return STORE_ERROR;
}

bool batch_failed(const struct batch *b)
{
	return b->failing;
}

bool batch_degraded(struct batch *b)
{
	if (b->failing && b->count == 0 && store_probe_write(b->d->store) == 0)
		b->failing = false;
	return b->failing;
}
