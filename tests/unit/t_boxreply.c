/* Unit tests for gateway/boxreply.c: which replies bearerbox took, so that
 * an MO it sends again is not answered twice. */
#include <stdio.h>
#include <stdlib.h>

#include "boxreply.h"
#include "tap.h"

/* The UUID numbered n (its last digits), for the MT or the MO it answers. */
static const char *uuid(char kind, unsigned n, char out[BOX_UUID_LEN + 1])
{
	snprintf(out, BOX_UUID_LEN + 1, "0000000%c-0000-4000-8000-%012u", kind, n);
	return out;
}

static void test_in_order(struct boxreply *r)
{
	char mt[BOX_UUID_LEN + 1], mo[BOX_UUID_LEN + 1];
	for (unsigned i = 1; i <= 3; i++)
		boxreply_sent(r, uuid('a', i, mt), uuid('b', i, mo));
	ok(!boxreply_taken(r, uuid('b', 1, mo)), "a reply not yet acknowledged is not taken");
	ok(boxreply_acked(r, uuid('a', 1, mt), true), "the first reply's ack is a reply's");
	ok(boxreply_taken(r, uuid('b', 1, mo)),
	   "its MO is answered: a repeat is not answered again");
	ok(boxreply_acked(r, uuid('a', 2, mt), false), "the second refused (failed)");
	ok(!boxreply_taken(r, uuid('b', 2, mo)), "its MO is not taken: a repeat answers again");
	ok(!boxreply_acked(r, uuid('c', 9, mt), true),
	   "an ack of something else (a push) is not a reply's");
	is_int(r->count, 1, "the third still awaits its ack");
	boxreply_lost(r);
	is_int(r->count, 0, "a lost connection forgets what awaited an ack");
	ok(!boxreply_acked(r, uuid('a', 3, mt), true), "and a late ack of it finds nothing");
	ok(boxreply_taken(r, uuid('b', 1, mo)), "what was taken stays taken across connections");
}

static void test_skipped_and_full(struct boxreply *r)
{
	char mt[BOX_UUID_LEN + 1], mo[BOX_UUID_LEN + 1];
	for (unsigned i = 10; i < 13; i++)
		boxreply_sent(r, uuid('a', i, mt), uuid('b', i, mo));
	ok(boxreply_acked(r, uuid('a', 12, mt), true), "an ack past the oldest");
	is_int(r->count, 0, "drops the ones before it (acknowledged unseen)");
	ok(boxreply_taken(r, uuid('b', 12, mo)) && !boxreply_taken(r, uuid('b', 10, mo)),
	   "only its own MO is taken");
	for (unsigned i = 0; i < BOXREPLY_MAX + 5; i++)
		boxreply_sent(r, uuid('a', 100 + i, mt), uuid('b', 100 + i, mo));
	is_int(r->count, BOXREPLY_MAX, "a full ring keeps the newest");
	ok(!boxreply_acked(r, uuid('a', 100, mt), true), "the oldest was forgotten");
	ok(boxreply_acked(r, uuid('a', 104 + BOXREPLY_MAX, mt), true), "the newest is there");
	for (unsigned i = 0; i < BOXREPLY_MAX; i++) {
		boxreply_sent(r, uuid('a', 20000 + i, mt), uuid('b', 20000 + i, mo));
		boxreply_acked(r, mt, true);
	}
	ok(!boxreply_taken(r, uuid('b', 12, mo)), "the taken ring keeps the last BOXREPLY_MAX");
	ok(boxreply_taken(r, uuid('b', 20000, mo)), "and those are all there");
}

int main(void)
{
	struct boxreply *r = calloc(1, sizeof *r);
	if (!r)
		return 1;
	test_in_order(r);
	test_skipped_and_full(r);
	free(r);
	return tap_done();
}
