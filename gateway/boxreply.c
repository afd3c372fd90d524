/* boxreply — see boxreply.h. */
#include "boxreply.h"

#include <stdlib.h>
#include <string.h>

/* Removes the i-th oldest entry from the ring, handing it to out (or
 * freeing its frame if out is NULL), and with it every older one. */
static void take_out(struct boxreply *r, unsigned i, struct boxreply_sent *out)
{
	for (unsigned k = 0; k <= i; k++) {
		struct boxreply_sent *s = &r->sent[(r->first + k) % BOXREPLY_MAX];
		if (k == i && out)
			*out = *s;
		else
			free(s->frame);
		s->frame = NULL;
	}
	r->first = (r->first + i + 1) % BOXREPLY_MAX;
	r->count -= i + 1;
}

void boxreply_sent(struct boxreply *r, const char *mt, const char *mo, const void *frame,
		   size_t len, int tries)
{
	if (r->count == BOXREPLY_MAX) /* forget the oldest */
		take_out(r, 0, NULL);
	struct boxreply_sent *s = &r->sent[(r->first + r->count++) % BOXREPLY_MAX];
	memcpy(s->mt, mt, sizeof s->mt);
	memcpy(s->mo, mo, sizeof s->mo);
	s->frame = malloc(len);
	s->len = s->frame ? len : 0;
	if (s->frame)
		memcpy(s->frame, frame, len);
	s->tries = tries;
}

enum boxreply_ack boxreply_acked(struct boxreply *r, const char *id, int nack,
				 struct boxreply_sent *again)
{
	/* in order, nearly always the oldest: what comes before it in the
	 * ring was acknowledged without our seeing it, and is dropped */
	for (unsigned i = 0; i < r->count; i++) {
		struct boxreply_sent *s = &r->sent[(r->first + i) % BOXREPLY_MAX];
		if (strcmp(s->mt, id) != 0)
			continue;
		if (box_ack_taken(nack)) {
			memcpy(r->taken[r->next_taken], s->mo, BOX_UUID_LEN + 1);
			r->next_taken = (r->next_taken + 1) % BOXREPLY_MAX;
			take_out(r, i, NULL);
			return BOXREPLY_TAKEN;
		}
		if (nack == BOX_ACK_FAILED_TMP && s->frame) {
			take_out(r, i, again);
			return BOXREPLY_AGAIN;
		}
		take_out(r, i, NULL);
		return BOXREPLY_REFUSED;
	}
	return BOXREPLY_NOT_A_REPLY;
}

void boxreply_lost(struct boxreply *r)
{
	if (r->count)
		take_out(r, r->count - 1, NULL);
}

bool boxreply_taken(const struct boxreply *r, const char *mo)
{
	for (unsigned i = 0; i < BOXREPLY_MAX; i++)
		if (strcmp(r->taken[i], mo) == 0)
			return true;
	return false;
}
