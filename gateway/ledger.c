/* ledger — see ledger.h. */
#include "ledger.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "refcode.h"

#define RECEIPT_DRAWS 4 /* a code already taken is drawn again (never in practice) */

void ledger_receipt(char out[LEDGER_RECEIPT_SIZE])
{
	refcode_draw(REFCODE_RECEIPT, false, out);
}

bool ledger_receipt_read(const char *text, char out[LEDGER_RECEIPT_SIZE])
{
	size_t len = strlen(text), used = refcode_read(text, len, REFCODE_RECEIPT, false, out);
	while (used && used < len && text[used] == ' ')
		used++;
	return used && used == len;
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
	/* the chain's lock first (db/0015): the check-in read as the last is
	 * then the last committed, whatever else is in flight */
	int rc = store_ledger_lock(s, c->at) < 0 ? STORE_ERROR
						 : store_checkin_last_hash(s, c->prev_hash);
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
