/*
 * ledger — check-ins on a chain no one can quietly rewrite. Each check-in
 * gets a receipt the person can quote to prove they complied: 8 characters
 * in two groups ("K7MR-4TXA") of an alphabet without look-alikes (no 0/O,
 * 1/I/L, 2/Z, 5/S, 6/G, 8/B), drawn at random, so it can be read aloud and
 * not guessed. And a keyed hash (BLAKE2b, the config's keys.ledger) over
 * the previous check-in's hash and its own fields: a record edited breaks
 * its own hash, one deleted or moved breaks the next one's link, and
 * without the key no one can make the chain whole again. ledger_verify()
 * names the first broken link. Check-ins from before the ledger stand
 * before the chain, counted.
 *
 * What the chain cannot show: the newest check-ins deleted together (the
 * chain is then shorter, and whole). A receipt the person holds that
 * `chabarctl receipt` no longer finds is the evidence then.
 *
 * Runs inside the caller's transaction; pure apart from the store.
 */
#ifndef CHABAR_LEDGER_H
#define CHABAR_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define LEDGER_RECEIPT_SIZE 10 /* "XXXX-XXXX" and a NUL */

/* A new receipt code. */
void ledger_receipt(char out[LEDGER_RECEIPT_SIZE]);

/* A code as a person may say or type it ("k7mr 4txa", "K7MR4TXA", or
 * with the Cyrillic letters a Russian keyboard has for A E K M H P C T Y X)
 * in its one written form; false if it cannot be one. */
bool ledger_receipt_read(const char *text, char out[LEDGER_RECEIPT_SIZE]);

/* The hash of c (its fields and prev_hash), hex, into out. */
void ledger_hash(const unsigned char key[32], const struct store_checkin *c,
		 char out[STORE_HASH_SIZE]);

/* Records c on the chain: its receipt drawn, its link and hash made, the
 * row inserted (a receipt already taken is drawn again). 0 or
 * STORE_ERROR. */
int ledger_add(struct store *s, const unsigned char key[32], struct store_checkin *c);

struct ledger_report {
	int64_t checked;   /* check-ins on the chain, verified */
	int64_t before;    /* check-ins from before the ledger */
	int64_t broken_id; /* the first broken link (0: none) */
	const char *why;   /* what is wrong with it */
};

/* Walks the chain: 0 whole, 1 broken (r says where and why), or
 * STORE_ERROR. */
int ledger_verify(struct store *s, const unsigned char key[32], struct ledger_report *r);

#endif
