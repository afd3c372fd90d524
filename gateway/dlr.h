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

/* Kannel's report types (dlr-mask bits) as outbox statuses: 1 delivered,
 * 2 undeliverable, 4 buffered at the SMSC (status unchanged), 8 accepted by
 * the SMSC, 16 rejected by it (failed). 0 with *status (NULL: unchanged)
 * and *note, -1 for any other type. */
int dlr_status(long type, const char **status, const char **note);

/* The route handler; ctx is the struct daemon. */
void dlr_kannel(void *ctx, struct http_exchange *ex);

#endif
