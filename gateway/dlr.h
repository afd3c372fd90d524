/*
 * dlr — Kannel's delivery reports: the route /kannel/dlr, called at the
 * dlr-url a message carried (outbox_dlr_url). Its id and keyed mark name
 * what it is about: an outbox row (id=), whose status it records, or a
 * USSD reply ending on a confirmation (msg=), whose failure owes the
 * confirmation by SMS (fallback.h). A report with a wrong mark, an
 * unknown id or a type outside Kannel's mask is answered 200 (Kannel
 * would only try again), logged and ignored. Reports join the open batch
 * (batch.h): written, and committed with the messages of the same loop
 * turn, before their answer.
 *
 * Loop thread only; dlr_parse() is pure.
 */
#ifndef CHABAR_DLR_H
#define CHABAR_DLR_H

#include <stdint.h>

#include "form.h"
#include "inbound.h"
#include "http.h"
#include "metrics.h"
#include "outbox.h"

/* What one of Kannel's report types (a dlr-mask bit) means for the row. */
struct dlr_type {
	long type;
	const char *status; /* the outbox status, NULL: unchanged */
	const char *note;
	enum metrics_dlr metric;
};

/* 1 delivered, 2 undeliverable, 4 buffered at the SMSC (status unchanged),
 * 8 accepted by the SMSC, 16 rejected by it (failed); NULL for any other. */
const struct dlr_type *dlr_type(long type);

/* A report as its fields say it. */
struct dlr_report {
	enum outbox_report_of of;
	int64_t id;
	const char *mark; /* into the form; NULL once dlr_read checked it */
	size_t mark_len;
	const struct dlr_type *type;
	char note[200];   /* ours, then the SMSC's answer (%A), printable */
	char smsc_id[72]; /* the SMSC's message id (%F), or "" */
};

/* Reads a report from its fields: NULL, or why it is none (for the log:
 * "no_id", "bad_status"). Its mark is not checked here. */
const char *dlr_parse(const struct form *f, struct dlr_report *out);

/* Reads a report from its fields and checks its mark: NULL, or why it is
 * ignored ("not_ours" and dlr_parse()'s reasons). */
const char *dlr_read(struct daemon *d, const struct form *f, struct dlr_report *out);

/* A report that is ignored: counted and logged with why. */
void dlr_ignored(struct daemon *d, const char *reason);

/* A report written inside the open batch (batch_write_fn; request is a
 * struct dlr_report): the row's new status, or for a reply the network
 * did not deliver, its confirmation queued by SMS. out->key is NULL, or
 * why nothing was changed ("unknown_id"). */
int dlr_write(struct daemon *d, const void *report, struct inbound_outcome *out);

/* The route handler; ctx is the struct daemon. */
void dlr_kannel(void *ctx, struct http_exchange *ex);

#endif
