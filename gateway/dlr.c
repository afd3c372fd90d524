/* dlr — see dlr.h. */
#include "dlr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "clock.h"
#include "fallback.h"
#include "log.h"

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

const char *dlr_parse(const struct form *f, struct dlr_report *out)
{
	memset(out, 0, sizeof *out);
	long long row = number(f, "id"), msg = number(f, "msg");
	if ((row > 0) == (msg > 0))
		return "no_id"; /* neither, or both: not a URL we gave */
	out->of = row > 0 ? OUTBOX_REPORT_ROW : OUTBOX_REPORT_REPLY;
	out->id = row > 0 ? row : msg;
	out->mark = form_get(f, "mark", &out->mark_len);
	if (!(out->type = dlr_type(number(f, "status"))))
		return "bad_status";
	/* the SMSC's own words, printable bytes only, after ours */
	size_t answer_len = 0,
	       used = (size_t)snprintf(out->note, sizeof out->note, "%s", out->type->note);
	const char *answer = form_get(f, "answer", &answer_len);
	if (answer && answer_len) {
		out->note[used++] = ':';
		out->note[used++] = ' ';
		for (size_t i = 0; i < answer_len && used < sizeof out->note - 1; i++)
			if ((unsigned char)answer[i] >= ' ' && (unsigned char)answer[i] < 0x7f)
				out->note[used++] = answer[i];
		out->note[used] = '\0';
	}
	size_t smsc_len = 0;
	const char *smsc_id = form_get(f, "smsc_id", &smsc_len);
	if (smsc_id && smsc_len < sizeof out->smsc_id &&
	    strspn(smsc_id, "0123456789abcdefABCDEF-") == smsc_len)
		memcpy(out->smsc_id, smsc_id, smsc_len + 1);
	return NULL;
}

int dlr_write(struct daemon *d, const void *arg, struct inbound_outcome *out)
{
	const struct dlr_report *r = arg;
	int64_t now = (int64_t)clock_now(d->loop);
	int found = 1;
	if (r->of == OUTBOX_REPORT_ROW)
		found = store_outbox_report(d->store, r->id, r->type->status, r->note,
					    r->smsc_id[0] ? r->smsc_id : NULL, now);
	else if (r->type->type == 2 || r->type->type == 16)
		found = fallback_reply_failed(d->store, r->id, now) < 0 ? STORE_ERROR : 1;
	out->key = found == 0 ? "unknown_id" : NULL;
	return found < 0 ? STORE_ERROR : 0;
}

/* What a report's answer needs after the commit (batch.h: the wire). */
struct dlr_wire {
	enum metrics_dlr metric;
};

void dlr_ignored(struct daemon *d, const char *reason)
{
	d->metrics.dlr[METRICS_DLR_IGNORED]++;
	log_msg(LOG_LEVEL_WARN, "dlr_ignored", "reason=%s", reason);
}

static void ignore(struct daemon *d, struct http_exchange *ex, const char *reason)
{
	dlr_ignored(d, reason);
	http_log_field(ex, "reason=%s", reason);
	http_reply_text(ex, 200, "ignored\n");
}

static void answer(struct daemon *d, void *ex, const void *wire_bytes, int rc,
		   const struct inbound_outcome *out)
{
	const struct dlr_wire *wire = wire_bytes;
	if (rc < 0) {
		d->metrics.store_errors++;
		http_log_field(ex, "reason=store_error");
		http_reply_text(ex, 503, "temporarily unavailable\n");
	} else if (out->key) {
		ignore(d, ex, out->key);
	} else {
		d->metrics.dlr[wire->metric]++;
		http_reply_text(ex, 200, "ok\n");
	}
}

const char *dlr_read(struct daemon *d, const struct form *f, struct dlr_report *out)
{
	const char *refused = dlr_parse(f, out);
	if (!refused && !outbox_mark_ok(d->outbox, out->of, out->id, out->mark, out->mark_len))
		refused = "not_ours";
	out->mark = NULL; /* checked: the report outlives the form (batch_write) */
	out->mark_len = 0;
	return refused;
}

void dlr_kannel(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct form f;
	struct dlr_report r;
	const char *refused =
	    channel_read_fields(&f, ex) < 0 ? "too_many_fields" : dlr_read(d, &f, &r);
	if (refused) {
		ignore(d, ex, refused);
		return;
	}
	http_log_field(ex, "%s=%lld type=%ld", r.of == OUTBOX_REPORT_ROW ? "id" : "msg",
		       (long long)r.id, r.type->type);
	struct dlr_wire wire = {r.type->metric};
	if (batch_write(&d->batch, dlr_write, &r, sizeof r, ex, answer, &wire, sizeof wire))
		http_suspend(ex);
}
