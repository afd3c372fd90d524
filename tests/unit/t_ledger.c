/* Unit tests for gateway/ledger.c without a database: receipts (their
 * alphabet, their randomness, reading them back as people type them) and
 * the hash that links a check-in to the one before it. */
#include <sodium.h>
#include <string.h>

#include "ledger.h"
#include "tap.h"

static void test_receipts(void)
{
	char seen[1000][LEDGER_RECEIPT_SIZE];
	int shape = 0, distinct = 1;
	for (int i = 0; i < 1000; i++) {
		ledger_receipt(seen[i]);
		shape += strlen(seen[i]) == 9 && seen[i][4] == '-' &&
			 strspn(seen[i], "3479ACDEFHJKMNPRTUVWXY-") == 9;
		for (int j = 0; j < i && distinct; j++)
			distinct = strcmp(seen[i], seen[j]) != 0;
	}
	is_int(shape, 1000, "1,000 receipts: XXXX-XXXX, none with 0 O 1 I L 2 Z 5 S 6 G 8 B");
	ok(distinct, "all different");
	char out[LEDGER_RECEIPT_SIZE];
	ok(ledger_receipt_read("k7mr 4txa", out) && strcmp(out, "K7MR-4TXA") == 0,
	   "read as typed: small letters, a space");
	ok(ledger_receipt_read("K7MR4TXA", out) && strcmp(out, "K7MR-4TXA") == 0, "no dash");
	ok(ledger_receipt_read("К7МР-4ТХА", out) && strcmp(out, "K7MP-4TXA") == 0,
	   "typed on a Russian keyboard: the Cyrillic look-alikes read as Latin");
	ok(!ledger_receipt_read("К7МЯ-4ТХА", out), "a Cyrillic letter that looks like none: no");
	ok(!ledger_receipt_read("K7MR-4TX", out), "too short: no receipt");
	ok(!ledger_receipt_read("K7MR-4TXAA", out), "too long");
	ok(!ledger_receipt_read("K0MR-4TXA", out), "a character outside the alphabet");
}

static void test_hash(void)
{
	unsigned char key[32], other[32];
	memset(key, 1, sizeof key);
	memset(other, 2, sizeof other);
	struct store_checkin c = {.person_id = 7, .at = 1800000000, .message_id = 9};
	snprintf(c.location, sizeof c.location, "home");
	snprintf(c.channel, sizeof c.channel, "sms");
	snprintf(c.receipt, sizeof c.receipt, "K7MR-4TXA");
	char a[STORE_HASH_SIZE], b[STORE_HASH_SIZE];
	ledger_hash(key, &c, a);
	is_int((int)strlen(a), 64, "a hash is 64 hex digits");
	ledger_hash(key, &c, b);
	is_str(a, b, "the same check-in, the same hash");
	struct store_checkin d = c;
	snprintf(d.location, sizeof d.location, "work");
	ledger_hash(key, &d, b);
	ok(strcmp(a, b) != 0, "another place: another hash");
	d = c;
	d.at++;
	ledger_hash(key, &d, b);
	ok(strcmp(a, b) != 0, "a second later: another hash");
	d = c;
	snprintf(d.prev_hash, sizeof d.prev_hash, "%s", a);
	ledger_hash(key, &d, b);
	ok(strcmp(a, b) != 0, "another link before it: another hash");
	ledger_hash(other, &c, b);
	ok(strcmp(a, b) != 0, "without the key it cannot be made");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_receipts();
	test_hash();
	return tap_done();
}
