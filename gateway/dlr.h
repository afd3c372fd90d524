/*
 * dlr — Kannel's delivery reports on what the outbox sent (outbox.h): the
 * route /kannel/dlr, called at the dlr-url each request carried. Its id
 * and keyed mark name the outbox row; a report with a wrong mark, an
 * unknown id or a type outside Kannel's mask is answered 200 (Kannel
 * would only try again), logged and ignored. The row is written, and
 * committed, before the answer.
 *
 * Loop thread only.
 */
#ifndef CHABAR_DLR_H
#define CHABAR_DLR_H

#include "http.h"
#include "metrics.h"

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

/* The route handler; ctx is the struct daemon. */
void dlr_kannel(void *ctx, struct http_exchange *ex);

#endif
