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
#include "kannel.h"

/* The route handlers (routes.c lists them); ctx is the struct daemon. */
void channel_kannel_mo(void *ctx, struct http_exchange *ex);
void channel_ussd_at(void *ctx, struct http_exchange *ex);

/* What the answer to a Kannel message needs after the commit (batch.h:
 * the wire): whether it is a USSD step over SMPP. */
struct kannel_wire {
	struct kannel_ussd ussd; /* present: a USSD step over SMPP */
	bool abort;              /* the network ended the session */
};

/* Room for a Kannel MO's text as UTF-8: UCS-2 grows by at most 3/2. */
#define KANNEL_UTF8_SIZE (KANNEL_TEXT_MAX / 2 * 3 + 4)

/* A Kannel MO, whether smsbox or bearerbox (box.h) brought it, as the
 * pipeline's message: an SMS, or a USSD step over SMPP when its meta-data
 * holds ussd_service_op. Its text goes into utf8 (KANNEL_UTF8_SIZE bytes)
 * when it is Unicode text; in points into mo, utf8 and session. 0, or -1
 * if the USSD meta-data is malformed. */
int channel_kannel_inbound(const struct cfg *cfg, const struct kannel_mo *mo, struct inbound *in,
			   char *utf8, char session[8], struct kannel_wire *wire);

/* What the answer to a Kannel message carries besides its text. */
struct kannel_answer {
	bool send;           /* false: nothing goes back (the network ended the session) */
	const char *meta;    /* USSD over SMPP: the meta-data that continues or ends
			      * the session; NULL for an SMS */
	const char *dlr_url; /* a confirmation's last page: where Kannel reports its
			      * failure (fallback.h), with dlr_mask; NULL: no report */
	int dlr_mask;
	char meta_buf[96], dlr_buf[512];
};

/* The answer's meta-data and report for a committed message; the
 * dlr-url as the box carries it (outbox_dlr_query) if box, else as
 * smsbox takes it. 0, or -1 if the meta-data does not fit (it cannot be
 * answered). */
int channel_kannel_answer(struct daemon *d, const struct kannel_wire *wire,
			  const struct inbound_outcome *out, bool box, struct kannel_answer *a);

/* The request's fields: the query string, then a form body, or a raw body
 * as Kannel's post-url sends it (its X-Kannel-* headers as fields). 0 or
 * -1 (too many fields, no memory). */
int channel_read_fields(struct form *f, struct http_exchange *ex);

/* Counts a committed message: stored, or a repeat answered from the
 * store; and its reply. */
void channel_count(struct daemon *d, const struct inbound_outcome *out);

/* Settles a message's outcome: true if it is to be answered with out (its
 * key or repeat logged and counted), false once a 503 has gone out
 * (nothing of it was kept: the sender may try again). */
bool channel_settled(struct daemon *d, struct http_exchange *ex, int rc,
		     const struct inbound_outcome *out);

#endif
