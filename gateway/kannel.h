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

/* Longest text kept from one MO, in bytes; Kannel joins concatenated parts,
 * so a long message is legal, but nothing a person types needs more. */
#define KANNEL_TEXT_MAX 4096
#define KANNEL_ID_MAX   64

enum kannel_coding { KANNEL_CODING_7BIT = 0, KANNEL_CODING_8BIT = 1, KANNEL_CODING_UCS2 = 2 };

struct kannel_mo {
	char from[MSISDN_SIZE];
	char to[MSISDN_SIZE]; /* empty if Kannel did not send it */
	const char *text;     /* raw bytes as Kannel sent them (may hold NULs) */
	size_t text_len;
	bool text_truncated; /* longer than KANNEL_TEXT_MAX: cut there */
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
 * reason (for the 400 body and the log) in *error. */
int kannel_mo_parse(struct kannel_mo *mo, const struct form *fields, const char **error);

/* The text as UTF-8 into out (NUL-terminated): UCS-2 is converted, UTF-8
 * checked. Returns the length, or -1 if the text is not Unicode text (8-bit
 * data, invalid UTF-8, broken UCS-2): then store the raw bytes instead. */
long kannel_mo_text_utf8(const struct kannel_mo *mo, char *out, size_t out_size);

/* Constant-time check of the presented key against the configured one. */
bool kannel_key_ok(const struct cfg *cfg, const char *key, size_t key_len);

#endif
