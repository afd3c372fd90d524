/*
 * boxreply — the replies sent through the box until bearerbox answers for
 * them: so that an MO it sends again is not answered twice, and a reply it
 * could not take for now is sent again.
 *
 * bearerbox sends an MO again (same UUID) when it did not see the MO's
 * ack: after a reconnect, or after its own crash with a store. The reply
 * went just before the ack; if bearerbox acknowledged the reply, it has it
 * (queued, and in its store if it keeps one) and will deliver it, so the
 * repeat is acknowledged without sending the stored reply again. If it did
 * not, the reply may be lost, and the repeat sends it again.
 *
 * The MO itself was acknowledged with its reply, so a reply bearerbox
 * answers failed_tmp (its queue full, or stopping) would be lost: its
 * frame is kept until bearerbox answers, and handed back to be sent again.
 *
 * In memory only, bounded: the replies awaiting bearerbox's ack (first in,
 * first acknowledged: bearerbox acks in order), and a ring of the MOs whose
 * reply it took. What a restart of chabard forgets costs at most a reply
 * sent twice.
 */
#ifndef CHABAR_BOXREPLY_H
#define CHABAR_BOXREPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "boxproto.h"

#define BOXREPLY_MAX 4096 /* replies awaiting an ack, and MOs remembered */

struct boxreply_sent {
	char mt[BOX_UUID_LEN + 1], mo[BOX_UUID_LEN + 1];
	unsigned char *frame; /* the MT as written (length and body), or NULL */
	size_t len;
	int tries; /* times it was written */
};

struct boxreply {
	struct boxreply_sent sent[BOXREPLY_MAX]; /* a ring: the oldest is at first */
	unsigned first, count;
	char taken[BOXREPLY_MAX][BOX_UUID_LEN + 1]; /* a ring of MO ids */
	unsigned next_taken;
};

/* The reply mt to MO mo was written for the tries-th time, as frame (len
 * bytes, copied; without memory it cannot be sent again). When the ring
 * is full, the oldest is forgotten: at worst it is sent again. */
void boxreply_sent(struct boxreply *r, const char *mt, const char *mo, const void *frame,
		   size_t len, int tries);

/* What bearerbox's ack of MT id meant. */
enum boxreply_ack {
	BOXREPLY_NOT_A_REPLY, /* not a reply's (an MT of the outbox) */
	BOXREPLY_TAKEN,       /* success or buffered: bearerbox has it */
	BOXREPLY_REFUSED,     /* failed: no route, expired or blocked */
	BOXREPLY_AGAIN,       /* failed_tmp: *again is the reply, to send again
			       * (the caller frees its frame) */
};
enum boxreply_ack boxreply_acked(struct boxreply *r, const char *id, int nack,
				 struct boxreply_sent *again);

/* The connection went: no ack of what awaits one will come. */
void boxreply_lost(struct boxreply *r);

/* True if bearerbox took the reply to MO mo. */
bool boxreply_taken(const struct boxreply *r, const char *mo);

#endif
