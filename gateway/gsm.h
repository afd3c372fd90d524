/*
 * gsm — fitting text to a phone (GSM 03.38, now 3GPP TS 23.038): whether a
 * UTF-8 text can go in the GSM 7-bit default alphabet (with its extension
 * table) or needs UCS-2, how many septets or UTF-16 units it takes, how many
 * SMS parts that makes, and whether it fits one USSD page.
 *
 * Lifecycle: none. gsm_measure() fills a struct gsm_fit the caller owns.
 * Pure: const tables only, no I/O, no state; safe from any thread.
 */
#ifndef CHABAR_GSM_H
#define CHABAR_GSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gsm_coding {
	GSM_CODING_GSM7, /* the default alphabet; extension characters take 2 septets */
	GSM_CODING_UCS2, /* UTF-16: a character beyond the BMP takes 2 units */
};

/* An SMS holds 140 octets; a part of a concatenated one loses 6 to its header. */
#define GSM_GSM7_SINGLE 160 /* septets */
#define GSM_GSM7_PART   153
#define GSM_UCS2_SINGLE 70 /* UTF-16 units */
#define GSM_UCS2_PART   67

struct gsm_fit {
	enum gsm_coding coding; /* GSM7 if every character is in GSM-7, else UCS2 */
	size_t chars;           /* Unicode code points */
	size_t units;           /* septets (GSM7) or UTF-16 code units (UCS2) */
	size_t segments;        /* SMS parts; 1 for the empty text */
};

/* Septets the code point takes in GSM-7: 1 (default alphabet), 2 (escape +
 * extension table: ^ { } \ [ ~ ] | € and form feed) or 0 (not in GSM-7). */
int gsm_char_septets(uint32_t cp);

/* Measures len bytes of UTF-8 into *out: 0, or -1 (out untouched) if they are
 * not well-formed UTF-8 (utf8_valid). In a concatenated SMS an escape +
 * extension pair (GSM7) or a surrogate pair (UCS2) never straddles two
 * parts, so segments can exceed ceil(units / part size). */
int gsm_measure(const char *utf8, size_t len, struct gsm_fit *out);

/* Whether len bytes must go as UCS-2 (Kannel's coding 2): a character
 * outside GSM-7, or bytes that are not UTF-8 (never sent as 7-bit). */
bool gsm_needs_ucs2(const char *utf8, size_t len);

/* What one USSD page holds: 160 octets are 182 GSM-7 septets or 80 UCS-2
 * characters (FIELD-NOTES.md, "Lengths"). */
struct gsm_ussd_budget {
	size_t gsm7_chars; /* septets, so an extension character counts 2 */
	size_t ucs2_chars; /* UTF-16 units */
};
#define GSM_USSD_DEFAULT ((struct gsm_ussd_budget){.gsm7_chars = 182, .ucs2_chars = 80})

/* Whether the measured text fits one USSD page of budget b (NULL: the
 * default): units <= gsm7_chars for GSM7, units <= ucs2_chars for UCS2. */
bool gsm_fits_ussd(const struct gsm_fit *f, const struct gsm_ussd_budget *b);

/* "gsm7" or "ucs2" (for logs and metrics); "unknown" for anything else. */
const char *gsm_coding_name(enum gsm_coding coding);

#endif
