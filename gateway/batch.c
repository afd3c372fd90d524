/* batch — see batch.h. */
#include "batch.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "due.h"
#include "outbox.h"

/* The most messages one commit may hold (batch_max's upper bound). */
#define BATCH_CAP 1024
/* The most that may wait for a batch: past it, a message is refused (503:
 * Kannel and bearerbox keep it and send it again). */
#define WAITING_MAX (4 * BATCH_CAP)
/* How long after a failure every message gets a savepoint of its own,
 * where that costs (db_savepoint): long enough for Kannel's retries of
 * the batch that failed (http-queue-delay, a few seconds) to come. */
#define CAREFUL_S 60.0
/* How long the daemon's own transaction waits for the batches in flight
 * (their commits, usually a few ms): past it, it is tried again later,
 * rather than the loop held while no standby answers. */
#define OWN_WAIT_S 0.1

static void begin_batch(struct batch_lane *l);
static void settle(struct batch_lane *l);

/* Whether waiting can bring more messages: an open connection has no
 * request under way. Kannel keeps its connections and sends on the idle
 * ones; when every connection waits for its answer (an aggregator's steps
 * come one at a time), nothing more can come until we answer. */
static bool more_may_come(const struct batch *b)
{
	return http_connections(b->d->http) > http_active_requests(b->d->http);
}

static bool wait_is_over(struct batch *b, ev_tstamp now)
{
	unsigned wait_ms = b->d->cfg->batch_wait_ms;
	return !wait_ms || !more_may_come(b) || now - b->first_at >= wait_ms / 1000.0;
}

/* A lane with no batch in flight, NULL if all are busy. */
static struct batch_lane *free_lane(struct batch *b)
{
	struct batch_lane *free = NULL;
	for (unsigned i = 0; i < b->lane_count; i++) {
		struct batch_lane *l = &b->lanes[i];
		if (l->flight_count && l->alone)
			return NULL;
		/* the one idle longest: every connection kept in use, none left
		 * for a firewall to forget */
		if (!l->flight_count && (!free || l->began < free->began))
			free = l;
	}
	return free;
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct batch *b = w->data;
	struct batch_lane *l;
	while (b->waiting_count && (l = free_lane(b)) && wait_is_over(b, ev_now(loop))) {
		size_t before = b->waiting_count;
		begin_batch(l);
		if (b->waiting_count == before) /* each waits for its sender's batch */
			return;
	}
	if (b->waiting_count && free_lane(b) && !ev_is_active(&b->wait)) {
		/* woken when the wait is over */
		double wait = b->d->cfg->batch_wait_ms / 1000.0;
		ev_timer_set(&b->wait, wait - (ev_now(loop) - b->first_at), 0.0);
		ev_timer_start(loop, &b->wait);
	}
}

static void on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
	/* nothing: the loop is awake, and on_prepare begins the batch */
}

/* The commit's answer has come, or the deadline: answered unless it is
 * still on its way (the deadline then looked again at soon). */
static void on_answer(struct ev_loop *loop, ev_io *w, int revents)
{
	struct batch_lane *l = w->data;
	if (store_commit_wait(l->store, false) != STORE_BUSY)
		settle(l);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct batch_lane *l = w->data;
	if (store_commit_wait(l->store, false) != STORE_BUSY) {
		settle(l);
		return;
	}
	ev_timer_set(w, 0.01, 0.0); /* the store's clock says not yet */
	ev_timer_start(loop, w);
}

/* A lane on store, the daemon's own (one writer at a time: SQLite) or a
 * connection of its own, made now (NULL): -1 if none could be. */
static int lane_init(struct batch *b, struct store *store)
{
	struct batch_lane *l = &b->lanes[b->lane_count];
	char err[512] = "out of memory";
	l->b = b;
	l->store = store ? store : store_connect(b->d->cfg, err, sizeof err);
	l->flight = l->store ? calloc(BATCH_CAP, sizeof *l->flight) : NULL;
	if (!l->flight) {
		log_msg(LOG_LEVEL_WARN, "batch_lane", "lane=%u error=\"%s\"", b->lane_count, err);
		if (!store)
			store_free(l->store);
		return -1;
	}
	b->lane_count++;
	ev_init(&l->answer, on_answer);
	l->answer.data = l;
	ev_init(&l->deadline, on_deadline);
	l->deadline.data = l;
	return 0;
}

int batch_init(struct batch *b, struct daemon *d)
{
	memset(b, 0, sizeof *b);
	b->d = d;
	/* One writer at a time (SQLite, which answers a commit when it is
	 * sent): one lane, on the daemon's store. Else [store] connections
	 * lanes, each on a connection of its own, so that the daemon's
	 * reads (/health, /metrics) never wait for a batch's commit (its
	 * own transactions do: batch_own_transaction). */
	if (!store_concurrent(d->store)) {
		lane_init(b, d->store);
	} else {
		unsigned lanes = d->cfg->store_connections < BATCH_LANES_MAX
				     ? d->cfg->store_connections
				     : BATCH_LANES_MAX;
		while (b->lane_count < lanes && lane_init(b, NULL) == 0)
			;
	}
	if (!b->lane_count)
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
	if (!b->lane_count)
		return;
	batch_flush(b);
	ev_prepare_stop(b->d->loop, &b->flush_before_sleep);
	ev_timer_stop(b->d->loop, &b->wait);
	for (unsigned i = 0; i < b->lane_count; i++) {
		free(b->lanes[i].flight);
		if (b->lanes[i].store != b->d->store)
			store_free(b->lanes[i].store);
	}
	b->lane_count = 0;
	free(b->waiting);
	b->waiting = NULL;
}

/* --- taking messages -------------------------------------------------------- */

/* A place at the end of the waiting list: NULL if too many wait. */
static struct batch_entry *waiting_slot(struct batch *b)
{
	if (b->waiting_count == b->waiting_cap) {
		size_t cap = b->waiting_cap ? 2 * b->waiting_cap : 64;
		struct batch_entry *more =
		    cap <= WAITING_MAX ? realloc(b->waiting, cap * sizeof *more) : NULL;
		if (!more)
			return NULL;
		b->waiting = more;
		b->waiting_cap = cap;
	}
	return &b->waiting[b->waiting_count];
}

/* Adds the entry made in waiting_slot() to the list: true. Or, if request
 * could not be copied, answers it now: false. */
static bool take(struct batch *b, struct batch_entry *e, batch_write_fn write, void *request,
		 void *waiter, batch_answer_fn answer, const void *wire, size_t wire_len)
{
	struct inbound_outcome none = {0};
	if (!e || !request) {
		log_msg(LOG_LEVEL_ERROR, "batch_refused", "waiting=%zu reason=%s", b->waiting_count,
			e ? "out_of_memory" : "too_many_waiting");
		free(request);
		answer(b->d, waiter, wire, STORE_ERROR, &none);
		return false;
	}
	*e = (struct batch_entry){
	    .write = write, .request = request, .waiter = waiter, .answer = answer};
	if (wire_len)
		memcpy(e->wire, wire, wire_len < sizeof e->wire ? wire_len : sizeof e->wire);
	buf_init(&e->out.text, CONVERSE_REPLY_MAX);
	if (b->waiting_count++ == 0)
		b->first_at = ev_now(b->d->loop);
	return true;
}

bool batch_write(struct batch *b, batch_write_fn write, const void *request, size_t request_size,
		 void *waiter, batch_answer_fn answer, const void *wire, size_t wire_len)
{
	void *copy = malloc(request_size);
	if (copy)
		memcpy(copy, request, request_size);
	return take(b, waiting_slot(b), write, copy, waiter, answer, wire, wire_len);
}

/* Copies n bytes of s and a NUL to *at, which moves past them: the copy. */
static const char *put(char **at, const char *s, size_t n)
{
	char *copy = *at;
	memcpy(copy, s, n);
	copy[n] = '\0';
	*at += n + 1;
	return copy;
}

/* put() of a string, NULL for NULL. */
static const char *put_string(char **at, const char *s)
{
	return s ? put(at, s, strlen(s)) : NULL;
}

static size_t size_of(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* in and every string it points to, in one block. */
static struct inbound *copy_inbound(const struct inbound *in)
{
	size_t size = sizeof *in + size_of(in->channel) + size_of(in->msisdn) + size_of(in->peer) +
		      size_of(in->network_id) + in->len + 1 + size_of(in->smsc) +
		      size_of(in->meta) + size_of(in->session_id) + size_of(in->service_code);
	struct inbound *copy = malloc(size);
	if (!copy)
		return NULL;
	*copy = *in;
	char *at = (char *)(copy + 1);
	copy->channel = put_string(&at, in->channel);
	copy->msisdn = put_string(&at, in->msisdn);
	copy->peer = put_string(&at, in->peer);
	copy->network_id = put_string(&at, in->network_id);
	copy->text = put(&at, in->text ? in->text : "", in->len);
	copy->smsc = put_string(&at, in->smsc);
	copy->meta = put_string(&at, in->meta);
	copy->session_id = put_string(&at, in->session_id);
	copy->service_code = put_string(&at, in->service_code);
	return copy;
}

bool batch_apply(struct batch *b, const struct inbound *in, void *waiter, batch_answer_fn answer,
		 const void *wire, size_t wire_len)
{
	struct inbound *copy = copy_inbound(in);
	struct batch_entry *e = waiting_slot(b);
	if (!take(b, e, NULL, copy, waiter, answer, wire, wire_len))
		return false;
	e->sender = copy->msisdn;
	return true;
}

/* --- a batch ---------------------------------------------------------------- */

/* The first of the n messages of list from e's sender, NULL if none. */
static const struct batch_entry *sender_in(const struct batch_entry *e,
					   const struct batch_entry *list, size_t n)
{
	for (size_t i = 0; e->sender && i < n; i++)
		if (list[i].sender && strcmp(list[i].sender, e->sender) == 0)
			return &list[i];
	return NULL;
}

/* Whether e's sender has a message in a batch in flight on another lane
 * than l. */
static bool sender_busy(const struct batch *b, const struct batch_lane *l,
			const struct batch_entry *e)
{
	for (unsigned i = 0; i < b->lane_count; i++)
		if (&b->lanes[i] != l && sender_in(e, b->lanes[i].flight, b->lanes[i].flight_count))
			return true;
	return false;
}

/* Moves the oldest messages waiting into l's batch, batch_max at most,
 * none whose sender is in flight on another lane; the others keep their
 * order. A sender's messages share a scope (db_scope): each reads what
 * the one before wrote. */
static void choose(struct batch_lane *l)
{
	struct batch *b = l->b;
	size_t max = b->d->cfg->batch_max < BATCH_CAP ? b->d->cfg->batch_max : BATCH_CAP;
	size_t left = 0;
	for (size_t i = 0; i < b->waiting_count; i++) {
		struct batch_entry *e = &b->waiting[i];
		if (l->flight_count == max || sender_busy(b, l, e)) {
			b->waiting[left++] = *e;
			continue;
		}
		const struct batch_entry *first = sender_in(e, l->flight, l->flight_count);
		e->scope = first ? first->scope : (unsigned)l->flight_count + 1;
		l->flight[l->flight_count++] = *e;
	}
	b->waiting_count = left;
	b->first_at = ev_now(b->d->loop); /* what is left waits from now */
	ev_timer_stop(b->d->loop, &b->wait);
}

/* After a failure: a savepoint for every message for a while. */
static void be_careful(struct batch *b)
{
	b->failing = true;
	b->careful_until = ev_now(b->d->loop) + CAREFUL_S;
}

/* One request in its own savepoint: rolled back alone if it fails. Where
 * that costs (db.h: db_savepoint), only for a while after a failure
 * (be_careful): otherwise a failure fails the whole batch. */
static int apply_one(struct batch *b, struct store *s, struct batch_entry *e)
{
	if (store_savepoint(s, ev_now(b->d->loop) < b->careful_until) < 0)
		return STORE_ERROR;
	int rc = e->write ? e->write(b->d, e->request, &e->out)
			  : inbound_apply(b->d, e->request, &e->out);
	if (rc == 0 && store_release(s) == 0)
		return 0;
	log_msg(LOG_LEVEL_ERROR, "store_write", "error=\"%s\"", store_errmsg(s));
	be_careful(b);
	if (store_in_transaction(s))
		store_rollback_to(s);
	return STORE_ERROR;
}

/* What a commit sets going: the sender for rows it queued, the timer of
 * what falls due for deadlines it changed. (What a rolled-back write
 * noted only costs a look that finds nothing.) */
static void after_commit(struct daemon *d, struct store *s)
{
	if (store_outbox_added(s))
		outbox_wake(d->outbox);
	if (store_deadlines_changed(s))
		due_wake(d->due);
}

/* Answers every message of l's batch: with its outcome if the batch was
 * committed, else 503. Answers only reply: none may begin a batch, which
 * would reuse flight[] while this walks it. */
static void answer_all(struct batch_lane *l, bool committed)
{
	size_t count = l->flight_count;
	l->flight_count = 0;
	for (size_t i = 0; i < count; i++) {
		struct batch_entry *e = &l->flight[i];
		e->answer(l->b->d, e->waiter, e->wire, committed ? e->rc : STORE_ERROR, &e->out);
		buf_cleanup(&e->out.text);
		free(e->request);
	}
}

/* l's batch is over: rc is its commit's outcome. */
static void finish(struct batch_lane *l, int rc)
{
	struct daemon *d = l->b->d;
	if (ev_is_active(&l->answer)) {
		ev_io_stop(d->loop, &l->answer);
		close(l->answer.fd);
	}
	ev_timer_stop(d->loop, &l->deadline);
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERROR, "store_commit", "error=\"%s\" messages=%zu",
			store_errmsg(l->store), l->flight_count);
		store_rollback(l->store);
		be_careful(l->b);
	} else {
		metrics_commit(&d->metrics, ev_time() - l->committed, l->flight_count);
		after_commit(d, l->store);
		l->b->failing = false;
	}
	answer_all(l, rc == 0);
}

/* l's batch could not be applied (why is logged): answered 503 now. A
 * savepoint each would not have saved a batch that could not begin. */
static void abandon(struct batch_lane *l, const char *event, bool careful)
{
	log_msg(LOG_LEVEL_ERROR, event, "error=\"%s\" messages=%zu", store_errmsg(l->store),
		l->flight_count);
	store_rollback(l->store);
	l->b->failing = true;
	if (careful)
		be_careful(l->b);
	answer_all(l, false);
}

/* Waits for the commit's answer without holding the loop: on a dup of
 * the store's socket (its own fd, which a reconnect cannot reuse under
 * the watcher), until the batch's deadline. */
static void await(struct batch_lane *l)
{
	struct daemon *d = l->b->d;
	int rc = store_commit_wait(l->store, false);
	int fd = rc == STORE_BUSY ? dup(store_socket(l->store)) : -1;
	if (rc != STORE_BUSY || fd < 0) {
		finish(l, rc == STORE_BUSY ? store_commit_wait(l->store, true) : rc);
		return;
	}
	ev_io_set(&l->answer, fd, EV_READ);
	ev_io_start(d->loop, &l->answer);
	double left = d->cfg->store_timeout_ms / 1000.0 - (ev_time() - l->began);
	ev_timer_set(&l->deadline, left > 0.001 ? left : 0.001, 0.0);
	ev_timer_start(d->loop, &l->deadline);
}

/* Whether e, the i-th of its batch, is an inbound message and its
 * sender's first there (choose: the first's scope is its place). */
static bool sender_first(const struct batch_entry *e, size_t i)
{
	return !e->write && e->scope == i + 1;
}

/* Loads what the batch's messages read, applies each: false (answered
 * 503) if the transaction did not last. */
static bool apply_all(struct batch_lane *l)
{
	struct batch *b = l->b;
	struct store *s = l->store;
	for (size_t i = 0; i < l->flight_count; i++) {
		struct batch_entry *e = &l->flight[i];
		if (!sender_first(e, i))
			continue;
		store_scope(s, e->scope);
		inbound_prefetch(b->d, e->request);
	}
	store_scope(s, 0);
	store_prefetched(s); /* PostgreSQL: the BEGIN's answers come with these */
	if (!store_in_transaction(s)) {
		abandon(l, "store_begin", false);
		return false;
	}
	for (size_t i = 0; i < l->flight_count; i++) {
		struct batch_entry *e = &l->flight[i];
		store_scope(s, e->write ? 0 : e->scope); /* a report is no sender's */
		if (!e->write && !sender_first(e, i)) {
			/* not its sender's first: what it reads, after what the
			 * ones before wrote, in a round trip of its own */
			inbound_prefetch(b->d, e->request);
			store_prefetched(s);
		}
		e->rc = apply_one(b, s, e);
		if (!store_in_transaction(s)) {
			/* the engine ended the transaction by itself (SQLite: a
			 * full disk; PostgreSQL: the connection dropped, or a
			 * write not confirmed failed): none of it is kept */
			store_scope(s, 0);
			abandon(l, "store_batch_lost", true);
			return false;
		}
	}
	store_scope(s, 0);
	return true;
}

/* Begins a batch of the messages waiting on l: loads what they read,
 * applies each, sends the commit. The daemon's store is l's meanwhile:
 * everything a message does goes into l's transaction. */
static void begin_batch(struct batch_lane *l)
{
	struct daemon *d = l->b->d;
	choose(l);
	if (!l->flight_count)
		return;
	l->began = ev_time();
	if (store_begin(l->store) < 0) {
		abandon(l, "store_begin", false);
		return;
	}
	struct store *own = d->store;
	d->store = l->store;
	bool applied = apply_all(l);
	d->store = own;
	l->alone = store_ledger_taken(l->store);
	if (!applied)
		return;
	l->committed = ev_time();
	if (store_commit_send(l->store) < 0) {
		abandon(l, "store_commit", true);
		return;
	}
	await(l);
}

/* Answers l's batch, waiting for its commit's answer if it has not come. */
static void settle(struct batch_lane *l)
{
	if (l->flight_count)
		finish(l, store_commit_wait(l->store, true));
}

void batch_flush(struct batch *b)
{
	for (unsigned i = 0; i < b->lane_count; i++)
		settle(&b->lanes[i]);
	while (b->waiting_count) {
		begin_batch(&b->lanes[0]);
		settle(&b->lanes[0]);
	}
}

/* Answers l's batch if its commit's answer comes within `within` seconds:
 * false if it has not. */
static bool settle_soon(struct batch_lane *l, double within)
{
	double until = ev_time() + within;
	while (l->flight_count) {
		int rc = store_commit_wait(l->store, false);
		if (rc != STORE_BUSY) {
			finish(l, rc);
			break;
		}
		double left = until - ev_time();
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = l->answer.fd, .events = POLLIN};
		poll(&p, 1, (int)(left * 1000) + 1);
	}
	return true;
}

int batch_own_transaction(struct batch *b, const char *what, int (*fn)(void *ctx, void *arg),
			  void *ctx, void *arg)
{
	struct store *s = b->d->store;
	/* what fn reads, a batch in flight may be changing: answered first */
	for (unsigned i = 0; i < b->lane_count; i++) {
		if (!settle_soon(&b->lanes[i], OWN_WAIT_S)) {
			log_msg(LOG_LEVEL_WARN, what,
				"error=\"a batch's commit is not answered yet\" "
				"retry=later");
			return STORE_ERROR;
		}
	}
	int rc = store_begin(s) == 0 ? fn(ctx, arg) : STORE_ERROR;
	if (rc == 0 && !store_wrote(s)) { /* a look that found nothing: no standby to wait for */
		store_rollback(s);
		return 0;
	}
	if (rc == 0 && store_commit(s) == 0) {
		after_commit(b->d, s);
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

void batch_counts(const struct batch *b, size_t *waiting, size_t *in_flight)
{
	*waiting = b->waiting_count;
	*in_flight = 0;
	for (unsigned i = 0; i < b->lane_count; i++)
		*in_flight += b->lanes[i].flight_count;
}

bool batch_degraded(struct batch *b)
{
	size_t waiting, in_flight;
	batch_counts(b, &waiting, &in_flight);
	if (b->failing && !waiting && !in_flight && store_probe_write(b->d->store) == 0)
		b->failing = false;
	return b->failing;
}
