/*
 * batch — group commit. The messages that arrive in one turn of the loop
 * share one transaction: each is applied (inbound.c) in a savepoint of its
 * own, so one that fails is rolled back alone, and every answer waits for
 * the commit. One fsync then covers many messages, which is what makes
 * synchronous = full (a commit survives power loss) affordable at Kannel's
 * speed. A commit that fails answers every message of its batch 503 and
 * keeps none of them.
 *
 * The batch is committed before the loop next sleeps (an ev_prepare of
 * the highest priority), or at once when it holds batch_max messages; with
 * batch_wait_ms, it waits that long for more while an open connection
 * could still bring one (no request under way on it).
 *
 * Lifecycle: batch_init() → batch_apply() per message (batch_flush()
 * before a reload or a stop) → batch_cleanup(), which flushes what is left.
 * Loop thread only.
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

struct batch_entry {
	void *waiter;
	batch_answer_fn answer;
	unsigned char wire[BATCH_WIRE_MAX];
	int rc;
	struct inbound_outcome out;
};

struct batch {
	struct daemon *d;
	ev_prepare flush_before_sleep;
	ev_timer wait; /* batch_wait_ms after the first message */
	struct batch_entry *entries;
	size_t count, cap;
	ev_tstamp first_at; /* when the open batch got its first message */
	bool failing;       /* the store refused the last write */
};

int batch_init(struct batch *b, struct daemon *d);
void batch_cleanup(struct batch *b);

/* What a request writes, inside the open batch (in a savepoint of its
 * own): 0 with out filled, or STORE_ERROR. */
typedef int (*batch_write_fn)(struct daemon *d, const void *request, struct inbound_outcome *out);

/* Writes request with write inside the open batch; answer(waiter) is
 * called with wire (wire_len bytes, copied) once its fate is known. True
 * if that is later, at the commit (an HTTP adapter then suspends its
 * exchange); false if it has been answered already (a failure, or a full
 * batch committed at once). */
bool batch_write(struct batch *b, batch_write_fn write, const void *request, void *waiter,
		 batch_answer_fn answer, const void *wire, size_t wire_len);

/* batch_write() of an inbound message (inbound_apply). */
bool batch_apply(struct batch *b, const struct inbound *in, void *waiter, batch_answer_fn answer,
		 const void *wire, size_t wire_len);

/* Commits the open batch and answers its messages. */
void batch_flush(struct batch *b);

/* Writes of the daemon's own, outside any request (the outbox, what falls
 * due): the open batch is committed first, so that what fn writes is
 * its alone, then fn(ctx, arg) runs in a transaction of its own, committed
 * before this returns. 0, or STORE_ERROR (rolled back; logged as event
 * what). */
int batch_own_transaction(struct batch *b, const char *what, int (*fn)(void *ctx, void *arg),
			  void *ctx, void *arg);

/* True while the store refuses writes (a full disk, an I/O error): the
 * last write failed, and a small write of its own, tried when no batch is
 * open, fails too. A commit that succeeds ends it. */
bool batch_degraded(struct batch *b);

/* True if the last batch failed as a whole (its transaction could not
 * begin or commit): what batch_degraded() would probe, without a write. */
bool batch_failed(const struct batch *b);

#endif
