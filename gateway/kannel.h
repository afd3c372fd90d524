/*
 * kannel — the Kannel channel adapter: what smsbox sends to /kannel/mo
 * (its get-url / post-url escapes) parsed into a struct kannel_mo, the
 * shared-secret check. Pure: no I/O.
 *
 * Parameters: from (%p), to (%P), text (%b), smsc (%i), id (%I), coding
 * (%c), charset (%C), ts (%T), meta (%D), key.
 */
#ifndef CHABAR_KANNEL_H
#define CHABAR_KANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "form.h"
#include "msisdn.h"

/* Longest text accepted from one MO, in bytes. Kannel joins the parts of a
 * concatenated message (sms-combine-concatenated-mo), at most 255 of them:
 * 39,015 GSM characters, or 17,085 UCS-2 ones (51 KiB as UTF-8 at worst).
 * Anything Kannel can hand over fits and is stored whole; a longer text is
 * refused (KANNEL_TOO_LONG), never cut. */
#define KANNEL_TEXT_MAX (64 * 1024)
#define KANNEL_ID_MAX   64

enum kannel_coding { KANNEL_CODING_7BIT = 0, KANNEL_CODING_8BIT = 1, KANNEL_CODING_UCS2 = 2 };

struct kannel_mo {
	char from[MSISDN_SIZE];
	char to[MSISDN_SIZE]; /* empty if Kannel did not send it; a USSD code as is */
	const char *text;     /* raw bytes as Kannel sent them (may hold NULs) */
	size_t text_len;
	enum kannel_coding coding;
	const char *charset; /* NULL if absent */
	const char *smsc;
	const char *id; /* Kannel's message id, NULL if absent */
	const char *meta;
	int64_t ts; /* SMSC time, 0 if absent */
	const char *key;
	size_t key_len;
};

/* Fills mo from the decoded request fields. Returns 0, or -1 with a short
 * reason (for the 400 body and the log) in *error, or KANNEL_TOO_LONG
 * (text over KANNEL_TEXT_MAX) with every other field filled. */
#define KANNEL_TOO_LONG (-2)
int kannel_mo_parse(struct kannel_mo *mo, const struct form *fields, const char **error);

/* The text as UTF-8 into out (NUL-terminated): UCS-2 is converted, UTF-8
 * checked. Returns the length, or -1 if the text is not Unicode text (8-bit
 * data, invalid UTF-8, broken UCS-2): then store the raw bytes instead. */
long kannel_mo_text_utf8(const struct kannel_mo *mo, char *out, size_t out_size);

/* USSD over SMPP, as Kannel passes it in meta-data (%D): the smpp-tlv
 * groups ussd_service_op (0x0501) and its_session_info (0x1383) arrive as
 * "?smpp?ussd_service_op=%01&its_session_info=*%02&" once the request is
 * form-decoded: each value is raw octets, percent-encoded once more. */
struct kannel_ussd {
	bool present;     /* the message carried ussd_service_op */
	int op;           /* its value */
	bool has_session; /* its_session_info was there (2 octets) */
	unsigned char session_info[2];
};

/* Reads meta (NULL: none). 0, with out->present false if it is not USSD;
 * -1 if the USSD values are malformed. */
int kannel_meta_ussd(const char *meta, struct kannel_ussd *out);

/* The X-Kannel-Meta-Data of a reply with ussd_service_op op: Kannel does
 * not carry the MO's over, so its_session_info is echoed, each octet
 * percent-encoded, and op is decimal. -1 if it does not fit. */
int kannel_meta_reply(const struct kannel_ussd *in, int op, char *out, size_t size);

/* Constant-time check of the presented key against the configured one. */
bool kannel_key_ok(const struct cfg *cfg, const char *key, size_t key_len);

#endif
