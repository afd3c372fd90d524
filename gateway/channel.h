/*
 * channel — what the channel adapters share. An adapter (channel_kannel.c:
 * SMS and USSD over SMPP through Kannel; channel_ussd_at.c: a USSD
 * aggregator) checks who is calling, parses its request into a struct
 * inbound, hands it to the batch (batch.h: the pipeline, group commit), and
 * formats the outcome for its wire once the batch has committed. It
 * decides nothing a flow or the pipeline decides.
 *
 * Loop thread only.
 */
#ifndef CHABAR_CHANNEL_H
#define CHABAR_CHANNEL_H

#include <stdbool.h>

#include "daemon.h"
#include "form.h"
#include "http.h"
#include "inbound.h"

/* The route handlers (routes.c lists them); ctx is the struct daemon. */
void channel_kannel_mo(void *ctx, struct http_exchange *ex);
void channel_ussd_at(void *ctx, struct http_exchange *ex);

/* The request's fields: the query string, then a form body, or a raw body
 * as Kannel's post-url sends it (its X-Kannel-* headers as fields). 0 or
 * -1 (too many fields, no memory). */
int channel_read_fields(struct form *f, struct http_exchange *ex);

/* Settles a message's outcome: true if it is to be answered with out (its
 * key or repeat logged and counted), false once a 503 has gone out
 * (nothing of it was kept: the sender may try again). */
bool channel_settled(struct daemon *d, struct http_exchange *ex, int rc,
		     const struct inbound_outcome *out);

#endif
