/*
 * boxreply — which replies bearerbox has taken, so that an MO it sends
 * again is not answered twice. bearerbox sends an MO again (same UUID)
 * when it did not see the MO's ack: after a reconnect, or after its own
 * crash with a store. The reply went just before the ack; if bearerbox
 * acknowledged the reply, it has it (queued, and in its store if it keeps
 * one) and will deliver it, so the repeat is acknowledged without sending
 * the stored reply again. If it did not, the reply may be lost, and the
 * repeat sends it again.
 *
 * In memory only, bounded: the replies awaiting bearerbox's ack (first
 * in, first acknowledged: bearerbox acks in order), and a ring of the MOs
 * whose reply it took. What a restart of chabard forgets costs at most a
 * reply sent twice. Pure.
 */
#ifndef CHABAR_BOXREPLY_H
#define CHABAR_BOXREPLY_H

#include <stdbool.h>

#include "boxproto.h"

#define BOXREPLY_MAX 4096 /* replies awaiting an ack, and MOs remembered */

struct boxreply {
	struct boxreply_sent {
		char mt[BOX_UUID_LEN + 1], mo[BOX_UUID_LEN + 1];
	} sent[BOXREPLY_MAX]; /* a ring: the oldest is at first */
	unsigned first, count;
	char taken[BOXREPLY_MAX][BOX_UUID_LEN + 1]; /* a ring of MO ids */
	unsigned next_taken;
};

/* The reply mt to MO mo was written (when the ring is full, the oldest is
 * forgotten: at worst it is sent again). */
void boxreply_sent(struct boxreply *r, const char *mt, const char *mo);

/* bearerbox acknowledged MT id: true if it was a reply; remembered as
 * taken if bearerbox took it. */
bool boxreply_acked(struct boxreply *r, const char *id, bool taken);

/* The connection went: no ack of what awaits one will come. */
void boxreply_lost(struct boxreply *r);

/* True if bearerbox took the reply to MO mo. */
bool boxreply_taken(const struct boxreply *r, const char *mo);

#endif
