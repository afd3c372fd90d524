/*
 * inbound — the one pipeline every channel's message goes through. A
 * channel adapter (Kannel SMS, Kannel SMPP USSD, a USSD aggregator) parses
 * its request into a struct inbound and formats the outcome for its wire;
 * everything between is here, once: whether the sender is hidden (a
 * tip: from here on they are their alias, tip.h), the repeat of a message
 * already answered, the USSD session's standing (new, continued, lost, timed out,
 * a page of a long reply), the conversation, redaction of what could be a
 * PIN, the SMS copy of a USSD confirmation, and the rows of the exchange
 * (the message, its reply, the session).
 *
 * inbound_apply() reads and writes through the store inside the caller's
 * transaction and never commits: the caller (batch.c) gives each message a
 * savepoint and answers only after the commit. Loop thread only.
 */
#ifndef CHABAR_INBOUND_H
#define CHABAR_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "converse.h"
#include "log.h"

struct daemon;

struct inbound {
	const char *channel;    /* "sms", "ussd-smpp", "ussd-at" */
	const char *msisdn;     /* the sender, normalised (msisdn.h) */
	const char *peer;       /* our number or the USSD code, NULL if unknown */
	const char *network_id; /* the network's id: a retry repeats it (NULL: none) */
	const char *text;       /* as received: UTF-8 if text_is_utf8, else raw bytes */
	size_t len;
	bool text_is_utf8;
	int coding; /* enum kannel_coding, as received */
	const char *smsc, *meta;
	int64_t sent_at; /* the SMSC's time, 0 if unknown */
	/* USSD only (session_id set): */
	const char *session_id;   /* the network's session */
	const char *service_code; /* what was dialled: starts a flow in a new session */
	bool history;             /* text is every input so far joined by '*' (aggregators) */
	bool begin;               /* the person dialled: a new session whatever is stored */
	bool abort;               /* the network ended the session: store it, answer nothing */
};

struct inbound_outcome {
	struct buf text;          /* the answer (UTF-8); buf_init'ed by the caller */
	bool ucs2;                /* needs UCS-2 on the air */
	bool waiting;             /* USSD: the session goes on (CON) */
	bool repeat;              /* the message was answered before: this is that answer */
	const char *key;          /* the text key answered with, for the log */
	int64_t confirm_id;       /* USSD: the stored reply ends on a confirmation; an
				   * adapter that can asks for its failure report */
	char from[LOG_MASK_SIZE]; /* the sender for the log: masked, "hidden" (a
				   * flow hides them, tip.h), "" if not known */
};

/* Names what inbound_apply(in) will read first (its sender's rows), to
 * be fetched with the rest of its batch's: store_prefetched(). */
void inbound_prefetch(struct daemon *d, const struct inbound *in);

/* 0 with out filled; STORE_ERROR if the store failed (the caller rolls this
 * message back and acknowledges nothing). */
int inbound_apply(struct daemon *d, const struct inbound *in, struct inbound_outcome *out);

#endif
