/* routes — see routes.h. */
#include "config.h"

#include "routes.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "converse.h"
#include "daemon.h"
#include "form.h"
#include "kannel.h"
#include "log.h"
#include "msisdn.h"
#include "ussd.h"

#define METRICS_TEXT_MAX (64 * 1024)

static void health(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	bool db_ok = store_ping(d->store) == 0;
	char body[256];
	int n =
	    snprintf(body, sizeof body,
		     "{\"status\":\"%s\",\"version\":\"%s\",\"uptime\":%.0f,\"database\":\"%s\"}\n",
		     db_ok ? "ok" : "degraded", PACKAGE_VERSION, ev_now(d->loop) - d->started,
		     db_ok ? "ok" : "error");
	http_reply(ex, db_ok ? 200 : 503, "application/json", body, (size_t)n, NULL, 0);
}

static void metrics(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct buf out;
	buf_init(&out, METRICS_TEXT_MAX);
	int64_t sessions = store_count_open_sessions(d->store, (int64_t)ev_now(d->loop));
	if (metrics_render(&d->metrics, ev_now(d->loop) - d->started, sessions, &out) < 0)
		http_reply_text(ex, 500, "metrics too large\n");
	else
		http_reply(ex, 200, "text/plain; version=0.0.4", out.data, out.len, NULL, 0);
	buf_cleanup(&out);
}

/* post-url mode: the body is the text and Kannel's headers carry the rest.
 * Query fields (from the post-url itself) come first, so they win. */
static int add_post_url_fields(struct form *f, struct http_exchange *ex, char *body,
			       size_t body_len)
{
	static const struct {
		const char *header, *field;
	} kannel_headers[] = {
	    {"X-Kannel-From", "from"},     {"X-Kannel-To", "to"},   {"X-Kannel-SMSC", "smsc"},
	    {"X-Kannel-Coding", "coding"}, {"X-Kannel-Time", "ts"}, {"X-Kannel-Meta-Data", "meta"},
	};
	if (form_add(f, "text", body, body_len) < 0)
		return -1;
	for (size_t i = 0; i < sizeof kannel_headers / sizeof kannel_headers[0]; i++) {
		const char *v = http_header_value(ex, kannel_headers[i].header);
		if (v && form_add(f, kannel_headers[i].field, v, strlen(v)) < 0)
			return -1;
	}
	return 0;
}

/* Collects the request's fields: the query string, then a form body, or a
 * raw body as post-url sends it. */
static int read_fields(struct form *f, struct http_exchange *ex)
{
	size_t len;
	char *query = http_query(ex, &len);
	form_init(f);
	if (form_parse(f, query, len) < 0)
		return -1;
	if (http_method(ex) != HTTP_POST)
		return 0;
	char *body = http_body(ex, &len);
	if (!body)
		return -1;
	const char *type = http_header_value(ex, "Content-Type");
	static const char form_type[] = "application/x-www-form-urlencoded";
	if (type && strncasecmp(type, form_type, sizeof form_type - 1) == 0)
		return form_parse(f, body, len);
	return add_post_url_fields(f, ex, body, len);
}

static void reply_message(struct daemon *d, struct http_exchange *ex, const char *text, size_t len,
			  bool ucs2)
{
	/* Kannel sends anything but GSM 7-bit intact only when told UCS-2 and
	 * given the charset (FIELD-NOTES: "Replies in Cyrillic"). */
	static const struct http_header ucs2_header = {"X-Kannel-Coding", "2"};
	http_reply(ex, 200, "text/plain; charset=UTF-8", text, len, &ucs2_header, ucs2 ? 1 : 0);
	d->metrics.replies++;
}

/* Stores the MO, holds its conversation and stores the reply, all in one
 * transaction: 0 once committed, STORE_DUPLICATE if Kannel's id is stored
 * already, else STORE_ERROR (nothing of it is kept). */
static int handle_mo(struct daemon *d, const struct kannel_mo *mo, struct converse_reply *reply)
{
	char utf8[KANNEL_TEXT_MAX * 2 + 4]; /* UCS-2 grows by at most 3/2 */
	long utf8_len = kannel_mo_text_utf8(mo, utf8, sizeof utf8);
	int64_t now = (int64_t)ev_now(d->loop);
	struct store_message in = {
	    .kannel_id = mo->id,
	    .channel = "sms",
	    .msisdn = mo->from,
	    .peer = mo->to[0] ? mo->to : NULL,
	    .text = utf8_len >= 0 ? utf8 : mo->text,
	    .text_len = utf8_len >= 0 ? (size_t)utf8_len : mo->text_len,
	    .text_is_utf8 = utf8_len >= 0,
	    .coding = (int)mo->coding,
	    .smsc = mo->smsc,
	    .meta = mo->meta,
	    .sent_at = mo->ts,
	    .status = "received",
	    .created_at = now,
	};
	struct store_message out = {
	    .outbound = true,
	    .channel = "sms",
	    .msisdn = mo->from,
	    .peer = in.peer,
	    .text_is_utf8 = true,
	    .smsc = mo->smsc,
	    .status = "replied",
	    .created_at = now,
	};
	struct converse_ctx conversation = {d->store, d->cfg, d->flows, d->locales};
	struct converse_input input = {
	    .msisdn = mo->from,
	    .channel = "sms",
	    .text = utf8_len >= 0 ? utf8 : NULL, /* bytes that are not text match nothing */
	    .len = utf8_len >= 0 ? (size_t)utf8_len : 0,
	    .now = now,
	    .idle = d->cfg->session_idle,
	};
	int rc = store_begin(d->store);
	if (rc == 0)
		rc = store_add_message(d->store, &in, &input.message_id);
	if (rc == 0 && converse(&conversation, &input, reply) < 0)
		rc = STORE_ERROR;
	if (rc == 0) {
		out.in_reply_to = input.message_id;
		out.text = reply->text.data;
		out.text_len = reply->text.len;
		out.coding = reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT;
		rc = store_add_message(d->store, &out, NULL);
	}
	if (rc < 0) {
		store_rollback(d->store);
		return rc;
	}
	ev_tstamp began = ev_time();
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		return STORE_ERROR;
	}
	metrics_commit(&d->metrics, ev_time() - began);
	return 0;
}

static void kannel_mo(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	const struct cfg *cfg = d->cfg;
	const struct sockaddr *peer = http_peer(ex);
	if (!peer || !cfg_peer_allowed(cfg, peer)) {
		http_log_field(ex, "reason=peer_not_allowed");
		http_reply_text(ex, 403, "forbidden\n");
		return;
	}
	struct form fields;
	struct kannel_mo mo;
	const char *error = "too many fields";
	if (read_fields(&fields, ex) < 0 || kannel_mo_parse(&mo, &fields, &error) < 0) {
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
	char masked[LOG_MASK_SIZE];
	http_log_field(ex, "from=%s id=%s coding=%d bytes=%zu%s", log_mask_msisdn(mo.from, masked),
		       mo.id ? mo.id : "-", (int)mo.coding, mo.text_len,
		       mo.text_truncated ? " truncated=1" : "");
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_msg(LOG_LEVEL_DEBUG, "mo_text", "from=%s text=\"%.*s\"", mo.from,
			(int)(mo.text_len > 160 ? 160 : mo.text_len), mo.text);

	struct converse_reply reply = {0};
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	int stored = handle_mo(d, &mo, &reply);
	if (stored == 0) {
		d->metrics.inbound++;
		http_log_field(ex, "key=%s", reply.key ? reply.key : "-");
		reply_message(d, ex, reply.text.data, reply.text.len, reply.ucs2);
		buf_cleanup(&reply.text);
		return;
	}
	buf_cleanup(&reply.text);
	/* Kannel's id is stored already: smsbox asks again because our answer
	 * was lost or late. It gets the same reply; nothing is written twice.
	 * Inserting first spares the usual case a lookup. */
	struct store_reply earlier;
	if (stored == STORE_DUPLICATE && store_find_reply(d->store, mo.id, &earlier) == 1) {
		d->metrics.inbound_repeats++;
		http_log_field(ex, "repeat=1");
		reply_message(d, ex, earlier.text, earlier.len,
			      earlier.coding == KANNEL_CODING_UCS2);
		return;
	}
	/* Not stored, so not acknowledged: Kannel will try again. */
	d->metrics.store_errors++;
	log_msg(LOG_LEVEL_ERROR, "store_write", "error=\"%s\"", store_errmsg(d->store));
	http_log_field(ex, "reason=store_error");
	http_reply_text(ex, 503, "temporarily unavailable\n");
}

/* Where a USSD aggregator request stands against the stored session. */
static const char *ussd_state(struct daemon *d, const struct ussd_at_request *req,
			      const char *msisdn, int64_t now, const struct flow **start,
			      const char **input, size_t *input_len)
{
	static const char channel[] = "ussd-at";
	struct store_session stored;
	int found = store_session_get(d->store, msisdn, channel, &stored);
	if (found < 0)
		return "";
	bool same = found == 1 && strcmp(stored.ussd_session, req->session_id) == 0;
	if (found == 1 && !same && store_session_delete(d->store, msisdn, channel) < 0)
		return ""; /* a new network session replaces what was left */
	*start = NULL;
	if (!same) {
		*start = flow_find_ussd(d->flows, req->service_code);
		*input = req->text;
		*input_len = req->text_len;
		return *start ? NULL : "global.unavailable";
	}
	if (stored.expires_at < now || stored.started_at + d->cfg->ussd_total_timeout < now)
		return FLOW_KEY_EXPIRED;
	if (ussd_at_new_input(stored.ussd_text, req->text, req->text_len, input, input_len) < 0)
		return "global.ussd_lost";
	return NULL;
}

/* One aggregator request: the MO, the conversation and the reply ("CON " or
 * "END " and the text) in one transaction, as for SMS. */
static int handle_ussd(struct daemon *d, const struct ussd_at_request *req, const char *msisdn,
		       const char *id, struct converse_reply *reply, struct buf *body)
{
	int64_t now = (int64_t)ev_now(d->loop);
	struct converse_ctx conversation = {d->store, d->cfg, d->flows, d->locales};
	struct converse_input input = {
	    .msisdn = msisdn, .channel = "ussd-at", .now = now, .idle = d->cfg->ussd_step_timeout};
	int rc = store_begin(d->store);
	const char *notice =
	    rc == 0 ? ussd_state(d, req, msisdn, now, &input.start, &input.text, &input.len) : NULL;
	if (notice && !*notice)
		rc = STORE_ERROR;
	struct store_message in = {
	    .kannel_id = id,
	    .channel = "ussd-at",
	    .msisdn = msisdn,
	    .peer = req->service_code,
	    .text = notice ? req->text : input.text,
	    .text_len = notice ? req->text_len : input.len,
	    .text_is_utf8 = true,
	    .status = "received",
	    .created_at = now,
	};
	if (rc == 0)
		rc = store_add_message(d->store, &in, &input.message_id);
	if (rc == 0 && (notice ? converse_say(&conversation, &input, notice, reply)
			       : converse(&conversation, &input, reply)) < 0)
		rc = STORE_ERROR;
	if (rc == 0 && reply->waiting)
		rc = store_session_ussd(d->store, msisdn, "ussd-at", req->session_id, req->text);
	if (rc == 0) {
		buf_printf(body, "%s %s", reply->waiting ? "CON" : "END",
			   reply->text.data ? reply->text.data : "");
		struct store_message out = {
		    .outbound = true,
		    .channel = "ussd-at",
		    .msisdn = msisdn,
		    .peer = req->service_code,
		    .text = body->data,
		    .text_len = body->len,
		    .text_is_utf8 = true,
		    .coding = reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT,
		    .status = "replied",
		    .in_reply_to = input.message_id,
		    .created_at = now,
		};
		rc = store_add_message(d->store, &out, NULL);
	}
	if (rc < 0) {
		store_rollback(d->store);
		return rc;
	}
	ev_tstamp began = ev_time();
	if (store_commit(d->store) < 0) {
		store_rollback(d->store);
		return STORE_ERROR;
	}
	metrics_commit(&d->metrics, ev_time() - began);
	return 0;
}

static void ussd_at(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct form fields;
	struct ussd_at_request req;
	const char *missing = "too many fields";
	char msisdn[MSISDN_SIZE], text[64];
	if (!d->cfg->ussd_enabled) {
		http_reply_text(ex, 404, "USSD is not configured\n");
		return;
	}
	bool parsed = read_fields(&fields, ex) == 0;
	size_t key_len;
	const char *key = parsed ? form_get(&fields, "key", &key_len) : NULL;
	if (parsed && !cfg_secret_ok(d->cfg->ussd_key_hash, key, key ? key_len : 0)) {
		http_log_field(ex, "reason=bad_key");
		http_reply_text(ex, 403, "forbidden\n");
		return;
	}
	if (!parsed || ussd_at_parse(&fields, &req, &missing) < 0 ||
	    msisdn_normalize(req.phone, strlen(req.phone), msisdn) < 0) {
		snprintf(text, sizeof text, "%s%s\n", parsed && missing ? "missing " : "bad ",
			 parsed && missing ? missing : "phoneNumber");
		http_log_field(ex, "reason=\"%.*s\"", (int)strlen(text) - 1, text);
		http_reply_text(ex, 400, text);
		return;
	}
	char masked[LOG_MASK_SIZE];
	http_log_field(ex, "from=%s code=%s bytes=%zu", log_mask_msisdn(msisdn, masked),
		       req.service_code, req.text_len);
	struct converse_reply reply = {0};
	struct buf body;
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	buf_init(&body, CONVERSE_REPLY_MAX + 8);
	char id[USSD_ID_SIZE];
	ussd_at_message_id(&req, id);
	int rc = handle_ussd(d, &req, msisdn, id, &reply, &body);
	struct store_reply earlier;
	if (rc == 0) {
		d->metrics.inbound++;
		http_log_field(ex, "key=%s", reply.key ? reply.key : "-");
		http_reply(ex, 200, "text/plain; charset=UTF-8", body.data, body.len, NULL, 0);
	} else if (rc == STORE_DUPLICATE && store_find_reply(d->store, id, &earlier) == 1) {
		/* the aggregator asked again: the same answer, nothing applied twice */
		d->metrics.inbound_repeats++;
		http_log_field(ex, "repeat=1");
		http_reply(ex, 200, "text/plain; charset=UTF-8", earlier.text, earlier.len, NULL,
			   0);
	} else {
		d->metrics.store_errors++;
		log_msg(LOG_LEVEL_ERROR, "store_write", "error=\"%s\"", store_errmsg(d->store));
		http_reply_text(ex, 503, "temporarily unavailable\n");
	}
	buf_cleanup(&reply.text);
	buf_cleanup(&body);
}

const struct http_route routes[] = {
    {"/health", HTTP_GET | HTTP_HEAD, health},
    {"/metrics", HTTP_GET, metrics},
    {"/kannel/mo", HTTP_GET | HTTP_POST, kannel_mo},
    {"/ussd/at", HTTP_POST, ussd_at},
};
const size_t routes_count = sizeof routes / sizeof routes[0];
