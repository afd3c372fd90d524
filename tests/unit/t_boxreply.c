/* Unit tests for gateway/boxreply.c: which replies bearerbox took, so that
 * an MO it sends again is not answered twice, and which it could not take
 * for now, to be sent again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxreply.h"
#include "tap.h"

/* The UUID numbered n (its last digits), for the MT or the MO it answers. */
static const char *uuid(char kind, unsigned n, char out[BOX_UUID_LEN + 1])
{
	snprintf(out, BOX_UUID_LEN + 1, "0000000%c-0000-4000-8000-%012u", kind, n);
	return out;
}

/* The reply numbered n was written, once. */
static void sent(struct boxreply *r, unsigned n)
{
	char mt[BOX_UUID_LEN + 1], mo[BOX_UUID_LEN + 1];
	boxreply_sent(r, uuid('a', n, mt), uuid('b', n, mo), "frame", 5, 1);
}

/* bearerbox's ack of the reply numbered n. */
static enum boxreply_ack acked(struct boxreply *r, unsigned n, int nack)
{
	char mt[BOX_UUID_LEN + 1];
	return boxreply_acked(r, uuid('a', n, mt), nack, NULL);
}

static bool taken(struct boxreply *r, unsigned n)
{
	char mo[BOX_UUID_LEN + 1];
	return boxreply_taken(r, uuid('b', n, mo));
}

static void test_in_order(struct boxreply *r)
{
	for (unsigned i = 1; i <= 3; i++)
		sent(r, i);
	ok(!taken(r, 1), "a reply not yet acknowledged is not taken");
	ok(acked(r, 1, BOX_ACK_SUCCESS) == BOXREPLY_TAKEN, "success: bearerbox took the reply");
	ok(taken(r, 1), "its MO is answered: a repeat is not answered again");
	ok(acked(r, 2, BOX_ACK_FAILED) == BOXREPLY_REFUSED, "failed: refused for good");
	ok(!taken(r, 2), "its MO is not taken: a repeat answers again");
	ok(acked(r, 9, BOX_ACK_SUCCESS) == BOXREPLY_NOT_A_REPLY,
	   "an ack of something else (the outbox's) is not a reply's");
	is_int(r->count, 1, "the third still awaits its ack");
	boxreply_lost(r);
	is_int(r->count, 0, "a lost connection forgets what awaited an ack");
	ok(acked(r, 3, BOX_ACK_SUCCESS) == BOXREPLY_NOT_A_REPLY,
	   "and a late ack of it finds nothing");
	ok(taken(r, 1), "what was taken stays taken across connections");
}

static void test_skipped_and_full(struct boxreply *r)
{
	for (unsigned i = 10; i < 13; i++)
		sent(r, i);
	ok(acked(r, 12, BOX_ACK_BUFFERED) == BOXREPLY_TAKEN, "buffered, past the oldest: taken");
	is_int(r->count, 0, "the ones before it are dropped (acknowledged unseen)");
	ok(taken(r, 12) && !taken(r, 10), "only its own MO is taken");
	for (unsigned i = 0; i < BOXREPLY_MAX + 5; i++)
		sent(r, 100 + i);
	is_int(r->count, BOXREPLY_MAX, "a full ring keeps the newest");
	ok(acked(r, 100, BOX_ACK_SUCCESS) == BOXREPLY_NOT_A_REPLY, "the oldest was forgotten");
	ok(acked(r, 104 + BOXREPLY_MAX, BOX_ACK_SUCCESS) == BOXREPLY_TAKEN, "the newest is there");
	for (unsigned i = 0; i < BOXREPLY_MAX; i++) {
		sent(r, 20000 + i);
		acked(r, 20000 + i, BOX_ACK_SUCCESS);
	}
	ok(!taken(r, 12), "the taken ring keeps the last BOXREPLY_MAX");
	ok(taken(r, 20000), "and those are all there");
}

static void test_again(struct boxreply *r)
{
	char mt[BOX_UUID_LEN + 1], mo[BOX_UUID_LEN + 1];
	struct boxreply_sent again = {0};
	boxreply_sent(r, uuid('a', 30000, mt), uuid('b', 30000, mo), "\0\0\0\1x", 5, 1);
	ok(boxreply_acked(r, mt, BOX_ACK_FAILED_TMP, &again) == BOXREPLY_AGAIN,
	   "failed_tmp: the reply goes again");
	ok(again.frame && again.len == 5 && memcmp(again.frame, "\0\0\0\1x", 5) == 0 &&
	       again.tries == 1 && strcmp(again.mo, mo) == 0,
	   "handed back as it was written, with its MO and tries");
	ok(!taken(r, 30000), "its MO is not taken meanwhile");
	boxreply_sent(r, again.mt, again.mo, again.frame, again.len, again.tries + 1);
	free(again.frame);
	ok(acked(r, 30000, BOX_ACK_SUCCESS) == BOXREPLY_TAKEN && taken(r, 30000),
	   "written again, then taken");
	sent(r, 30001);
	boxreply_lost(r);
	is_int(r->count, 0, "a lost connection frees what awaited its ack");
}

int main(void)
{
	struct boxreply *r = calloc(1, sizeof *r);
	if (!r)
		return 1;
	test_in_order(r);
	test_skipped_and_full(r);
	test_again(r);
	boxreply_lost(r);
	free(r);
	return tap_done();
}
