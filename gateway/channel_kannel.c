/* channel_kannel — the Kannel adapter (channel.h): smsbox's get-url, form
 * POST or post-url to /kannel/mo carries an SMS, or a USSD step over SMPP
 * when its meta-data holds ussd_service_op. The reply is the SMS back, or
 * the USSD page with the meta-data that tells Kannel to continue or end. */
#include "channel.h"

#include <string.h>

#include "batch.h"
#include "kannel.h"
#include "log.h"
#include "outbox.h"
#include "ussd.h"

_Static_assert(sizeof(struct kannel_wire) <= BATCH_WIRE_MAX, "raise BATCH_WIRE_MAX");

int channel_kannel_answer(struct daemon *d, const struct kannel_wire *wire,
			  const struct inbound_outcome *out, bool box, struct kannel_answer *a)
{
	*a = (struct kannel_answer){.send = !wire->abort};
	if (!wire->ussd.present || wire->abort)
		return 0;
	int op = (int)(out->waiting ? d->cfg->smpp_op_continue : d->cfg->smpp_op_end);
	if (kannel_meta_reply(&wire->ussd, op, a->meta_buf, sizeof a->meta_buf) < 0)
		return -1;
	a->meta = a->meta_buf;
	/* a confirmation's last page: if the network does not deliver it,
	 * Kannel says so (undeliverable or rejected) and it goes by SMS */
	int n = !out->confirm_id ? -1
		: box            ? outbox_dlr_query(d->outbox, OUTBOX_REPORT_REPLY, out->confirm_id,
						    a->dlr_buf, sizeof a->dlr_buf)
		      : outbox_dlr_url(d->outbox, OUTBOX_REPORT_REPLY, out->confirm_id, a->dlr_buf,
				       sizeof a->dlr_buf);
	if (n > 0) {
		a->dlr_url = a->dlr_buf;
		a->dlr_mask = 18;
	}
	return 0;
}

static void answer(struct daemon *d, void *ex, const void *wire_bytes, int rc,
		   const struct inbound_outcome *out)
{
	if (!channel_settled(d, ex, rc, out))
		return; /* Kannel will try again */
	struct kannel_answer a;
	if (channel_kannel_answer(d, wire_bytes, out, false, &a) < 0) {
		http_log_field(ex, "reason=meta_too_long");
		http_reply_text(ex, 500, "cannot write the USSD meta-data\n");
		return;
	}
	if (!a.send) {
		http_reply(ex, 200, "text/plain; charset=UTF-8", "", 0, NULL, 0);
		return;
	}
	/* Kannel sends anything but GSM 7-bit intact only when told UCS-2 and
	 * given the charset (FIELD-NOTES: "Replies in Cyrillic"). */
	struct http_header headers[4] = {{"X-Kannel-Coding", "2"}};
	size_t header_count = out->ucs2 ? 1 : 0;
	char mask[16];
	if (a.meta)
		headers[header_count++] = (struct http_header){"X-Kannel-Meta-Data", a.meta};
	if (a.dlr_url) {
		snprintf(mask, sizeof mask, "%d", a.dlr_mask);
		headers[header_count++] = (struct http_header){"X-Kannel-DLR-Mask", mask};
		headers[header_count++] = (struct http_header){"X-Kannel-DLR-Url", a.dlr_url};
	}
	http_reply(ex, 200, "text/plain; charset=UTF-8", out->text.data ? out->text.data : "",
		   out->text.len, headers, header_count);
}

/* The USSD fields of an SMPP step: ussd_service_op says whether the person
 * dialled (a new session; the text is the code) or answered; anything
 * else (an abort) ends the session. */
static void add_ussd(const struct cfg *cfg, const struct kannel_mo *mo, const struct kannel_ussd *u,
		     struct inbound *in, char session[8], struct kannel_wire *wire)
{
	in->channel = "ussd-smpp";
	snprintf(session, 8, "smpp");
	if (u->has_session)
		snprintf(session, 8, "%u", u->session_info[0]);
	in->session_id = session;
	in->begin = u->op == (int)cfg->smpp_op_begin;
	in->abort = !in->begin && u->op != (int)cfg->smpp_op_answer;
	/* the dialled string, or where the SMSC put it (destination) */
	bool dialled = ussd_is_code(in->text, in->len);
	in->service_code = dialled ? in->text : mo->to;
	in->peer = in->service_code;
	wire->abort = in->abort;
}

int channel_kannel_inbound(const struct cfg *cfg, const struct kannel_mo *mo, struct inbound *in,
			   char *utf8, char session[8], struct kannel_wire *wire)
{
	memset(wire, 0, sizeof *wire);
	if (kannel_meta_ussd(mo->meta, &wire->ussd) < 0)
		return -1;
	long utf8_len = kannel_mo_text_utf8(mo, utf8, KANNEL_UTF8_SIZE);
	*in = (struct inbound){
	    .channel = "sms",
	    .msisdn = mo->from,
	    .peer = mo->to[0] ? mo->to : NULL,
	    .network_id = mo->id,
	    .text = utf8_len >= 0 ? utf8 : mo->text,
	    .len = utf8_len >= 0 ? (size_t)utf8_len : mo->text_len,
	    .text_is_utf8 = utf8_len >= 0,
	    .coding = (int)mo->coding,
	    .smsc = mo->smsc,
	    .meta = mo->meta,
	    .sent_at = mo->ts,
	};
	if (wire->ussd.present)
		add_ussd(cfg, mo, &wire->ussd, in, session, wire);
	return 0;
}

void channel_kannel_mo(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	const struct cfg *cfg = d->cfg;
	struct form fields;
	struct kannel_mo mo;
	const char *error = "too many fields";
	int parsed =
	    channel_read_fields(&fields, ex) < 0 ? -1 : kannel_mo_parse(&mo, &fields, &error);
	if (parsed == KANNEL_TOO_LONG && kannel_key_ok(cfg, mo.key, mo.key_len)) {
		/* Kannel logs the refusal and retries; the id finds it here */
		http_log_field(ex, "reason=text_too_long id=%s bytes=%zu", mo.id ? mo.id : "-",
			       mo.text_len);
		http_reply_text(ex, 413, "text too long\n");
		return;
	}
	if (parsed < 0) {
		http_log_field(ex, "reason=\"%s\"", error);
		char body[64];
		snprintf(body, sizeof body, "%s\n", error);
		http_reply_text(ex, 400, body);
		return;
	}
	/* The key is checked after parsing so that a bad request and a bad key
	 * are told apart in the log, never the other way round in the reply. */
	if (!kannel_key_ok(cfg, mo.key, mo.key_len)) {
		http_log_field(ex, "reason=bad_key");
		http_reply_text(ex, 403, "forbidden\n");
		return;
	}
	/* the sender is logged once the pipeline knows whether a flow hides
	 * them (channel_settled) */
	http_log_field(ex, "id=%s coding=%d bytes=%zu", mo.id ? mo.id : "-", (int)mo.coding,
		       mo.text_len);
	struct kannel_wire wire;
	char utf8[KANNEL_UTF8_SIZE], session[8];
	struct inbound in;
	if (channel_kannel_inbound(cfg, &mo, &in, utf8, session, &wire) < 0) {
		http_log_field(ex, "reason=bad_ussd_meta");
		http_reply_text(ex, 400, "bad USSD meta-data\n");
		return;
	}
	if (in.abort)
		http_log_field(ex, "ussd_op=%d reason=session_over", wire.ussd.op);
	if (batch_apply(&d->batch, &in, ex, answer, &wire, sizeof wire))
		http_suspend(ex);
}
