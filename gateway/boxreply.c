/* boxreply — see boxreply.h. */
#include "boxreply.h"

#include <string.h>

void boxreply_sent(struct boxreply *r, const char *mt, const char *mo)
{
	if (r->count == BOXREPLY_MAX) { /* forget the oldest */
		r->first = (r->first + 1) % BOXREPLY_MAX;
		r->count--;
	}
	struct boxreply_sent *s = &r->sent[(r->first + r->count++) % BOXREPLY_MAX];
	memcpy(s->mt, mt, sizeof s->mt);
	memcpy(s->mo, mo, sizeof s->mo);
}

bool boxreply_acked(struct boxreply *r, const char *id, bool taken)
{
	/* in order, nearly always the oldest: what comes before it in the
	 * ring was acknowledged without our seeing it, and is dropped */
	for (unsigned i = 0; i < r->count; i++) {
		struct boxreply_sent *s = &r->sent[(r->first + i) % BOXREPLY_MAX];
		if (strcmp(s->mt, id) != 0)
			continue;
		if (taken) {
			memcpy(r->taken[r->next_taken], s->mo, BOX_UUID_LEN + 1);
			r->next_taken = (r->next_taken + 1) % BOXREPLY_MAX;
		}
		r->first = (r->first + i + 1) % BOXREPLY_MAX;
		r->count -= i + 1;
		return true;
	}
	return false;
}

void boxreply_lost(struct boxreply *r)
{
	r->first = r->count = 0;
}

bool boxreply_taken(const struct boxreply *r, const char *mo)
{
	for (unsigned i = 0; i < BOXREPLY_MAX; i++)
		if (strcmp(r->taken[i], mo) == 0)
			return true;
	return false;
}
