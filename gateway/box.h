/*
 * box — chabard as a box of Kannel's bearerbox, the way smsbox is one, but
 * durable: it connects to bearerbox's box port (smsbox-port), identifies
 * (anonymous, or with [box] id for smsbox-route), and takes MOs and
 * delivery reports straight from bearerbox, with no smsbox and no HTTP in
 * the path. Each goes through the one pipeline (channel_kannel_inbound,
 * inbound.h; reports through dlr.h) in the open batch, and is acknowledged
 * to bearerbox only after the commit that stored it: until then bearerbox
 * keeps it, and sends it again if this connection goes. bearerbox's
 * pending window (smsbox-max-pending) is the back-pressure.
 *
 * The reply to an MO goes back as an MT on the same connection, written
 * with the MO's acknowledgement in one write, reply first. A repeat (the
 * same UUID after a reconnect) changes nothing and is answered with the
 * stored reply. A failed write or commit acknowledges nothing: the
 * connection is closed (bearerbox takes back what was not acknowledged)
 * and opened again after a backoff, never a tight loop of failed_tmp.
 *
 * With [sendsms] via = box the outbox sends its rows as MTs through the
 * box too (box_push); bearerbox's ack of each says what became of it
 * (outbox_box_answer).
 *
 * Protocol facts: shared/KANNEL-BOX.md; boxproto.h codes the messages.
 * Lifecycle: box_new() (NULL and no error when [box] bearerbox is empty)
 * → box_quiesce() on a stop → box_free() after the batch's last answers.
 * Loop thread only.
 */
#ifndef CHABAR_BOX_H
#define CHABAR_BOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct box;
struct outbox_sent;

struct box *box_new(struct daemon *d, char *err, size_t err_size);
void box_free(struct box *b);

/* A stop begins: no more messages are read; what is held is still
 * answered (the batch's last commit) until box_free(). */
void box_quiesce(struct box *b);

/* True while connected and identified (NULL: no box). */
bool box_up(const struct box *b);

/* For /health: "connected", "connecting", "waiting" (for the next try),
 * or "off" (NULL: no box). */
const char *box_status(const struct box *b);

/* An MT chabar sends first. */
struct box_mt {
	const char *to, *from; /* numbers as Kannel takes them */
	const char *smsc;      /* an smsc-id, or NULL: bearerbox's routing */
	const char *text;      /* UTF-8 */
	size_t len;
	bool ucs2;           /* sent as UCS-2, else GSM 7-bit */
	const char *meta;    /* meta-data (USSD TLVs), or NULL */
	const char *dlr_url; /* what a report returns (outbox_dlr_query), or NULL */
	int dlr_mask;
};

/* Sends mt as a push; bearerbox's ack goes to outbox_box_answer() with
 * sent, or outbox_box_lost() if the connection goes first. 0, or -1 if
 * not connected or it cannot be written. */
int box_push(struct box *b, const struct box_mt *mt, const struct outbox_sent *sent);

#endif
