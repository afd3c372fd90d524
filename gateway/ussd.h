/*
 * ussd — the USSD aggregator channel in the Africa's Talking convention:
 * a form POST with sessionId, serviceCode, phoneNumber, networkCode and
 * text (every input of the session so far, joined by '*'), answered with
 * "CON " (the session goes on) or "END " (it is over) and the text.
 * Pure: parsing, and working out which part of text is new.
 */
#ifndef CHABAR_USSD_H
#define CHABAR_USSD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "form.h"
#include "gsm.h"

#define USSD_ID_SIZE        36 /* "at:" and 32 hex digits, NUL */
#define USSD_SEEN_SIZE      48 /* "LENGTH:" and 32 hex digits, NUL */
#define USSD_KEY_SIZE       32
#define USSD_SESSION_ID_MAX 256 /* longer than any aggregator's; hashed when stored */
#define USSD_CODE_MAX       32  /* *384*12*3# and then some */
#define USSD_NETWORK_MAX    8   /* MCC and MNC */

struct ussd_at_request {
	const char *session_id;
	const char *service_code;
	const char *phone;
	const char *network; /* may be empty */
	const char *text;    /* may be empty: the first step */
	size_t text_len;
};

enum {
	USSD_REPEAT = -2, /* the same text again: the aggregator retried */
	USSD_LOST = -3,   /* the text does not continue what the session saw */
};

/* True if text (len bytes) is a USSD code as a person dials it: [*#0-9],
 * at most USSD_CODE_MAX. */
bool ussd_is_code(const char *text, size_t len);

/* Fills req from the form's fields: sessionId, serviceCode and phoneNumber
 * required (text may be absent), sessionId a printable token, serviceCode
 * only [*#0-9], networkCode only digits. -1 with the reason ("missing
 * sessionId", "bad serviceCode") in *error. The phone number is the
 * caller's to normalise. */
int ussd_at_parse(const struct form *f, struct ussd_at_request *req, const char **error);

/* What a session keeps of the text it has answered: its length and a
 * keyed hash of it, never the text, which holds the PIN. */
void ussd_at_seen(const unsigned char key[USSD_KEY_SIZE], const char *text, size_t len,
		  char out[USSD_SEEN_SIZE]);

/* The input this request adds, given what the session had seen
 * (ussd_at_seen; NULL or "" for a new session). It is what follows the seen
 * text and the '*' that joins them, read by position, so an answer that
 * itself holds a '*' is kept whole. 0 with *input set, USSD_REPEAT or
 * USSD_LOST (the text does not continue the seen one). */
int ussd_at_new_input(const unsigned char key[USSD_KEY_SIZE], const char *seen, const char *text,
		      size_t len, const char **input, size_t *input_len);

/* Page n (from 0) of a text too long for one USSD page, appended to out:
 * the text is cut at line or word ends so that each page, with its footer,
 * fits budget; a page that has more after it ends "\n0 " more, a page
 * after the first adds "\n00 " back (unless it is the last page of a
 * conversation that ended: nothing can be answered there). *pages gets the
 * number of pages. -1 if n is past the end or the text is not UTF-8. */
int ussd_page(const char *text, size_t len, size_t n, bool ended, const char *more,
	      const char *back, const struct gsm_ussd_budget *budget, struct buf *out,
	      size_t *pages);

/* A stable message id for (session, text), so that a retried request is
 * recognised as the same message. Keyed: the text holds every answer of
 * the session, a PIN among them, and an unkeyed hash of a 4-digit PIN is
 * undone in 10,000 tries. Needs sodium_init(). */
void ussd_at_message_id(const unsigned char key[USSD_KEY_SIZE], const struct ussd_at_request *req,
			char out[USSD_ID_SIZE]);

#endif
