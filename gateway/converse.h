/*
 * converse — one inbound message through a conversation: who is writing
 * (enrolled person or not, language, opted out), which flow it starts or
 * continues (global keywords first), the named actions it calls, the reply
 * rendered in the person's language and measured for the phone, and the
 * conversation's state for the session the caller loaded and saves (the
 * pipeline reads and writes a session once a message). Every read and
 * write goes through the store in the caller's transaction, so the MO,
 * the reply and all they changed are committed together before the reply
 * is sent.
 *
 * Stateless apart from what it is given; loop thread only.
 */
#ifndef CHABAR_CONVERSE_H
#define CHABAR_CONVERSE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "cfg.h"
#include "flow.h"
#include "locale.h"
#include "store.h"

#define CONVERSE_REPLY_MAX 2048

struct converse_ctx {
	struct store *store;
	const struct cfg *cfg;
	const struct flow_set *flows;
	const struct locales *locales;
};

struct converse_input {
	const char *msisdn;   /* the sender as stored: their alias if hidden */
	const char *reporter; /* a hidden sender's number (tip.h), else NULL: never
			       * stored as it is, only sealed */
	const char *channel;  /* "sms", "ussd-at" */
	bool ussd;            /* a USSD session: a long reply goes page by page */
	const char *text;     /* UTF-8, or NULL if the message was not text */
	size_t len;
	int64_t now;
	int64_t message_id;
	unsigned idle; /* seconds a waiting conversation lasts */
	/* USSD: the flow the dialled code starts, when no conversation is in
	 * progress (NULL for SMS, where a keyword does). */
	const struct flow *start;
	/* The number's session on this channel as the caller loaded it (its
	 * flow "" if there is none); converse() leaves in it the
	 * conversation's state to save: flow, node, variables, attempts and
	 * expiry, or flow "" when the conversation is over. */
	struct store_session *session;
};

struct converse_reply {
	struct buf text;   /* UTF-8, at most CONVERSE_REPLY_MAX bytes */
	bool ucs2;         /* needs UCS-2 on the air (else GSM 7-bit) */
	const char *key;   /* the text key answered with, for the log */
	bool waiting;      /* the conversation waits for an answer (USSD: CON);
			    * its state is in the input's session */
	char lang[8];      /* the language it is in */
	bool secret_input; /* the message was a PIN: it is not kept as typed */
	bool pin_context;  /* it went to a flow that asks for a PIN: digits in
			    * it may be one (pin_mask) */
	bool confirm;      /* over USSD: a confirmation, owed by SMS if the
			    * network drops the session before it is seen */
};

/* Fills reply (buf_init'ed by the caller). 0, or -1 if the store failed:
 * then the caller must roll back and acknowledge nothing. */
int converse(const struct converse_ctx *ctx, const struct converse_input *in,
	     struct converse_reply *reply);

/* Where one of a sender's two conversations stands: the one held under
 * their number, and the one under their alias (tip.h). */
struct converse_standing {
	bool found;         /* a session is stored */
	bool live;          /* it waits for an answer, not yet expired */
	int64_t updated_at; /* its last message */
};

/* Whether a message goes to a flow that hides its sender ("sender
 * hidden", tip.h), decided before anything is written: a hidden flow is
 * what it starts (start: a dialled code's flow; else an SMS's keyword or
 * tip reference), or the alias's conversation is the one the sender is
 * in (the live one of the two; the later if both are, or if neither is)
 * and the message answers it, or is a word that would interrupt it (STOP,
 * CANCEL, or another flow's keyword: see converse()). */
bool converse_hides_sender(const struct converse_ctx *ctx, const struct flow *start,
			   const char *text, size_t len, const struct converse_standing *alias,
			   const struct converse_standing *number);

/* The language replies to msisdn are in (person, district, contact,
 * default). 0 or -1. */
int converse_language(const struct converse_ctx *ctx, const char *msisdn, char lang[8]);

/* A reply of one text outside any conversation (a USSD session lost or
 * timed out, an unknown service code), in the sender's language. 0 or -1. */
int converse_say(const struct converse_ctx *ctx, const struct converse_input *in, const char *key,
		 struct converse_reply *reply);

#endif
