/* dlr — see dlr.h. */
#include "dlr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "log.h"
#include "outbox.h"

int dlr_status(long type, const char **status, const char **note)
{
	static const struct {
		long type;
		const char *status, *note;
	} types[] = {
	    {1, "delivered", "delivered to the phone"},
	    {2, "undeliverable", "not delivered to the phone"},
	    {4, NULL, "buffered at the SMSC"},
	    {8, "accepted", "accepted by the SMSC"},
	    {16, "failed", "rejected by the SMSC"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (types[i].type == type) {
			*status = types[i].status;
			*note = types[i].note;
			return 0;
		}
	}
	return -1;
}

/* A whole decimal number in field name, or -1. */
static long long number(const struct form *f, const char *name)
{
	size_t len;
	const char *v = form_get(f, name, &len);
	if (!v || len == 0 || len > 18 || strspn(v, "0123456789") != len)
		return -1;
	return strtoll(v, NULL, 10);
}

struct report {
	long long id;
	const char *status;
	char note[200]; /* ours, and the SMSC's answer (%A) as far as it fits */
	const char *smsc_id;
	int found;
};

static int write_report(struct daemon *d, struct report *r)
{
	struct store *s = d->store;
	int64_t now = (int64_t)ev_now(d->loop);
	batch_flush(&d->batch); /* the report's own transaction */
	if (store_begin(s) < 0)
		return STORE_ERROR;
	r->found = store_outbox_report(s, r->id, r->status, r->note, r->smsc_id, now);
	if (r->found < 0 || store_commit(s) < 0) {
		store_rollback(s);
		return STORE_ERROR;
	}
	return 0;
}

static void ignore(struct http_exchange *ex, const char *reason)
{
	log_msg(LOG_LEVEL_WARN, "dlr_ignored", "reason=%s", reason);
	http_log_field(ex, "reason=%s", reason);
	http_reply_text(ex, 200, "ignored\n");
}

void dlr_kannel(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct form f;
	if (channel_read_fields(&f, ex) < 0) {
		ignore(ex, "too_many_fields");
		return;
	}
	struct report r = {.id = number(&f, "id")};
	long long type = number(&f, "status");
	size_t mark_len, answer_len = 0, smsc_len = 0;
	const char *mark = form_get(&f, "mark", &mark_len);
	const char *answer = form_get(&f, "answer", &answer_len);
	const char *smsc_id = form_get(&f, "smsc_id", &smsc_len);
	const char *note;
	if (!outbox_mark_ok(d->outbox, r.id, mark, mark_len)) {
		ignore(ex, "not_ours");
		return;
	}
	if (dlr_status(type, &r.status, &note) < 0) {
		ignore(ex, "bad_status");
		return;
	}
	/* the SMSC's own words, printable bytes only, after ours */
	size_t used = (size_t)snprintf(r.note, sizeof r.note, "%s", note);
	if (answer && answer_len) {
		r.note[used++] = ':';
		r.note[used++] = ' ';
		for (size_t i = 0; i < answer_len && used < sizeof r.note - 1; i++)
			if ((unsigned char)answer[i] >= ' ' && (unsigned char)answer[i] < 0x7f)
				r.note[used++] = answer[i];
		r.note[used] = '\0';
	}
	r.smsc_id = smsc_id && smsc_len && strspn(smsc_id, "0123456789abcdefABCDEF-") == smsc_len
			? smsc_id
			: NULL;
	http_log_field(ex, "id=%lld type=%lld", r.id, type);
	if (write_report(d, &r) < 0) {
		d->metrics.store_errors++;
		http_log_field(ex, "reason=store_error");
		http_reply_text(ex, 503, "temporarily unavailable\n");
		return;
	}
	if (!r.found) {
		ignore(ex, "unknown_id");
		return;
	}
	http_reply_text(ex, 200, "ok\n");
}
