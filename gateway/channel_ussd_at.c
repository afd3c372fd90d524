/* channel_ussd_at — the USSD aggregator adapter (channel.h), in the
 * Africa's Talking convention: a form POST to /ussd/at with sessionId,
 * serviceCode, phoneNumber and text (every input so far, joined by '*'),
 * answered "CON text" (the session goes on) or "END text". */
#include "channel.h"

#include <string.h>

#include "batch.h"
#include "log.h"
#include "msisdn.h"
#include "ussd.h"

static void answer(struct daemon *d, void *ex, const void *wire, int rc,
		   const struct inbound_outcome *out)
{
	if (!channel_settled(d, ex, rc, out))
		return; /* the aggregator may try again */
	char body[CONVERSE_REPLY_MAX + 8];
	int n = snprintf(body, sizeof body, "%s %.*s", out->waiting ? "CON" : "END",
			 (int)out->text.len, out->text.data ? out->text.data : "");
	http_reply(ex, 200, "text/plain; charset=UTF-8", body,
		   n < (int)sizeof body ? (size_t)n : sizeof body - 1, NULL, 0);
}

void channel_ussd_at(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct form fields;
	struct ussd_at_request req;
	const char *error = "too many fields";
	char msisdn[MSISDN_SIZE];
	bool parsed = channel_read_fields(&fields, ex) == 0;
	size_t key_len;
	const char *key = parsed ? form_get(&fields, "key", &key_len) : NULL;
	if (parsed && !cfg_secret_ok(d->cfg->ussd_key_hash, key, key ? key_len : 0)) {
		http_log_field(ex, "reason=bad_key");
		http_reply_text(ex, 403, "forbidden\n");
		return;
	}
	if (parsed && ussd_at_parse(&fields, &req, &error) == 0 &&
	    msisdn_normalize(req.phone, strlen(req.phone), msisdn) < 0)
		error = "bad phoneNumber";
	if (error) {
		char text[64];
		snprintf(text, sizeof text, "%s\n", error);
		http_log_field(ex, "reason=\"%s\"", error);
		http_reply_text(ex, 400, text);
		return;
	}
	/* the sender is logged once the pipeline knows whether a flow hides
	 * them (channel_settled) */
	http_log_field(ex, "code=%s bytes=%zu", req.service_code, req.text_len);
	/* the aggregator sends no id of its own: a retry repeats the session
	 * and the text, so their keyed hash is the message's id */
	char id[USSD_ID_SIZE];
	ussd_at_message_id(d->cfg->keys.message_id, &req, id);
	struct inbound in = {
	    .channel = "ussd-at",
	    .msisdn = msisdn,
	    .peer = req.service_code,
	    .network_id = id,
	    .text = req.text,
	    .len = req.text_len,
	    .session_id = req.session_id,
	    .service_code = req.service_code,
	    .history = true,
	};
	if (batch_apply(&d->batch, &in, ex, answer, NULL, 0))
		http_suspend(ex);
}
