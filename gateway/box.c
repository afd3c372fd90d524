/* box — see box.h. */
#include "box.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boxproto.h"
#include "boxreply.h"
#include "channel.h"
#include "clock.h"
#include "daemon.h"
#include "dlr.h"
#include "log.h"
#include "outbox.h"
#include "utf.h"

#define BACKOFF_FIRST   1.0   /* bearerbox takes about one box connection a second */
#define CONNECT_TIMEOUT 10.0  /* seconds for bearerbox to accept */
#define REDELIVER_AFTER 10.0  /* seconds before what failed alone is asked for again */
#define CLOSE_DEADLINE  2.0   /* seconds a closing connection waits for its MTs' acks */
#define USER_TIMEOUT_MS 60000 /* bytes unacknowledged this long: bearerbox is gone */
#define BACKOFF_MAX     10.0
#define READ_CHUNK      (64 * 1024)
#define READ_TURN_MAX   (1024 * 1024) /* read at most this much a loop turn */
#define OUT_MAX         (8u << 20)    /* unsent bytes: past this bearerbox is not reading */
#define KEEPALIVE_IDLE  30            /* seconds: bearerbox never drops a silent box */
#define KEEPALIVE_PROBE 10
#define KEEPALIVE_COUNT 3
#define FIELD_MAX       512 /* a field other than the text, as a C string */
#define AGAIN_MAX       256 /* replies bearerbox could not take, waiting to go again */
#define AGAIN_AFTER     1.0 /* seconds before they go again */
#define AGAIN_TRIES     3   /* times a reply is written at most */

enum box_state { BOX_DOWN, BOX_CONNECTING, BOX_UP };

struct box {
	struct daemon *d;
	struct cfg *cfg; /* the config it started with: [box] takes a restart */
	int fd;
	enum box_state state;
	bool quiescing;
	bool want_write;     /* the socket took only part of out: waiting for it */
	const char *closing; /* why to close once out is written, or NULL */
	unsigned generation; /* of the connection: an answer for an older one is dropped */
	ev_io io;
	ev_timer retry;     /* the next connect; while connecting, its deadline */
	ev_timer redeliver; /* a message not stored: bearerbox is asked for it again;
			     * while closing, the close's deadline */
	ev_prepare flusher; /* what was queued in a loop turn, written before it sleeps */
	double backoff;
	struct buf in, out;
	size_t out_sent; /* bytes of out already written */
	struct pending {
		char id[BOX_UUID_LEN + 1];
		struct outbox_sent sent;
	} * pending; /* the outbox's MTs bearerbox has not acknowledged */
	unsigned pending_count;
	struct boxreply *replies;              /* which replies bearerbox took */
	struct boxreply_sent again[AGAIN_MAX]; /* replies to send again (failed_tmp) */
	unsigned again_count;
	ev_timer again_timer;
};

/* A message applied in the batch, until its commit is answered: what its
 * acknowledgement and reply need. The sender stays in memory only. */
struct held {
	unsigned generation;
	char id[BOX_UUID_LEN + 1];
	char sender[FIELD_MAX], receiver[FIELD_MAX], smsc[FIELD_MAX];
	struct kannel_wire wire;
};

static void start_connect(struct box *b);

bool box_up(const struct box *b)
{
	return b && b->state == BOX_UP && !b->closing;
}

const char *box_status(const struct box *b)
{
	static const char *const names[] = {"waiting", "connecting", "connected"};
	return b ? names[b->state] : "off";
}

/* --- the connection ------------------------------------------------------ */

/* One of the box's one-shot timers, due in seconds. */
static void start_timer(struct box *b, ev_timer *w, double seconds)
{
	ev_timer_set(w, seconds, 0.0);
	ev_timer_start(b->d->loop, w);
}

static void arm_retry(struct box *b)
{
	start_timer(b, &b->retry, b->backoff);
	b->backoff = b->backoff * 2 < BACKOFF_MAX ? b->backoff * 2 : BACKOFF_MAX;
}

/* Closes the connection; bearerbox takes back whatever was not
 * acknowledged and sends it again, with the same UUIDs, to whichever box
 * is connected. The outbox's unacknowledged MTs wait for a report. */
static void disconnect(struct box *b, const char *why)
{
	if (b->state == BOX_DOWN)
		return;
	log_msg(b->quiescing ? LOG_LEVEL_INFO : LOG_LEVEL_WARN, "box_disconnected",
		"reason=%s retry_s=%.0f pending_mt=%u", why, b->backoff, b->pending_count);
	ev_io_stop(b->d->loop, &b->io);
	ev_timer_stop(b->d->loop, &b->retry);
	ev_timer_stop(b->d->loop, &b->redeliver);
	close(b->fd);
	b->fd = -1;
	b->state = BOX_DOWN;
	b->generation++;
	b->closing = NULL;
	b->want_write = false;
	if (b->out.data)
		sodium_memzero(b->out.data, b->out.len);
	b->in.len = b->out.len = b->out_sent = 0;
	b->in.overflowed = b->in.out_of_memory = b->out.overflowed = b->out.out_of_memory = false;
	b->d->metrics.box[METRICS_BOX_DISCONNECTED]++;
	boxreply_lost(b->replies);
	unsigned lost = b->pending_count;
	b->pending_count = 0;
	for (unsigned i = 0; i < lost; i++)
		outbox_box_lost(b->d->outbox, &b->pending[i].sent);
	if (!b->quiescing)
		arm_retry(b);
}

static void watch(struct box *b, int events)
{
	if (b->quiescing)
		events &= ~EV_READ;
	b->want_write = events & EV_WRITE;
	ev_io_stop(b->d->loop, &b->io);
	if (!events)
		return;
	ev_io_set(&b->io, b->fd, events);
	ev_io_start(b->d->loop, &b->io);
}

/* Forgets what was written: its bytes too, since a hidden recipient's
 * number may be among them (seal.h). */
static void drop_written(struct box *b)
{
	if (!b->out_sent)
		return;
	size_t left = b->out.len - b->out_sent;
	memmove(b->out.data, b->out.data + b->out_sent, left);
	sodium_memzero(b->out.data + left, b->out_sent); /* what was there before */
	b->out.len = left;
	b->out_sent = 0;
}

/* Writes what is queued; what the socket does not take waits for it.
 * A connection being closed is closed once all is written and bearerbox
 * has answered for the outbox's MTs (or the close's deadline passed). */
static void flush_out(struct box *b)
{
	while (b->out_sent < b->out.len) {
		ssize_t n = write(b->fd, b->out.data + b->out_sent, b->out.len - b->out_sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			drop_written(b); /* so that a slow reader never fills out */
			watch(b, EV_READ | EV_WRITE);
			return;
		}
		if (n <= 0) {
			disconnect(b, "write_failed");
			return;
		}
		b->out_sent += (size_t)n;
	}
	drop_written(b);
	if (b->closing && b->pending_count == 0)
		disconnect(b, b->closing);
	else
		watch(b, EV_READ);
}

static void on_flush(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct box *b = w->data;
	if (b->state == BOX_UP && !b->want_write && (b->out.len > b->out_sent || b->closing))
		flush_out(b);
}

/* The connection is to be closed, once what is queued is written (the
 * answers of messages that were stored) and the outbox's MTs answered
 * for, CLOSE_DEADLINE at most. Meanwhile no MO or report is taken (they
 * stay with bearerbox) and no MT pushed (box_up). */
static void close_soon(struct box *b, const char *why)
{
	if (b->closing)
		return;
	b->closing = why;
	ev_timer_stop(b->d->loop, &b->redeliver);
	start_timer(b, &b->redeliver, CLOSE_DEADLINE);
}

/* Queues one message, written before the loop sleeps: so the answers of
 * a whole batch go in one write, each reply just before its ack. -1 if
 * not connected, or it cannot be written (logged). */
static int queue(struct box *b, const struct box_msg *m)
{
	if (b->state != BOX_UP)
		return -1;
	if (box_encode(&b->out, m) == 0)
		return 0;
	if (b->out.overflowed)
		disconnect(b, "bearerbox_not_reading");
	else
		log_msg(LOG_LEVEL_ERROR, "box_encode", "type=%d", (int)m->type);
	return -1;
}

static void send_ack(struct box *b, const char *id, int nack)
{
	struct box_msg m = {.type = BOX_ACK};
	m.ack.nack = nack;
	m.ack.time = (int32_t)clock_now(b->d->loop);
	memcpy(m.ack.id, id, sizeof m.ack.id);
	queue(b, &m);
}

static void identify(struct box *b)
{
	const char *id = *b->cfg->box_id ? b->cfg->box_id : NULL;
	struct box_msg m = {.type = BOX_ADMIN};
	m.admin.command = BOX_IDENTIFY;
	m.admin.boxc_id = box_str(id);
	ev_timer_stop(b->d->loop, &b->retry); /* the connect's deadline */
	b->state = BOX_UP;
	queue(b, &m);
	b->d->metrics.box[METRICS_BOX_CONNECTED]++;
	log_msg(LOG_LEVEL_INFO, "box_connected", "bearerbox=%s id=%s", b->cfg->box_bearerbox.text,
		id ? id : "-");
	watch(b, EV_READ);
	outbox_wake(b->d->outbox); /* rows that waited for the box */
}

/* TCP keepalive (bearerbox never drops a silent box), a timeout for what
 * it leaves unacknowledged, and no Nagle delay on the answers. */
static void tune_socket(int fd)
{
	int on = 1, idle = KEEPALIVE_IDLE, probe = KEEPALIVE_PROBE, count = KEEPALIVE_COUNT;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &probe, sizeof probe);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	/* keepalive probes wait while sent bytes are unacknowledged */
	unsigned user_timeout = USER_TIMEOUT_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
}

static void start_connect(struct box *b)
{
	const struct sockaddr_storage *to = &b->cfg->box_bearerbox.sa;
	if (batch_degraded(&b->d->batch)) {
		log_msg(LOG_LEVEL_WARN, "box_waiting", "reason=store_failing retry_s=%.0f",
			b->backoff);
		arm_retry(b); /* nothing could be stored: bearerbox keeps the MOs */
		return;
	}
	int fd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_msg(LOG_LEVEL_ERROR, "box_socket", "error=\"%s\"", strerror(errno));
		arm_retry(b);
		return;
	}
	tune_socket(fd);
	socklen_t len =
	    to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	b->fd = fd;
	b->state = BOX_CONNECTING;
	if (connect(fd, (const struct sockaddr *)to, len) == 0) {
		identify(b);
		return;
	}
	if (errno != EINPROGRESS) {
		log_msg(LOG_LEVEL_WARN, "box_connect", "bearerbox=%s error=\"%s\"",
			b->cfg->box_bearerbox.text, strerror(errno));
		disconnect(b, "connect_failed");
		return;
	}
	start_timer(b, &b->retry, CONNECT_TIMEOUT);
	watch(b, EV_WRITE);
}

static void connected(struct box *b)
{
	int error = 0;
	socklen_t len = sizeof error;
	if (getsockopt(b->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
		error = errno;
	if (error) {
		log_msg(LOG_LEVEL_WARN, "box_connect", "bearerbox=%s error=\"%s\"",
			b->cfg->box_bearerbox.text, strerror(error));
		disconnect(b, "connect_failed");
		return;
	}
	identify(b);
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct box *b = w->data;
	if (b->state == BOX_CONNECTING)
		disconnect(b, "connect_timeout");
	else
		start_connect(b);
}

/* Messages that were not stored are held unacknowledged; now bearerbox
 * is asked for them again (a new connection). */
static void on_redeliver(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct box *b = w->data;
	if (b->state == BOX_UP && b->closing)
		disconnect(b, b->closing); /* the close's deadline */
	else if (b->state == BOX_UP)
		close_soon(b, "redeliver_unstored");
}

/* --- what bearerbox sends -------------------------------------------------- */

/* A field as a C string in out: NULL if not set, "" if empty; up to a
 * NUL (Kannel's SMPP message ids carry one). -1 if it does not fit. */
static int field_text(struct box_str s, char *out, size_t size, const char **text)
{
	*text = NULL;
	if (!s.data)
		return 0;
	const char *nul = memchr(s.data, '\0', (size_t)s.len);
	size_t len = nul ? (size_t)(nul - s.data) : (size_t)s.len;
	if (len >= size)
		return -1;
	memcpy(out, s.data, len);
	out[len] = '\0';
	*text = out;
	return 0;
}

/* An MO's fields as smsbox would have passed them to /kannel/mo, and the
 * text they point into (the numbers and the SMSC's id are the held
 * message's, which its reply needs). */
struct mo_fields {
	struct form form;
	char charset[FIELD_MAX], meta[FIELD_MAX], coding[16], time[16];
};

/* Adds name with a C string value, if it is set. */
static void add_text(struct form *f, const char *name, const char *value)
{
	if (value)
		form_add(f, name, value, strlen(value));
}

/* The MO read as smsbox's request would be, so that the same code
 * (kannel_mo_parse) judges it: 0, or -1 with why. */
static int read_mo(const struct box_sms *sms, struct held *h, struct mo_fields *fields,
		   struct kannel_mo *mo, const char **why)
{
	const char *sender, *receiver, *smsc, *charset, *meta;
	struct form *f = &fields->form;
	form_init(f);
	if (field_text(sms->sender, h->sender, sizeof h->sender, &sender) < 0 ||
	    field_text(sms->receiver, h->receiver, sizeof h->receiver, &receiver) < 0 ||
	    field_text(sms->smsc_id, h->smsc, sizeof h->smsc, &smsc) < 0 ||
	    field_text(sms->charset, fields->charset, sizeof fields->charset, &charset) < 0 ||
	    field_text(sms->meta_data, fields->meta, sizeof fields->meta, &meta) < 0) {
		*why = "field too long";
		return -1;
	}
	snprintf(fields->coding, sizeof fields->coding, "%d", sms->coding < 0 ? 0 : sms->coding);
	snprintf(fields->time, sizeof fields->time, "%d", sms->time);
	add_text(f, "from", sender ? sender : "");
	add_text(f, "to", receiver);
	form_add(f, "text", sms->msgdata.data ? sms->msgdata.data : "",
		 sms->msgdata.len > 0 ? (size_t)sms->msgdata.len : 0);
	add_text(f, "coding", fields->coding);
	add_text(f, "ts", sms->time >= 0 ? fields->time : NULL);
	add_text(f, "id", h->id);
	add_text(f, "smsc", smsc);
	add_text(f, "charset", charset);
	add_text(f, "meta", meta);
	return kannel_mo_parse(mo, f, why) == 0 ? 0 : -1;
}

static void free_held(struct held *h)
{
	sodium_memzero(h, sizeof *h); /* a hidden sender's number with it */
	free(h);
}

/* Whether a held message is to be answered now: it was stored, and its
 * connection is the one that is up (if not, bearerbox sends it again).
 * One that was not stored is not acknowledged: bearerbox keeps it. If the
 * store refuses every write, the connection is closed once the answers
 * queued so far are written, and opened again once it takes writes
 * (start_connect); if that message failed alone, bearerbox is asked for
 * it again after REDELIVER_AFTER. */
static bool answerable(struct box *b, const struct held *h, int rc)
{
	if (b->state != BOX_UP || h->generation != b->generation)
		return false;
	if (rc == 0) {
		b->backoff = BACKOFF_FIRST; /* the connection works: a later one is tried soon */
		return true;
	}
	b->d->metrics.store_errors++;
	log_msg(LOG_LEVEL_ERROR, "box_not_stored", "id=%s held=bearerbox", h->id);
	if (batch_failed(&b->d->batch)) /* start_connect probes before it connects again */
		close_soon(b, "store_error");
	else if (!ev_is_active(&b->redeliver))
		start_timer(b, &b->redeliver, REDELIVER_AFTER);
	return false;
}

static void send_mt(struct box *b, const struct box_mt *mt, int sms_type,
		    char id[BOX_UUID_LEN + 1]);

static void forget_again(struct box *b, const char *mo);

/* After the commit: the reply, then the acknowledgement, in one write. */
static void answer_mo(struct daemon *d, void *waiter, const void *wire, int rc,
		      const struct inbound_outcome *out)
{
	struct box *b = d->box;
	struct held *h = waiter;
	if (!answerable(b, h, rc)) {
		free_held(h);
		return;
	}
	channel_count(d, out);
	/* a repeat whose reply bearerbox has: acknowledged, not answered twice */
	bool taken = out->repeat && boxreply_taken(b->replies, h->id);
	if (out->repeat)
		forget_again(b, h->id);
	log_msg(LOG_LEVEL_INFO, "box_mo", "id=%s from=%s %s=%s", h->id,
		out->from[0] ? out->from : "-", out->repeat ? "repeat" : "key",
		out->repeat ? (taken ? "reply_taken" : "reply_again")
		: out->key  ? out->key
			    : "-");
	struct kannel_answer a;
	if (channel_kannel_answer(d, &h->wire, out, true, &a) < 0) {
		log_msg(LOG_LEVEL_ERROR, "box_reply", "id=%s reason=meta_too_long", h->id);
		a.send = false; /* stored, but no page can carry it: as on /kannel/mo */
	}
	struct box_mt reply = {.to = h->sender,
			       .from = h->receiver,
			       .smsc = h->smsc[0] ? h->smsc : NULL,
			       .text = out->text.data,
			       .len = out->text.len,
			       .ucs2 = out->ucs2,
			       .meta = a.meta,
			       .dlr_url = a.dlr_url,
			       .dlr_mask = a.dlr_mask};
	char reply_id[BOX_UUID_LEN + 1];
	if (a.send && out->text.len && !taken) {
		size_t at = b->out.len;
		send_mt(b, &reply, BOX_MT_REPLY, reply_id);
		if (reply_id[0]) {
			boxreply_sent(b->replies, reply_id, h->id, b->out.data + at,
				      b->out.len - at, 1);
			d->metrics.box[METRICS_BOX_REPLIES]++;
		}
	}
	send_ack(b, h->id, BOX_ACK_SUCCESS);
	free_held(h);
}

static void answer_report(struct daemon *d, void *waiter, const void *wire, int rc,
			  const struct inbound_outcome *out)
{
	struct box *b = d->box;
	struct held *h = waiter;
	const enum metrics_dlr *metric = wire;
	if (!answerable(b, h, rc)) {
		free_held(h);
		return;
	}
	if (out->key)
		dlr_ignored(d, out->key);
	else
		d->metrics.dlr[*metric]++;
	send_ack(b, h->id, BOX_ACK_SUCCESS);
	free_held(h);
}

/* A message taken but not to be stored: acknowledged as failed, which
 * makes bearerbox drop it (failed_tmp would send it again at once). */
static void refuse(struct box *b, const char *id, const char *what, const char *why)
{
	log_msg(LOG_LEVEL_ERROR, "box_refused", "what=%s id=%s reason=\"%s\"", what, id, why);
	send_ack(b, id, BOX_ACK_FAILED);
}

static struct held *new_held(struct box *b, const char *id)
{
	struct held *h = calloc(1, sizeof *h);
	if (h) {
		h->generation = b->generation;
		memcpy(h->id, id, sizeof h->id);
	}
	return h;
}

static void take_mo(struct box *b, const struct box_sms *sms)
{
	struct held *h = new_held(b, sms->id);
	if (!h) {
		disconnect(b, "out_of_memory");
		return;
	}
	static char utf8[KANNEL_UTF8_SIZE]; /* loop thread only */
	struct mo_fields fields;
	char session[8];
	const char *why = NULL;
	struct kannel_mo mo;
	struct inbound in;
	if (read_mo(sms, h, &fields, &mo, &why) == 0 &&
	    channel_kannel_inbound(b->d->cfg, &mo, &in, utf8, session, &h->wire) < 0)
		why = "bad USSD meta-data";
	if (why) {
		refuse(b, sms->id, "mo", why);
		free_held(h);
		return;
	}
	b->d->metrics.box[METRICS_BOX_MO]++;
	batch_apply(&b->d->batch, &in, h, answer_mo, NULL, 0);
}

/* A delivery report as Kannel's dlr-url would have carried it (dlr.h). */
static void take_report(struct box *b, const struct box_sms *sms)
{
	char query[FIELD_MAX], type[16], smsc_id[FIELD_MAX], answer[FIELD_MAX];
	const char *url, *smsc_text, *answer_text;
	struct form f;
	struct dlr_report r;
	form_init(&f);
	const char *refused = "no_id";
	struct box_str receipt = sms->msgdata; /* only its start is kept (dlr.h) */
	if (receipt.len >= (int32_t)sizeof answer)
		receipt.len = sizeof answer - 1;
	/* what the dlr-url's %d, %F and %A would have said (outbox.h) */
	if (field_text(sms->dlr_url, query, sizeof query, &url) == 0 && url &&
	    field_text(sms->foreign_id, smsc_id, sizeof smsc_id, &smsc_text) == 0 &&
	    field_text(receipt, answer, sizeof answer, &answer_text) == 0) {
		form_parse(&f, query, strlen(query));
		int n = snprintf(type, sizeof type, "%d", sms->dlr_mask);
		form_add(&f, "status", type, (size_t)n);
		if (smsc_text)
			form_add(&f, "smsc_id", smsc_text, strlen(smsc_text));
		if (answer_text)
			form_add(&f, "answer", answer_text, strlen(answer_text));
		refused = dlr_read(b->d, &f, &r);
	}
	b->d->metrics.box[METRICS_BOX_REPORTS]++;
	if (refused) { /* not ours: nothing to keep */
		dlr_ignored(b->d, refused);
		send_ack(b, sms->id, BOX_ACK_SUCCESS);
		return;
	}
	struct held *h = new_held(b, sms->id);
	if (!h) {
		disconnect(b, "out_of_memory"); /* bearerbox sends it again */
		return;
	}
	enum metrics_dlr metric = r.type->metric;
	batch_write(&b->d->batch, dlr_write, &r, sizeof r, h, answer_report, &metric,
		    sizeof metric);
}

static void take_ack(struct box *b, const char *id, int nack)
{
	for (unsigned i = 0; i < b->pending_count; i++) {
		if (strcmp(b->pending[i].id, id) != 0)
			continue;
		struct outbox_sent sent = b->pending[i].sent;
		b->pending[i] = b->pending[--b->pending_count];
		outbox_box_answer(b->d->outbox, &sent, nack);
		return;
	}
	/* a reply's: bearerbox may refuse to route it, or take it later */
	struct boxreply_sent again;
	switch (boxreply_acked(b->replies, id, nack, &again)) {
	case BOXREPLY_AGAIN:
		if (b->again_count < AGAIN_MAX && again.tries < AGAIN_TRIES) {
			b->again[b->again_count++] = again;
			if (!ev_is_active(&b->again_timer))
				start_timer(b, &b->again_timer, AGAIN_AFTER);
			break;
		}
		free(again.frame);
		log_msg(LOG_LEVEL_ERROR, "box_reply_lost", "id=%s mo=%s tries=%d", id, again.mo,
			again.tries);
		break;
	case BOXREPLY_REFUSED:
		log_msg(LOG_LEVEL_ERROR, "box_reply_refused", "id=%s nack=%d", id, nack);
		break;
	default: break;
	}
}

/* The replies bearerbox could not take for a moment, written again as
 * they were (the same UUID: bearerbox did not keep them). */
static void on_again(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct box *b = w->data;
	unsigned sent = 0;
	while (box_up(b) && sent < b->again_count) {
		struct boxreply_sent *s = &b->again[sent];
		if (buf_append(&b->out, s->frame, s->len) < 0) {
			disconnect(b, "bearerbox_not_reading"); /* the rest waits for the next */
			break;
		}
		boxreply_sent(b->replies, s->mt, s->mo, s->frame, s->len, s->tries + 1);
		free(s->frame);
		sent++;
	}
	b->again_count -= sent;
	memmove(b->again, b->again + sent, b->again_count * sizeof *b->again);
	if (b->again_count) /* until a connection is up again */
		start_timer(b, w, AGAIN_AFTER);
}

/* A repeat is answered afresh: a copy of its reply waiting to go again
 * would be a second answer. */
static void forget_again(struct box *b, const char *mo)
{
	for (unsigned i = 0; i < b->again_count;) {
		if (strcmp(b->again[i].mo, mo) != 0) {
			i++;
			continue;
		}
		free(b->again[i].frame);
		b->again[i] = b->again[--b->again_count];
	}
}

static void take(struct box *b, const struct box_msg *m)
{
	switch (m->type) {
	case BOX_SMS:
		if (b->closing)
			break; /* not acknowledged: bearerbox sends it again */
		if (m->sms.sms_type == BOX_MO)
			take_mo(b, &m->sms);
		else if (m->sms.sms_type == BOX_REPORT_MO)
			take_report(b, &m->sms);
		else
			refuse(b, m->sms.id, "sms", "not an MO or a report");
		break;
	case BOX_ACK: take_ack(b, m->ack.id, m->ack.nack); break;
	case BOX_ADMIN:
		/* shutdown or restart: bearerbox waits for us to close */
		if (m->admin.command == BOX_SHUTDOWN || m->admin.command == BOX_RESTART)
			disconnect(b, m->admin.command == BOX_SHUTDOWN ? "bearerbox_shutdown"
								       : "bearerbox_restart");
		break;
	default: /* a heartbeat */ break;
	}
}

/* Takes every whole frame in the input; keeps a partial one. */
static void take_frames(struct box *b)
{
	size_t at = 0;
	unsigned generation = b->generation;
	while (b->generation == generation && b->in.len - at >= 4) {
		long len = box_frame_length((const unsigned char *)b->in.data + at);
		if (len < 0) {
			log_msg(LOG_LEVEL_ERROR, "box_bad_frame", "reason=length");
			disconnect(b, "bad_frame");
			return;
		}
		if (b->in.len - at - 4 < (size_t)len)
			break;
		struct box_msg m;
		if (box_decode((const unsigned char *)b->in.data + at + 4, (size_t)len, &m) < 0) {
			log_msg(LOG_LEVEL_ERROR, "box_bad_frame", "reason=malformed bytes=%ld",
				len);
			disconnect(b, "bad_frame");
			return;
		}
		at += 4 + (size_t)len;
		take(b, &m);
	}
	if (b->generation != generation)
		return; /* the connection went: its input with it */
	memmove(b->in.data, b->in.data + at, b->in.len - at);
	b->in.len -= at;
}

static void read_in(struct box *b)
{
	size_t taken = 0;
	while (taken < READ_TURN_MAX) {
		char chunk[READ_CHUNK];
		ssize_t n = read(b->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			disconnect(b, n == 0 ? "closed_by_bearerbox" : "read_failed");
			return;
		}
		if (buf_append(&b->in, chunk, (size_t)n) < 0) {
			disconnect(b, "out_of_memory");
			return;
		}
		taken += (size_t)n;
		take_frames(b);
		if (b->state != BOX_UP)
			return;
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct box *b = w->data;
	if (b->state == BOX_CONNECTING) {
		connected(b);
		return;
	}
	if (revents & EV_WRITE)
		flush_out(b);
	if (b->state == BOX_UP && (revents & EV_READ))
		read_in(b);
}

/* --- MTs ------------------------------------------------------------------ */

/* Queues mt with a fresh UUID in id; id is "" if it could not be (the
 * text is not UTF-8, no memory, not connected). */
static void send_mt(struct box *b, const struct box_mt *mt, int sms_type, char id[BOX_UUID_LEN + 1])
{
	struct box_msg m = {.type = BOX_SMS};
	box_uuid_new(id);
	box_sms_init(&m.sms, id);
	const char *text = mt->text ? mt->text : "";
	if (!utf8_valid(text, mt->len)) {
		log_msg(LOG_LEVEL_ERROR, "box_mt", "reason=not_utf8");
		id[0] = '\0';
		return;
	}
	unsigned char *ucs2 = NULL;
	long len = (long)mt->len;
	if (mt->ucs2) { /* bearerbox wants UTF-16BE for UCS-2 */
		ucs2 = malloc(2 * mt->len + 2);
		len = ucs2 ? utf8_to_utf16be(text, mt->len, ucs2, 2 * mt->len + 2) : -1;
		text = (const char *)ucs2;
	}
	if (len < 0 || len > BOX_FRAME_MAX) {
		free(ucs2);
		id[0] = '\0';
		return;
	}
	m.sms.sender = box_str(mt->from);
	m.sms.receiver = box_str(mt->to);
	m.sms.msgdata = (struct box_str){text, (int32_t)len};
	m.sms.time = (int32_t)clock_now(b->d->loop);
	m.sms.smsc_id = box_str(mt->smsc);
	m.sms.sms_type = sms_type;
	m.sms.coding = mt->ucs2 ? 2 : 0; /* always said: bearerbox would guess */
	if (mt->dlr_url) {
		m.sms.dlr_mask = mt->dlr_mask;
		m.sms.dlr_url = box_str(mt->dlr_url);
		/* reports go only to the box the MT names: ours, or none */
		m.sms.boxc_id = box_str(*b->cfg->box_id ? b->cfg->box_id : NULL);
	}
	m.sms.meta_data = box_str(mt->meta);
	if (queue(b, &m) < 0)
		id[0] = '\0';
	free(ucs2);
}

int box_push(struct box *b, const struct box_mt *mt, const struct outbox_sent *sent)
{
	if (!box_up(b) || b->pending_count >= OUTBOX_IN_FLIGHT_MAX)
		return -1;
	struct pending *p = &b->pending[b->pending_count];
	send_mt(b, mt, BOX_MT_PUSH, p->id);
	if (!p->id[0])
		return -1;
	p->sent = *sent;
	b->pending_count++;
	b->d->metrics.box[METRICS_BOX_PUSHES]++;
	return 0;
}

/* --- lifecycle ------------------------------------------------------------- */

struct box *box_new(struct daemon *d, char *err, size_t err_size)
{
	err[0] = '\0';
	if (d->cfg->box_bearerbox.sa.ss_family == AF_UNSPEC)
		return NULL;
	struct box *b = calloc(1, sizeof *b);
	if (!b || !(b->pending = calloc(OUTBOX_IN_FLIGHT_MAX, sizeof *b->pending)) ||
	    !(b->replies = calloc(1, sizeof *b->replies))) {
		if (b)
			free(b->pending);
		free(b);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	b->d = d;
	b->cfg = cfg_ref(d->cfg);
	b->fd = -1;
	b->backoff = BACKOFF_FIRST;
	buf_init(&b->in, BOX_FRAME_MAX + 4 + READ_CHUNK);
	buf_init(&b->out, OUT_MAX);
	ev_init(&b->io, on_io);
	b->io.data = b;
	ev_init(&b->retry, on_retry);
	b->retry.data = b;
	ev_init(&b->redeliver, on_redeliver);
	b->redeliver.data = b;
	ev_init(&b->again_timer, on_again);
	b->again_timer.data = b;
	ev_prepare_init(&b->flusher, on_flush);
	b->flusher.data = b;
	ev_prepare_start(d->loop, &b->flusher); /* after the batch's (EV_MAXPRI) */
	start_connect(b);
	return b;
}

void box_quiesce(struct box *b)
{
	if (!b)
		return;
	b->quiescing = true;
	ev_timer_stop(b->d->loop, &b->retry);
	ev_timer_stop(b->d->loop, &b->redeliver);
	if (b->state == BOX_UP)
		watch(b, b->out_sent < b->out.len ? EV_WRITE : 0);
	else
		disconnect(b, "stopping");
}

void box_free(struct box *b)
{
	if (!b)
		return;
	b->quiescing = true;
	if (b->state == BOX_UP)
		flush_out(b); /* the last acknowledgements, if the socket takes them */
	disconnect(b, "stopping");
	ev_timer_stop(b->d->loop, &b->retry);
	ev_timer_stop(b->d->loop, &b->redeliver);
	ev_timer_stop(b->d->loop, &b->again_timer);
	ev_prepare_stop(b->d->loop, &b->flusher);
	for (unsigned i = 0; i < b->again_count; i++)
		free(b->again[i].frame);
	buf_cleanup(&b->in);
	buf_cleanup(&b->out);
	free(b->pending);
	free(b->replies);
	cfg_unref(b->cfg);
	free(b);
}
