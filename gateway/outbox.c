/* outbox — see outbox.h. */
#include "outbox.h"

#include <curl/curl.h>
#include <ev.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "boxproto.h"
#include "buf.h"
#include "clock.h"
#include "daemon.h"
#include "kannel.h"
#include "log.h"
#include "msisdn.h"
#include "seal.h"

#define ANSWER_MAX        1024 /* of Kannel's sendsms answer, kept for the log and the row */
#define BACKOFF_FIRST     2.0
#define BACKOFF_MAX       300.0
#define DLR_MASK          31 /* delivered, undeliverable, buffered, SMSC accepted, rejected */
#define URL_MAX           8192
#define REPORT_ERROR_SIZE 160
#define RESUME_GRACE      20 /* seconds, longer than smsbox's retries of a report (3 x 2 s) */

struct outbox {
	struct daemon *d;
	struct cfg *cfg; /* the config it started with: [sendsms] takes a restart */
	CURLM *multi;
	ev_timer curl_timer; /* libcurl's own timeout */
	ev_timer due;        /* look for rows: now (a wake), at the next due, or for the rate */
	unsigned in_flight;
	struct send *sending;          /* the requests under way */
	struct store_outbox_row *rows; /* in_flight of them: those taken in one transaction */
	struct outcome *finished;      /* in_flight of them: requests ended, not yet recorded */
	unsigned finished_count;
	struct outbox_bucket rate; /* [sendsms] rate */
};

/* One request to sendsms. */
struct send {
	struct send *prev, *next; /* in the outbox's list of requests under way */
	CURL *easy;
	int64_t id;
	int attempts; /* with this one */
	int64_t created_at;
	struct buf answer;
	char error[CURL_ERROR_SIZE];
};

/* The name of what a report is about in its dlr-url. */
static const char *report_of_name(enum outbox_report_of of)
{
	return of == OUTBOX_REPORT_ROW ? "id" : "msg";
}

void outbox_dlr_mark(const unsigned char key[32], enum outbox_report_of of, int64_t id,
		     char out[OUTBOX_MARK_SIZE])
{
	unsigned char h[16];
	char text[32];
	int n = snprintf(text, sizeof text, "%s=%lld", report_of_name(of), (long long)id);
	crypto_generichash(h, sizeof h, (const unsigned char *)text, (size_t)n, key, 32);
	sodium_bin2hex(out, OUTBOX_MARK_SIZE, h, sizeof h);
}

bool outbox_mark_ok(const struct outbox *o, enum outbox_report_of of, int64_t id, const char *mark,
		    size_t len)
{
	char want[OUTBOX_MARK_SIZE];
	if (!o || id <= 0 || !mark || len != OUTBOX_MARK_SIZE - 1)
		return false;
	outbox_dlr_mark(o->cfg->keys.dlr, of, id, want);
	return sodium_memcmp(mark, want, OUTBOX_MARK_SIZE - 1) == 0;
}

int outbox_dlr_query(const struct outbox *o, enum outbox_report_of of, int64_t id, char *out,
		     size_t size)
{
	if (!o)
		return -1;
	char mark[OUTBOX_MARK_SIZE];
	outbox_dlr_mark(o->cfg->keys.dlr, of, id, mark);
	int n = snprintf(out, size, "%s=%lld&mark=%s", report_of_name(of), (long long)id, mark);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

int outbox_dlr_url(const struct outbox *o, enum outbox_report_of of, int64_t id, char *out,
		   size_t size)
{
	char query[128];
	if (outbox_dlr_query(o, of, id, query, sizeof query) < 0)
		return -1;
	/* Kannel fills in %d (the report's type), %F (the SMSC's message id)
	 * and %A (the SMSC's answer) */
	int n =
	    snprintf(out, size, "%s?%s&status=%%d&smsc_id=%%F&answer=%%A", o->cfg->dlr_url, query);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

double outbox_backoff(int attempt, double jitter)
{
	double wait = BACKOFF_FIRST;
	for (int i = 1; i < attempt && wait < BACKOFF_MAX; i++)
		wait *= 2;
	return (wait < BACKOFF_MAX ? wait : BACKOFF_MAX) * jitter;
}

int outbox_sendsms_answer(long http_status, const char *body)
{
	if ((http_status == 200 || http_status == 202) &&
	    (strncmp(body, "0:", 2) == 0 || strncmp(body, "3:", 2) == 0))
		return 1;
	if (http_status >= 400 && http_status < 500)
		return -1;
	return 0; /* a 5xx, no answer, or not Kannel's answer */
}

static void schedule(struct outbox *o, double after)
{
	ev_timer_stop(o->d->loop, &o->due);
	ev_timer_set(&o->due, after > 0 ? after : 0, 0.0);
	ev_timer_start(o->d->loop, &o->due);
}

void outbox_wake(struct outbox *o)
{
	if (o)
		schedule(o, 0);
}

/* A transaction of the outbox's own (batch.h). */
static int in_transaction(struct outbox *o, int (*fn)(void *o, void *arg), void *arg)
{
	return batch_own_transaction(&o->d->batch, "outbox_store", fn, o, arg);
}

static size_t on_answer(char *data, size_t size, size_t n, void *userp)
{
	struct send *send = userp;
	buf_append(&send->answer, data, size * n); /* past ANSWER_MAX it is cut: enough */
	return size * n;
}

/* Appends name=value, value URL-escaped. */
static int add_param(CURL *easy, struct buf *url, const char *name, const char *value, size_t len)
{
	char *escaped = curl_easy_escape(easy, value, (int)len);
	int rc = escaped ? buf_printf(url, "&%s=%s", name, escaped) : -1;
	curl_free(escaped);
	return rc;
}

static int build_url(struct outbox *o, CURL *easy, const struct store_outbox_row *row,
		     struct buf *url)
{
	const struct cfg *c = o->cfg;
	char dlr[512];
	int n = outbox_dlr_url(o, OUTBOX_REPORT_ROW, row->id, dlr, sizeof dlr);
	bool ucs2 = row->coding == KANNEL_CODING_UCS2;
	buf_printf(url, "%s?dlr-mask=%d", c->sendsms_url, DLR_MASK);
	int rc =
	    add_param(easy, url, "username", c->sendsms_user, strlen(c->sendsms_user)) |
	    add_param(easy, url, "password", c->sendsms_password, strlen(c->sendsms_password)) |
	    add_param(easy, url, "to", row->msisdn, strlen(row->msisdn)) |
	    add_param(easy, url, "text", row->text, row->text_len) |
	    add_param(easy, url, "dlr-url", dlr, n < 0 ? 0 : (size_t)n);
	if (*c->sendsms_from)
		rc |= add_param(easy, url, "from", c->sendsms_from, strlen(c->sendsms_from));
	if (*c->sendsms_smsc)
		rc |= add_param(easy, url, "smsc", c->sendsms_smsc, strlen(c->sendsms_smsc));
	if (ucs2) /* the text is UTF-8; Kannel sends it as UCS-2 (FIELD-NOTES) */
		rc |= buf_printf(url, "&coding=2&charset=UTF-8");
	return rc < 0 || url->overflowed || n < 0 ? -1 : 0;
}

/* The row as an MT through the box ([sendsms] via = box); its ack comes
 * back as outbox_box_answer(). */
static int start_box(struct outbox *o, const struct store_outbox_row *row)
{
	const struct cfg *c = o->cfg;
	char dlr[128];
	struct box_mt mt = {.to = row->msisdn,
			    .from = c->sendsms_from,
			    .smsc = *c->sendsms_smsc ? c->sendsms_smsc : NULL,
			    .text = row->text,
			    .len = row->text_len,
			    .ucs2 = row->coding == KANNEL_CODING_UCS2,
			    .dlr_url = dlr,
			    .dlr_mask = DLR_MASK};
	struct outbox_sent sent = {row->id, row->created_at, row->attempts + 1};
	if (outbox_dlr_query(o, OUTBOX_REPORT_ROW, row->id, dlr, sizeof dlr) < 0 ||
	    box_push(o->d->box, &mt, &sent) < 0)
		return -1;
	o->in_flight++;
	return 0;
}

static int start(struct outbox *o, const struct store_outbox_row *row)
{
	if (o->cfg->sendsms_via == CFG_VIA_BOX)
		return start_box(o, row);
	struct send *send = calloc(1, sizeof *send);
	CURL *easy = send ? curl_easy_init() : NULL;
	struct buf url;
	buf_init(&url, URL_MAX);
	if (!easy || build_url(o, easy, row, &url) < 0) {
		buf_cleanup(&url);
		if (easy)
			curl_easy_cleanup(easy);
		free(send);
		return -1;
	}
	*send = (struct send){.easy = easy,
			      .id = row->id,
			      .attempts = row->attempts + 1,
			      .created_at = row->created_at};
	buf_init(&send->answer, ANSWER_MAX);
	curl_easy_setopt(easy, CURLOPT_URL, url.data);
	buf_cleanup(&url); /* libcurl keeps its own copy */
	curl_easy_setopt(easy, CURLOPT_PRIVATE, send);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, send);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, send->error);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)o->cfg->sendsms_timeout);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	if (curl_multi_add_handle(o->multi, easy) != CURLM_OK) {
		curl_easy_cleanup(easy);
		buf_cleanup(&send->answer);
		free(send);
		return -1;
	}
	send->next = o->sending;
	if (o->sending)
		o->sending->prev = send;
	o->sending = send;
	o->in_flight++;
	return 0;
}

/* Ends a request: out of the list, its handle and memory freed. */
static void drop(struct outbox *o, struct send *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		o->sending = s->next;
	if (s->next)
		s->next->prev = s->prev;
	curl_multi_remove_handle(o->multi, s->easy);
	curl_easy_cleanup(s->easy);
	buf_cleanup(&s->answer);
	free(s);
	o->in_flight--;
}

double outbox_bucket_take(struct outbox_bucket *b, unsigned rate, double now)
{
	if (!rate)
		return 0;
	b->tokens += (now - b->at) * rate;
	if (b->tokens > rate)
		b->tokens = rate; /* a second's burst at most */
	b->at = now;
	if (b->tokens < 1)
		return (1 - b->tokens) / rate;
	b->tokens -= 1;
	return 0;
}

/* What became of a request, worked out when it finished. */
struct outcome {
	int64_t id, created_at;
	int attempts;
	int verdict;        /* outbox_sendsms_answer() */
	double retry_after; /* seconds before it is tried again, 0: the backoff's */
	char error[REPORT_ERROR_SIZE];
};

/* One transaction of the sender: what finished recorded (a row not
 * recorded stays sending, resumed at the next start), then the rows due
 * first marked sending, up to max. */
struct turn {
	unsigned max, count;
};

static int record(struct outbox *o, const struct outcome *r);

/* A hidden recipient's number, opened from its seal into the row, in
 * memory only: only the request carries it. 0 or -1. */
static int unseal(struct outbox *o, struct store_outbox_row *row)
{
	char number[MSISDN_SIZE];
	int rc = seal_open(o->cfg->keys.seal, row->sealed, row->sealed_len, number);
	sodium_memzero(row->sealed, sizeof row->sealed);
	if (rc == 0)
		memcpy(row->msisdn, number, sizeof row->msisdn);
	sodium_memzero(number, sizeof number);
	return rc;
}

/* Whether the number said STOP (as a person or not): a hidden recipient's
 * row knows only whether their alias did. */
static bool opted_out(struct outbox *o, const char *number)
{
	struct store_person p;
	char lang[8];
	bool out = false;
	int person = store_person_find(o->d->store, number, &p);
	if (person == 1)
		return p.opted_out;
	return person == 0 && store_contact_find(o->d->store, number, lang, &out) == 0 && out;
}

static int take_due(void *ctx, void *arg)
{
	struct outbox *o = ctx;
	struct turn *t = arg;
	int64_t now = (int64_t)clock_now(o->d->loop);
	for (unsigned i = 0; i < o->finished_count; i++)
		if (record(o, &o->finished[i]) < 0)
			return STORE_ERROR;
	t->count = 0;
	while (t->count < t->max) {
		struct store_outbox_row *row = &o->rows[t->count];
		int rc = store_outbox_due(o->d->store, now, row);
		if (rc <= 0)
			return rc;
		/* a number no phone has is never sent, nor anything but an
		 * answer to a number that said STOP */
		const char *refused = row->opted_out ? "opted out" : NULL;
		char number[MSISDN_SIZE];
		if (row->sealed_len && unseal(o, row) < 0)
			refused = "the sealed number cannot be opened";
		else if (row->sealed_len && !refused && opted_out(o, row->msisdn))
			refused = "opted out";
		if (msisdn_normalize(row->msisdn, strlen(row->msisdn), number) < 0 ||
		    strspn(number, "0123456789") != strlen(number))
			refused = "not a phone number";
		if (refused)
			log_msg(LOG_LEVEL_WARN, "outbox_failed", "id=%lld reason=\"%s\"",
				(long long)row->id, refused);
		rc = refused
			 ? store_outbox_mark(o->d->store, row->id, "failed", 0, now, refused, now)
			 : store_outbox_mark(o->d->store, row->id, "sending", 1, now, NULL, now);
		if (rc < 0)
			return rc;
		t->count += !refused;
	}
	return 0;
}

/* The sooner of wait a (negative: none yet) and wait b (already over: 0),
 * in seconds. */
static double soonest(double a, double b)
{
	if (b < 0)
		b = 0;
	return a < 0 || b < a ? b : a;
}

/* Records the requests that ended since the last turn and starts as many
 * as in_flight and the rate allow, all in one transaction: one fsync for
 * all of them. */
static void fill(struct outbox *o)
{
	unsigned room = o->cfg->sendsms_in_flight - o->in_flight, tokens = 0;
	if (o->cfg->sendsms_via == CFG_VIA_BOX && !box_up(o->d->box))
		room = 0; /* the box wakes the outbox once it is connected */
	double wait = 0;
	while (tokens < room &&
	       (wait = outbox_bucket_take(&o->rate, o->cfg->sendsms_rate, ev_now(o->d->loop))) == 0)
		tokens++;
	if (tokens == 0 && o->finished_count == 0) {
		if (wait > 0)
			schedule(o, wait);
		return; /* else: a request that ends looks again */
	}
	struct turn t = {.max = tokens};
	if (in_transaction(o, take_due, &t) < 0) {
		o->rate.tokens += tokens;
		schedule(o, BACKOFF_FIRST); /* the store is failing: not in a loop */
		return;
	}
	o->finished_count = 0;
	o->rate.tokens += tokens - t.count; /* not needed after all */
	double after = -1;                  /* when to look again, in seconds: none yet */
	for (unsigned i = 0; i < t.count; i++) {
		struct store_outbox_row *row = &o->rows[i];
		int started = start(o, row);
		if (row->sealed_len) /* a number opened from its seal: only the request has it */
			sodium_memzero(row->msisdn, sizeof row->msisdn);
		if (started == 0)
			continue;
		/* no request made (no memory): recorded as a failed attempt, so
		 * that the row is tried again rather than left sending */
		log_msg(LOG_LEVEL_ERROR, "outbox_start", "id=%lld", (long long)row->id);
		o->finished[o->finished_count++] =
		    (struct outcome){.id = row->id,
				     .created_at = row->created_at,
				     .attempts = row->attempts + 1,
				     .error = "cannot make the request"};
		after = BACKOFF_FIRST;
	}
	if (t.count == tokens && wait > 0)
		after = soonest(after, wait); /* more due, once the rate allows */
	if (t.count < tokens) {
		int64_t next = store_outbox_next_due(o->d->store);
		if (next >= 0)
			after = soonest(after, (double)next - clock_now(o->d->loop));
	}
	if (after >= 0)
		schedule(o, after);
}

static void judge(struct send *s, CURLcode result, struct outcome *r)
{
	long status = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	const char *body = s->answer.data ? s->answer.data : "";
	r->id = s->id;
	r->created_at = s->created_at;
	r->attempts = s->attempts;
	r->verdict = result == CURLE_OK ? outbox_sendsms_answer(status, body) : 0;
	r->error[0] = '\0';
	if (result != CURLE_OK)
		snprintf(r->error, sizeof r->error, "%.150s",
			 s->error[0] ? s->error : curl_easy_strerror(result));
	else if (r->verdict <= 0)
		snprintf(r->error, sizeof r->error, "HTTP %ld: %.*s", status,
			 (int)strcspn(body, "\r\n"), body);
	log_msg(r->verdict > 0 ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "outbox_sent",
		"id=%lld attempt=%d status=%ld result=%s%s%s%s", (long long)s->id, s->attempts,
		status,
		r->verdict > 0   ? "accepted"
		: r->verdict < 0 ? "refused"
				 : "retry",
		r->error[0] ? " error=\"" : "", r->error, r->error[0] ? "\"" : "");
}

static int record(struct outbox *o, const struct outcome *r)
{
	int64_t now = (int64_t)clock_now(o->d->loop);
	const struct cfg *c = o->cfg;
	if (r->verdict > 0)
		return store_outbox_mark(o->d->store, r->id, "accepted", 0, now, NULL, now);
	if (r->verdict < 0 || now - r->created_at >= c->sendsms_max_age)
		return store_outbox_mark(o->d->store, r->id, "failed", 0, now, r->error, now);
	double jitter = 0.5 + randombytes_uniform(1001) / 1000.0;
	double wait = r->retry_after > 0 ? r->retry_after : outbox_backoff(r->attempts, jitter) + 1;
	int64_t next = now + (int64_t)wait;
	return store_outbox_mark(o->d->store, r->id, "queued", 0, next, r->error, now);
}

/* An MT through the box ended: recorded with the next turn's rows. */
static void box_finished(struct outbox *o, const struct outbox_sent *sent, int verdict,
			 double retry_after, const char *result, const char *error)
{
	o->in_flight--;
	o->finished[o->finished_count++] = (struct outcome){.id = sent->id,
							    .created_at = sent->created_at,
							    .attempts = sent->attempts,
							    .verdict = verdict,
							    .retry_after = retry_after};
	snprintf(o->finished[o->finished_count - 1].error, REPORT_ERROR_SIZE, "%s", error);
	o->d->metrics.outbox[verdict > 0   ? METRICS_OUTBOX_ACCEPTED
			     : verdict < 0 ? METRICS_OUTBOX_REFUSED
					   : METRICS_OUTBOX_RETRY]++;
	log_msg(verdict > 0 ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "outbox_sent",
		"id=%lld attempt=%d via=box result=%s%s%s%s", (long long)sent->id, sent->attempts,
		result, *error ? " error=\"" : "", error, *error ? "\"" : "");
	schedule(o, 0);
}

void outbox_box_answer(struct outbox *o, const struct outbox_sent *sent, int nack)
{
	if (box_ack_taken(nack))
		box_finished(o, sent, 1, 0, nack == BOX_ACK_SUCCESS ? "accepted" : "buffered", "");
	else if (nack == BOX_ACK_FAILED)
		box_finished(o, sent, -1, 0, "refused",
			     "bearerbox refused it: no route, expired or blocked");
	else
		box_finished(o, sent, 0, 0, "retry", "bearerbox is busy: queue full or stopping");
}

void outbox_box_lost(struct outbox *o, const struct outbox_sent *sent)
{
	box_finished(o, sent, 0, RESUME_GRACE, "unknown",
		     "the connection to bearerbox went before its answer");
}

/* Requests that ended wait for the next turn of the loop, so that all
 * that end together are recorded, and their places taken, in one commit. */
static void check_finished(struct outbox *o)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(o->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct send *s;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		struct outcome *r = &o->finished[o->finished_count++];
		judge(s, m->data.result, r);
		o->d->metrics.outbox[r->verdict > 0   ? METRICS_OUTBOX_ACCEPTED
				     : r->verdict < 0 ? METRICS_OUTBOX_REFUSED
						      : METRICS_OUTBOX_RETRY]++;
		drop(o, s);
		schedule(o, 0);
	}
}

static void on_curl_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct outbox *o = w->data;
	int action =
	    (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;
	curl_multi_socket_action(o->multi, w->fd, action, &running);
	check_finished(o);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct outbox *o = userp;
	ev_io *w = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (w) {
			ev_io_stop(o->d->loop, w);
			free(w);
		}
		return 0;
	}
	if (!w) {
		if (!(w = calloc(1, sizeof *w)))
			return -1;
		w->data = o;
		curl_multi_assign(o->multi, fd, w);
	} else {
		ev_io_stop(o->d->loop, w);
	}
	ev_io_init(w, on_curl_io, fd,
		   (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0));
	w->data = o;
	ev_io_start(o->d->loop, w);
	return 0;
}

static void on_curl_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox *o = w->data;
	int running;
	curl_multi_socket_action(o->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_finished(o);
}

static int on_curl_timer(CURLM *multi, long ms, void *userp)
{
	struct outbox *o = userp;
	ev_timer_stop(o->d->loop, &o->curl_timer);
	if (ms >= 0) {
		ev_timer_set(&o->curl_timer, ms / 1000.0, 0.0);
		ev_timer_start(o->d->loop, &o->curl_timer);
	}
	return 0;
}

static void on_due(struct ev_loop *loop, ev_timer *w, int revents)
{
	fill(w->data);
}

/* A row a stop left sending may have reached Kannel, its answer unread: it
 * waits RESUME_GRACE for a report, which would prove Kannel has it (Kannel
 * retries reports the stop kept from us), before it is sent again. */
static int resume(void *ctx, void *arg)
{
	struct outbox *o = ctx;
	int64_t now = (int64_t)clock_now(o->d->loop);
	return store_outbox_resume(o->d->store, now, now + RESUME_GRACE);
}

struct outbox *outbox_new(struct daemon *d, char *err, size_t err_size)
{
	err[0] = '\0';
	/* via = box comes with [box] bearerbox and [sendsms] from (cfg.c) */
	if (d->cfg->sendsms_via != CFG_VIA_BOX && !*d->cfg->sendsms_url)
		return NULL;
	static bool curl_ready;
	if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, err_size, "cannot start libcurl");
		return NULL;
	}
	curl_ready = true;
	struct outbox *o = calloc(1, sizeof *o);
	if (!o || !(o->multi = curl_multi_init())) {
		snprintf(err, err_size, "out of memory");
		free(o);
		return NULL;
	}
	o->d = d;
	o->cfg = cfg_ref(d->cfg);
	o->rows = calloc(o->cfg->sendsms_in_flight, sizeof *o->rows);
	o->finished = calloc(o->cfg->sendsms_in_flight, sizeof *o->finished);
	if (!o->rows || !o->finished) {
		snprintf(err, err_size, "out of memory");
		outbox_free(o);
		return NULL;
	}
	o->rate = (struct outbox_bucket){o->cfg->sendsms_rate, ev_now(d->loop)};
	curl_multi_setopt(o->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(o->multi, CURLMOPT_SOCKETDATA, o);
	curl_multi_setopt(o->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(o->multi, CURLMOPT_TIMERDATA, o);
	ev_init(&o->curl_timer, on_curl_timeout);
	o->curl_timer.data = o;
	ev_init(&o->due, on_due);
	o->due.data = o;
	if (in_transaction(o, resume, NULL) < 0) {
		snprintf(err, err_size, "cannot resume the outbox: %s", store_errmsg(d->store));
		outbox_free(o);
		return NULL;
	}
	schedule(o, 0); /* what is due already, and the first retry's time */
	return o;
}

void outbox_free(struct outbox *o)
{
	if (!o)
		return;
	ev_timer_stop(o->d->loop, &o->due);
	ev_timer_stop(o->d->loop, &o->curl_timer);
	/* what ended is recorded (max 0: nothing more taken); requests under
	 * way are dropped: their rows stay sending, resumed at the next start */
	struct turn record_only = {.max = 0};
	if (o->finished_count)
		in_transaction(o, take_due, &record_only);
	while (o->sending)
		drop(o, o->sending);
	curl_multi_cleanup(o->multi);
	free(o->rows);
	free(o->finished);
	cfg_unref(o->cfg);
	free(o);
}
