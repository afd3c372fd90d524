/*
 * fallback — a USSD text the person may not have seen goes by SMS. A flow
 * marks its confirmations ("end KEY confirm"); one the network may have
 * kept from the person is queued in the outbox (kind fallback), whole:
 *
 * - pages of it still unseen when the session ends otherwise than on its
 *   last page: an SMPP abort, a new session replacing it, or no answer
 *   before the step timeout (sessions.confirm; due.c sweeps the expired);
 * - its last page (or only page) reported undeliverable or rejected by
 *   the SMSC (over SMPP the reply asks Kannel for that report), or the
 *   network aborting the session just after it (within the step
 *   timeout): it may not have been shown.
 *
 * A session that ends on the confirmation's last page owes nothing.
 * Runs inside the caller's transaction; loop thread only.
 */
#ifndef CHABAR_FALLBACK_H
#define CHABAR_FALLBACK_H

#include <stdint.h>

#include "store.h"

/* Queues text by SMS to msisdn, its coding measured; related_id: the
 * message it copies. 0 or STORE_ERROR. */
int fallback_queue(struct store *s, const char *msisdn, const char *text, int64_t related_id,
		   int64_t now);

/* Sessions owing a confirmation that expired by now: each queued once.
 * The number queued, or STORE_ERROR. */
int fallback_due(struct store *s, int64_t now);

/* When fallback_due() next has something to do: 1 with *at, 0 if never,
 * or STORE_ERROR. */
int fallback_next_due(struct store *s, int64_t *at);

/* The network aborted msisdn's session on channel, none being held: the
 * confirmation it ended on since since, if any, may not have been shown:
 * queued once (as fallback_reply_failed). */
int fallback_recent_abort(struct store *s, const char *msisdn, const char *channel, int64_t since,
			  int64_t now);

/* The SMSC did not deliver reply message_id: queued once. 1 if queued, 0
 * if not (already, or not a reply), or STORE_ERROR. */
int fallback_reply_failed(struct store *s, int64_t message_id, int64_t now);

#endif
