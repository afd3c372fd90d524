/* ledger — see ledger.h. */
#include "ledger.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Digits and capitals that no other one is mistaken for, on a screen or
 * said aloud: 22 of them, 8 drawn, about 2^35 codes. */
static const char alphabet[] = "3479ACDEFHJKMNPRTUVWXY";

#define RECEIPT_DRAWS 4 /* a code already taken is drawn again (never in practice) */

void ledger_receipt(char out[LEDGER_RECEIPT_SIZE])
{
	for (int i = 0, o = 0; i < 8; i++) {
		if (i == 4)
			out[o++] = '-';
		out[o++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	out[LEDGER_RECEIPT_SIZE - 1] = '\0';
}

/* The Latin capital a Cyrillic letter typed on a Russian keyboard stands
 * for (UTF-8 at c, 2 bytes), or 0: А В Е К М Н О Р С Т У Х, either case. */
static char cyrillic_lookalike(const unsigned char *c)
{
	static const struct {
		unsigned cp;
		char latin;
	} map[] = {{0x410, 'A'}, {0x412, 'B'}, {0x415, 'E'}, {0x41a, 'K'},
		   {0x41c, 'M'}, {0x41d, 'H'}, {0x41e, 'O'}, {0x420, 'P'},
		   {0x421, 'C'}, {0x422, 'T'}, {0x423, 'Y'}, {0x425, 'X'}};
	if ((c[0] & 0xe0) != 0xc0 || (c[1] & 0xc0) != 0x80)
		return 0;
	unsigned cp = (unsigned)(c[0] & 0x1f) << 6 | (c[1] & 0x3f);
	if (cp >= 0x430 && cp <= 0x44f)
		cp -= 0x20; /* small to capital */
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].cp == cp)
			return map[i].latin;
	return 0;
}

bool ledger_receipt_read(const char *text, char out[LEDGER_RECEIPT_SIZE])
{
	char code[8];
	size_t n = 0;
	for (const char *c = text; *c; c++) {
		if (*c == ' ' || *c == '-')
			continue;
		char up = (char)toupper((unsigned char)*c);
		if ((unsigned char)*c >= 0x80) { /* typed on a Russian keyboard */
			up = cyrillic_lookalike((const unsigned char *)c);
			if (!up)
				return false;
			c++;
		}
		if (n == sizeof code || !strchr(alphabet, up))
			return false;
		code[n++] = up;
	}
	if (n != sizeof code)
		return false;
	snprintf(out, LEDGER_RECEIPT_SIZE, "%.4s-%.4s", code, code + 4);
	return true;
}

void ledger_hash(const unsigned char key[32], const struct store_checkin *c,
		 char out[STORE_HASH_SIZE])
{
	char text[512];
	int n = snprintf(text, sizeof text, "chabar-ledger-1|%s|%lld|%lld|%s|%s|%lld|%s",
			 c->prev_hash, (long long)c->person_id, (long long)c->at, c->location,
			 c->channel, (long long)c->message_id, c->receipt);
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)text,
			   n < (int)sizeof text ? (size_t)n : sizeof text - 1, key, 32);
	sodium_bin2hex(out, STORE_HASH_SIZE, h, sizeof h);
}

int ledger_add(struct store *s, const unsigned char key[32], struct store_checkin *c)
{
	int rc = store_checkin_last_hash(s, c->prev_hash);
	if (rc < 0)
		return STORE_ERROR;
	if (rc == 0)
		c->prev_hash[0] = '\0'; /* the first check-in of all */
	for (int draw = 0; draw < RECEIPT_DRAWS; draw++) {
		ledger_receipt(c->receipt);
		ledger_hash(key, c, c->hash);
		rc = store_checkin_add(s, c);
		if (rc != STORE_DUPLICATE)
			break;
	}
	return rc < 0 ? STORE_ERROR : 0;
}

int ledger_verify(struct store *s, const unsigned char key[32], struct ledger_report *r)
{
	*r = (struct ledger_report){0};
	struct store_checkin c = {0};
	char want_prev[STORE_HASH_SIZE] = "", hash[STORE_HASH_SIZE];
	bool chain = false; /* a check-in on the ledger was seen */
	int rc;
	while ((rc = store_checkin_after(s, c.id, &c)) == 1) {
		if (!c.hash[0] && c.receipt[0]) { /* every receipt was given with its hash */
			r->broken_id = c.id;
			r->why = "its hash was removed";
			return 1;
		}
		if (!c.hash[0]) {
			if (chain) {
				r->broken_id = c.id;
				r->why = "it is not on the ledger: added past it";
				return 1;
			}
			r->before++;
			continue;
		}
		chain = true;
		ledger_hash(key, &c, hash);
		if (strcmp(c.prev_hash, want_prev) != 0) {
			r->broken_id = c.id;
			r->why =
			    "it does not follow the check-in before it: one was deleted, moved or "
			    "added";
			return 1;
		}
		if (strlen(c.hash) != 64 || sodium_memcmp(hash, c.hash, 64) != 0) {
			r->broken_id = c.id;
			r->why = "it was changed after it was recorded";
			return 1;
		}
		memcpy(want_prev, c.hash, sizeof want_prev);
		r->checked++;
	}
	return rc < 0 ? STORE_ERROR : 0;
}
