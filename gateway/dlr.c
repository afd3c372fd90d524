/* dlr — see dlr.h. */
#include "dlr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "log.h"
#include "outbox.h"

const struct dlr_type *dlr_type(long type)
{
	static const struct dlr_type types[] = {
	    {1, "delivered", "delivered to the phone", METRICS_DLR_DELIVERED},
	    {2, "undeliverable", "not delivered to the phone", METRICS_DLR_UNDELIVERABLE},
	    {4, NULL, "buffered at the SMSC", METRICS_DLR_BUFFERED},
	    {8, "accepted", "accepted by the SMSC", METRICS_DLR_SMSC_ACCEPTED},
	    {16, "failed", "rejected by the SMSC", METRICS_DLR_SMSC_REJECTED},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
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

static int write_report(void *ctx, void *arg)
{
	struct daemon *d = ctx;
	struct report *r = arg;
	r->found = store_outbox_report(d->store, r->id, r->status, r->note, r->smsc_id,
				       (int64_t)ev_now(d->loop));
	return r->found < 0 ? STORE_ERROR : 0;
}

static void ignore(struct daemon *d, struct http_exchange *ex, const char *reason)
{
	d->metrics.dlr[METRICS_DLR_IGNORED]++;
	log_msg(LOG_LEVEL_WARN, "dlr_ignored", "reason=%s", reason);
	http_log_field(ex, "reason=%s", reason);
	http_reply_text(ex, 200, "ignored\n");
}

void dlr_kannel(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct form f;
	if (channel_read_fields(&f, ex) < 0) {
		ignore(d, ex, "too_many_fields");
		return;
	}
	struct report r = {.id = number(&f, "id")};
	long long type = number(&f, "status");
	size_t mark_len, answer_len = 0, smsc_len = 0;
	const char *mark = form_get(&f, "mark", &mark_len);
	const char *answer = form_get(&f, "answer", &answer_len);
	const char *smsc_id = form_get(&f, "smsc_id", &smsc_len);
	if (!outbox_mark_ok(d->outbox, r.id, mark, mark_len)) {
		ignore(d, ex, "not_ours");
		return;
	}
	const struct dlr_type *t = dlr_type(type);
	if (!t) {
		ignore(d, ex, "bad_status");
		return;
	}
	r.status = t->status;
	/* the SMSC's own words, printable bytes only, after ours */
	size_t used = (size_t)snprintf(r.note, sizeof r.note, "%s", t->note);
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
	if (batch_own_transaction(&d->batch, "dlr_store", write_report, d, &r) < 0) {
		d->metrics.store_errors++;
		http_log_field(ex, "reason=store_error");
		http_reply_text(ex, 503, "temporarily unavailable\n");
		return;
	}
	if (!r.found) {
		ignore(d, ex, "unknown_id");
		return;
	}
	d->metrics.dlr[t->metric]++;
	http_reply_text(ex, 200, "ok\n");
}
