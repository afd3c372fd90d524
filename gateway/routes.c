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
#include "ussd_step.h"

#define METRICS_TEXT_MAX (64 * 1024)

static void health(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	bool db_ok = store_ping(d->store) == 0;
	char body[256];
	/* in_flight counts this request too */
	int n = snprintf(body, sizeof body,
			 "{\"status\":\"%s\",\"version\":\"%s\",\"uptime\":%.0f,"
			 "\"database\":\"%s\",\"in_flight\":%u}\n",
			 db_ok ? "ok" : "degraded", PACKAGE_VERSION, ev_now(d->loop) - d->started,
			 db_ok ? "ok" : "error", http_active_requests(d->http));
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
	if (rc == 0 && reply->secret_input)
		rc = store_message_redact(d->store, input.message_id);
	if (rc == 0) {
		out.in_reply_to = input.message_id;
		out.text = reply->text.data;
		out.text_len = reply->text.len;
		out.coding = reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT;
		rc = store_add_message(d->store, &out, NULL);
	}
	return daemon_commit(d, rc);
}

/* Nothing of the request was stored, so nothing is acknowledged: the
 * sender (Kannel, an aggregator) may try again. */
static void unavailable(struct daemon *d, struct http_exchange *ex)
{
	d->metrics.store_errors++;
	log_msg(LOG_LEVEL_ERROR, "store_write", "error=\"%s\"", store_errmsg(d->store));
	http_log_field(ex, "reason=store_error");
	http_reply_text(ex, 503, "temporarily unavailable\n");
}

/* What a message is answered with: the reply just made and committed, or,
 * for a message stored before (the sender asked again because our answer
 * was lost or late), the reply stored then; nothing is written twice. */
struct answer {
	const char *text;
	size_t len;
	bool ucs2;
	bool waiting; /* USSD: the session goes on */
};

/* Settles the outcome rc of storing message id: true with *a to send,
 * false once a 503 has been sent (nothing was stored). earlier holds a
 * repeated message's stored reply. */
static bool settle(struct daemon *d, struct http_exchange *ex, int rc, const char *id,
		   const struct converse_reply *reply, struct store_reply *earlier,
		   struct answer *a)
{
	if (rc == 0) {
		d->metrics.inbound++;
		http_log_field(ex, "key=%s", reply->key ? reply->key : "-");
		*a = (struct answer){reply->text.data ? reply->text.data : "", reply->text.len,
				     reply->ucs2, reply->waiting};
		return true;
	}
	if (rc == STORE_DUPLICATE && id && store_find_reply(d->store, id, earlier) == 1) {
		d->metrics.inbound_repeats++;
		http_log_field(ex, "repeat=1");
		*a = (struct answer){earlier->text, earlier->len,
				     earlier->coding == KANNEL_CODING_UCS2,
				     strcmp(earlier->meta, "CON") == 0};
		return true;
	}
	unavailable(d, ex);
	return false;
}

/* An aggregator's page: "CON " (the session goes on) or "END ", then the
 * text. */
static void reply_ussd_at(struct daemon *d, struct http_exchange *ex, const char *kind,
			  const char *text, size_t len)
{
	char body[CONVERSE_REPLY_MAX + 8];
	int n = snprintf(body, sizeof body, "%s %.*s", kind, (int)len, text ? text : "");
	http_reply(ex, 200, "text/plain; charset=UTF-8", body,
		   n < (int)sizeof body ? (size_t)n : sizeof body - 1, NULL, 0);
	d->metrics.replies++;
}

/* A USSD step through Kannel over SMPP: ussd_service_op says whether the
 * person dialled (a new session; the text is the code) or answered, and
 * the reply tells Kannel, in meta-data, to continue or end the session. */
static void kannel_ussd(struct daemon *d, struct http_exchange *ex, const struct kannel_mo *mo,
			const struct kannel_ussd *ussd)
{
	const struct cfg *cfg = d->cfg;
	char utf8[KANNEL_TEXT_MAX * 2 + 4], session[8] = "smpp", meta[96];
	long len = kannel_mo_text_utf8(mo, utf8, sizeof utf8);
	bool begin = ussd->op == (int)cfg->smpp_op_begin;
	if (!begin && ussd->op != (int)cfg->smpp_op_answer) {
		/* An abort, or an operation we do not serve: the session is over.
		 * The MO is stored like any other before the (empty) answer. */
		struct store_message in = {.kannel_id = mo->id,
					   .channel = "ussd-smpp",
					   .msisdn = mo->from,
					   .peer = mo->to,
					   .text = "",
					   .text_is_utf8 = true,
					   .status = "aborted",
					   .created_at = (int64_t)ev_now(d->loop)};
		int rc = store_begin(d->store);
		if (rc == 0)
			rc = store_add_message(d->store, &in, NULL);
		if (rc == 0)
			rc = store_session_delete(d->store, mo->from, "ussd-smpp");
		rc = daemon_commit(d, rc);
		http_log_field(ex, "ussd_op=%d reason=session_over", ussd->op);
		if (rc < 0 && rc != STORE_DUPLICATE)
			unavailable(d, ex);
		else
			http_reply(ex, 200, "text/plain; charset=UTF-8", "", 0, NULL, 0);
		return;
	}
	if (ussd->has_session)
		snprintf(session, sizeof session, "%u", ussd->session_info[0]);
	struct ussd_step step = {
	    .channel = "ussd-smpp",
	    .msisdn = mo->from,
	    .session_id = session,
	    /* the dialled string, or where the SMSC put it (destination) */
	    .service_code = len > 0 && (utf8[0] == '*' || utf8[0] == '#') ? utf8 : mo->to,
	    .text = len > 0 ? utf8 : "",
	    .len = len > 0 ? (size_t)len : 0,
	    .begin = begin,
	    .message_id = mo->id,
	};
	struct converse_reply reply = {0};
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	struct store_reply earlier;
	struct answer a;
	if (!settle(d, ex, ussd_step_run(d, &step, &reply), mo->id, &reply, &earlier, &a)) {
		/* answered 503 */
	} else if (kannel_meta_reply(ussd,
				     (int)(a.waiting ? cfg->smpp_op_continue : cfg->smpp_op_end),
				     meta, sizeof meta) < 0) {
		unavailable(d, ex);
	} else {
		struct http_header headers[] = {{"X-Kannel-Meta-Data", meta},
						{"X-Kannel-Coding", "2"}};
		http_reply(ex, 200, "text/plain; charset=UTF-8", a.text, a.len, headers,
			   a.ucs2 ? 2 : 1);
		d->metrics.replies++;
	}
	buf_cleanup(&reply.text);
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

	struct kannel_ussd ussd;
	if (kannel_meta_ussd(mo.meta, &ussd) < 0) {
		http_log_field(ex, "reason=bad_ussd_meta");
		http_reply_text(ex, 400, "bad USSD meta-data\n");
		return;
	}
	if (ussd.present) {
		kannel_ussd(d, ex, &mo, &ussd);
		return;
	}
	struct converse_reply reply = {0};
	struct store_reply earlier;
	struct answer a;
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	/* Inserting first spares the usual case a lookup for a repeat. */
	if (settle(d, ex, handle_mo(d, &mo, &reply), mo.id, &reply, &earlier, &a))
		reply_message(d, ex, a.text, a.len, a.ucs2); /* else Kannel will try again */
	buf_cleanup(&reply.text);
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
	char id[USSD_ID_SIZE];
	ussd_at_message_id(&req, id);
	struct ussd_step step = {
	    .channel = "ussd-at",
	    .msisdn = msisdn,
	    .session_id = req.session_id,
	    .service_code = req.service_code,
	    .text = req.text,
	    .len = req.text_len,
	    .history = true,
	    .message_id = id,
	};
	struct converse_reply reply = {0};
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	struct store_reply earlier;
	struct answer a;
	if (settle(d, ex, ussd_step_run(d, &step, &reply), id, &reply, &earlier, &a))
		reply_ussd_at(d, ex, a.waiting ? "CON" : "END", a.text, a.len);
	buf_cleanup(&reply.text);
}

const struct http_route routes[] = {
    {"/health", HTTP_GET | HTTP_HEAD, health},
    {"/metrics", HTTP_GET, metrics},
    {"/kannel/mo", HTTP_GET | HTTP_POST, kannel_mo},
    {"/ussd/at", HTTP_POST, ussd_at},
};
const size_t routes_count = sizeof routes / sizeof routes[0];
