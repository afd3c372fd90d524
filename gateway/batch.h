/*
 * batch — group commit, in two phases, batches in flight while the next
 * collects. The messages that come while the store is busy wait (each a
 * copy: its request's buffers are gone by the commit); when the loop is
 * about to sleep, or the batch's wait is over, and a lane (a connection
 * to the store) is free, a batch of them begins, one transaction:
 *
 *   1. load: what each message reads first (its sender's rows) is
 *      fetched for all of them at once, one round trip where the store
 *      is across a network (inbound_prefetch, store_prefetched);
 *   2. apply: each message is applied (inbound.c) in a savepoint of its
 *      own, so one that fails is rolled back alone (PostgreSQL, where a
 *      savepoint costs a subtransaction and a round trip, makes none
 *      until a failure: then one failure fails the whole batch once), its
 *      writes sent without waiting for their answers;
 *   3. commit: sent, and answered when the store answers (the loop goes
 *      on meanwhile, collecting the next batch, or beginning it on
 *      another lane), or 503 for every message of the batch if it fails
 *      or the batch's deadline passes ([store] timeout_ms): none of them
 *      is kept, and Kannel retries.
 *
 * SQLite answers a commit when it is sent: one lane. PostgreSQL has
 * [store] connections lanes: a commit waits for a standby's flush, and
 * the next batch need not wait with it (PostgreSQL flushes commits that
 * come together at once).
 *
 * A sender's messages in one batch are applied in order, each reading
 * what the one before wrote (they share a scope: db_scope); while one is
 * in flight on a lane, the sender's next ones wait for it to be answered,
 * so that no message reads what another transaction not yet committed is
 * about to change. A batch that added to the ledger (a check-in, chained
 * to the one before it: ledger.c) is alone in flight: the next waits for
 * it, rather than for its lock. One fsync (or one standby's flush)
 * then covers many messages, which is what makes synchronous = full
 * (SQLite) and synchronous replication (PostgreSQL) affordable at
 * Kannel's speed. After a batch fails, the next ones confirm each
 * message's writes before the next message (store_release), so that
 * one that fails again fails alone.
 *
 * A batch begins before the loop next sleeps (an ev_prepare of the
 * highest priority) when a lane is free; with batch_wait_ms, it waits
 * that long for more while an open connection could still bring one
 * (no request under way on it); it holds batch_max messages at most.
 *
 * Lifecycle: batch_init() → batch_apply()/batch_write() per message
 * (batch_flush() before a reload or a stop) → batch_cleanup(), which
 * flushes what is left. Loop thread only.
 */
#ifndef CHABAR_BATCH_H
#define CHABAR_BATCH_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "inbound.h"

struct daemon;

/* Bytes an adapter may keep with a message, to answer it on its wire after
 * the commit (the request's own buffers are gone by then). */
#define BATCH_WIRE_MAX 32

/* Answers one message once its fate is known: rc 0 with out (committed),
 * or STORE_ERROR (nothing of it kept: answer so that the sender retries).
 * waiter is what the adapter gave batch_write: its exchange, or its own
 * record of the message (box.h). */
typedef void (*batch_answer_fn)(struct daemon *d, void *waiter, const void *wire, int rc,
				const struct inbound_outcome *out);

/* What a request writes, inside a batch (in a savepoint of its own where
 * that is made): 0 with out filled, or STORE_ERROR. */
typedef int (*batch_write_fn)(struct daemon *d, const void *request, struct inbound_outcome *out);

struct batch_entry {
	batch_write_fn write; /* NULL: an inbound message (inbound_apply) */
	void *request;        /* its copy, the batch's */
	const char *sender;   /* an inbound message's number (in request), else NULL */
	unsigned scope;       /* in a batch: its sender's (db_scope) */
	void *waiter;
	batch_answer_fn answer;
	unsigned char wire[BATCH_WIRE_MAX];
	int rc;
	struct inbound_outcome out;
};

/* The most batches in flight at once ([store] connections). */
#define BATCH_LANES_MAX 8

/* A connection to the store and the batch in flight on it. */
struct batch_lane {
	struct batch *b;
	struct store *store;        /* the daemon's own (SQLite), or a connection of its own */
	struct batch_entry *flight; /* the batch begun, until its answers */
	size_t flight_count;
	bool alone;          /* it took the ledger's lock: no other begins meanwhile */
	ev_io answer;        /* its commit's answer, on a dup of the store's socket */
	ev_timer deadline;   /* its deadline */
	ev_tstamp began;     /* when it began */
	ev_tstamp committed; /* when its commit was sent */
};

struct batch {
	struct daemon *d;
	ev_prepare flush_before_sleep;
	ev_timer wait;               /* wakes the loop when the wait is over */
	struct batch_entry *waiting; /* come, in no batch yet, oldest first */
	size_t waiting_count, waiting_cap;
	ev_tstamp first_at; /* since when the messages waiting wait */
	struct batch_lane lanes[BATCH_LANES_MAX];
	unsigned lane_count;
	bool failing;            /* the store refused the last write */
	ev_tstamp careful_until; /* a savepoint for every message until then */
};

int batch_init(struct batch *b, struct daemon *d);
void batch_cleanup(struct batch *b);

/* Takes request (request_size bytes, copied: what it points to must
 * outlive the batch, or not be read by write) to be written by write in
 * a batch; answer(waiter) is called with wire (wire_len bytes, copied)
 * once its fate is known. True if that is after this returns (an HTTP
 * adapter then suspends its exchange); false if it was answered already:
 * refused, as too many messages wait. */
bool batch_write(struct batch *b, batch_write_fn write, const void *request, size_t request_size,
		 void *waiter, batch_answer_fn answer, const void *wire, size_t wire_len);

/* batch_write() of an inbound message (inbound_apply), copied whole. */
bool batch_apply(struct batch *b, const struct inbound *in, void *waiter, batch_answer_fn answer,
		 const void *wire, size_t wire_len);

/* Commits every message waiting, and the batch in flight, and answers
 * them: before this returns. */
void batch_flush(struct batch *b);

/* Writes of the daemon's own, outside any request (the outbox, what falls
 * due): the batches in flight are answered first (what fn reads, they may
 * be changing: a session a reminder would open), then fn(ctx, arg) runs
 * in a transaction of its own, committed before this returns. 0, or
 * STORE_ERROR (rolled back, or not begun: a batch's commit still not
 * answered after 100 ms; logged as event what): try again later. */
int batch_own_transaction(struct batch *b, const char *what, int (*fn)(void *ctx, void *arg),
			  void *ctx, void *arg);

/* True while the store refuses writes (a full disk, an I/O error): the
 * last write failed, and a small write of its own, tried when no batch is
 * open, fails too. A commit that succeeds ends it. */
bool batch_degraded(struct batch *b);

/* True if the last batch failed as a whole (its transaction could not
 * begin or commit): what batch_degraded() would probe, without a write. */
bool batch_failed(const struct batch *b);

/* How many messages wait for a batch, and how many are in batches in
 * flight. */
void batch_counts(const struct batch *b, size_t *waiting, size_t *in_flight);

#endif
