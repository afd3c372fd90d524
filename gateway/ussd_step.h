/*
 * ussd_step — one step of a USSD session, whichever way it came (an
 * aggregator's POST, or SMPP through Kannel): where it stands against the
 * stored session (new, continued, lost, timed out, an unknown code), the
 * conversation, and the MO with its reply, in one transaction.
 *
 * The reply is stored with meta "CON" (the session goes on) or "END", so a
 * retried request is answered the same way. Loop thread only.
 */
#ifndef CHABAR_USSD_STEP_H
#define CHABAR_USSD_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "converse.h"
#include "daemon.h"

struct ussd_step {
	const char *channel; /* "ussd-at", "ussd-smpp" */
	const char *msisdn;
	const char *session_id;   /* the network's */
	const char *service_code; /* what was dialled: starts a flow in a new session */
	const char *text;         /* the input, or with history every input so far */
	size_t len;
	bool history;           /* text is all inputs joined by '*' (aggregators) */
	bool begin;             /* the person dialled: a new session whatever is stored */
	const char *message_id; /* the same for a retried request */
};

/* 0 with reply filled (reply->waiting: CON) once committed; STORE_DUPLICATE
 * for a request already answered; STORE_ERROR (nothing kept). */
int ussd_step_run(struct daemon *d, const struct ussd_step *step, struct converse_reply *reply);

#endif
