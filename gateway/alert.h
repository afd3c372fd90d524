/*
 * alert — an SMS to an officer about a person, and the promise that
 * someone hears it. An alert is a catalog text rendered in the officer's
 * language with the person's name (never a PIN), queued in the outbox
 * with its officer and its key. One that fails, or is not reported
 * delivered within [alerts] deliver_within, goes to the next active
 * officer of the person's district who has not had it (in that officer's
 * language), and so on until one is delivered; when no one is left, an
 * error says so. due.c calls alert_due() when the time comes.
 *
 * Stateless; runs inside the caller's transaction. Loop thread only.
 */
#ifndef CHABAR_ALERT_H
#define CHABAR_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "locale.h"
#include "store.h"

struct alert_ctx {
	struct store *store;
	const struct locales *locales;
	const struct cfg *cfg;
	int64_t now;
};

/* Queues the text key to officer about the person (person_id, name),
 * its other placeholders from text_vars (form-encoded, NULL: none; kept
 * with the row to say it again); chain_id: the first alert when this one
 * passes it on, else 0. 0, 1 if the text cannot be rendered (logged,
 * nothing queued), or STORE_ERROR. */
int alert_queue(const struct alert_ctx *a, const struct store_officer *officer, const char *key,
		int64_t person_id, const char *person_name, const char *text_vars,
		int64_t chain_id);

/* True if name is a catalog placeholder an alert may carry besides
 * {name}: only these are kept with it (never a PIN a flow holds). */
bool alert_placeholder(const char *name);

/* Passes on every alert whose time ran out or that failed: the number
 * passed on or given up, or STORE_ERROR. */
int alert_due(const struct alert_ctx *a);

/* When alert_due() next has something to do: 1 with *at, 0 if never, or
 * STORE_ERROR. */
int alert_next_due(const struct alert_ctx *a, int64_t *at);

#endif
