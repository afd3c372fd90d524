/* Unit tests for gateway/boxproto.c: frames of bearerbox's box protocol,
 * byte for byte as shared/KANNEL-BOX.md describes them (known answers
 * written from that description, not from the codec), what the decoder
 * refuses, what the encoder refuses, and the UUIDs. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "boxproto.h"
#include "buf.h"
#include "tap.h"

#define U1 "5b0c2a46-8f1e-4c3d-9a7b-1e2f3a4b5c6d"
#define U2 "d3f1c0de-0a1b-4c2d-8e3f-405162738495"

/* Bytes written by hand in the order the protocol gives. */
struct wire {
	unsigned char b[1024];
	size_t len;
};

static void put_int(struct wire *w, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char p[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
			      (unsigned char)(u >> 8), (unsigned char)u};
	memcpy(w->b + w->len, p, 4);
	w->len += 4;
}

static void put_str(struct wire *w, const char *s)
{
	if (!s) {
		put_int(w, -1);
		return;
	}
	put_int(w, (int32_t)strlen(s));
	memcpy(w->b + w->len, s, strlen(s));
	w->len += strlen(s);
}

/* The frame of a body: its length, then the body. */
static struct wire framed(const struct wire *body)
{
	struct wire f = {{0}, 0};
	put_int(&f, (int32_t)body->len);
	memcpy(f.b + 4, body->b, body->len);
	f.len = 4 + body->len;
	return f;
}

static bool str_is(struct box_str s, const char *want)
{
	if (!want)
		return !s.data && s.len == -1;
	return s.data && s.len == (int32_t)strlen(want) && memcmp(s.data, want, strlen(want)) == 0;
}

static bool str_eq(struct box_str a, struct box_str b)
{
	return !a.data == !b.data && a.len == b.len &&
	       (a.len <= 0 || memcmp(a.data, b.data, (size_t)a.len) == 0);
}

/* m encodes to exactly want (a whole frame). */
static void encodes(const struct box_msg *m, const unsigned char *want, size_t want_len,
		    const char *what)
{
	struct buf b;
	buf_init(&b, 4096);
	is_int(box_encode(&b, m), 0, "%s: encoded", what);
	is_mem(b.data, b.len, want, want_len, "%s: the bytes", what);
	buf_cleanup(&b);
}

/* A whole frame decodes after its header says its length. */
static int decode_frame(const unsigned char *frame, size_t len, struct box_msg *m)
{
	if (len < 4 || box_frame_length(frame) != (long)(len - 4))
		return -2;
	return box_decode(frame + 4, len - 4, m);
}

/* m, encoded and decoded again, is m. */
static bool round_trips(const struct box_msg *m)
{
	struct buf b;
	buf_init(&b, BOX_FRAME_MAX + 4);
	struct box_msg again;
	bool same = box_encode(&b, m) == 0 &&
		    decode_frame((const unsigned char *)b.data, b.len, &again) == 0 &&
		    again.type == m->type;
	if (same && m->type == BOX_HEARTBEAT)
		same = again.load == m->load;
	if (same && m->type == BOX_ADMIN)
		same = again.admin.command == m->admin.command &&
		       str_eq(again.admin.boxc_id, m->admin.boxc_id);
	if (same && m->type == BOX_ACK)
		same = again.ack.nack == m->ack.nack && again.ack.time == m->ack.time &&
		       strcmp(again.ack.id, m->ack.id) == 0;
	if (same && m->type == BOX_SMS) {
		const struct box_sms *x = &m->sms, *y = &again.sms;
		same = str_eq(x->sender, y->sender) && str_eq(x->receiver, y->receiver) &&
		       str_eq(x->udhdata, y->udhdata) && str_eq(x->msgdata, y->msgdata) &&
		       x->time == y->time && str_eq(x->smsc_id, y->smsc_id) &&
		       str_eq(x->smsc_number, y->smsc_number) &&
		       str_eq(x->foreign_id, y->foreign_id) && str_eq(x->service, y->service) &&
		       str_eq(x->account, y->account) && strcmp(x->id, y->id) == 0 &&
		       x->sms_type == y->sms_type && x->mclass == y->mclass && x->mwi == y->mwi &&
		       x->coding == y->coding && x->compress == y->compress &&
		       x->validity == y->validity && x->deferred == y->deferred &&
		       x->dlr_mask == y->dlr_mask && str_eq(x->dlr_url, y->dlr_url) &&
		       x->pid == y->pid && x->alt_dcs == y->alt_dcs && x->rpi == y->rpi &&
		       str_eq(x->charset, y->charset) && str_eq(x->boxc_id, y->boxc_id) &&
		       str_eq(x->binfo, y->binfo) && x->msg_left == y->msg_left &&
		       x->priority == y->priority && x->resend_try == y->resend_try &&
		       x->resend_time == y->resend_time && str_eq(x->meta_data, y->meta_data);
	}
	buf_cleanup(&b);
	return same;
}

static void test_frame_length(void)
{
	static const struct {
		unsigned char header[4];
		long want;
		const char *what;
	} cases[] = {
	    {{0, 0, 0, 12}, 12, "12"},
	    {{0, 0, 0, 0}, 0, "0"},
	    {{0, 0, 1, 0}, 256, "256: big-endian"},
	    {{0, 4, 0, 0}, BOX_FRAME_MAX, "BOX_FRAME_MAX"},
	    {{0, 4, 0, 1}, -1, "BOX_FRAME_MAX + 1"},
	    {{0x7f, 0xff, 0xff, 0xff}, -1, "INT32_MAX"},
	    {{0xff, 0xff, 0xff, 0xff}, -1, "-1"},
	    {{0x80, 0, 0, 0}, -1, "INT32_MIN"},
	    {{0xff, 0xff, 0xff, 0xf4}, -1, "-12"},
	};
	is_int(BOX_FRAME_MAX, 262144, "BOX_FRAME_MAX is 256 KiB");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(box_frame_length(cases[i].header), cases[i].want, "frame length %s",
		       cases[i].what);
}

static void test_helpers(void)
{
	struct box_str s = box_str(NULL);
	ok(!s.data && s.len == -1, "box_str(NULL) is NULL, length -1");
	s = box_str("");
	ok(s.data && s.len == 0, "box_str(\"\") is empty, not NULL");
	ok(str_is(box_str("abc"), "abc"), "box_str(\"abc\")");
	s = BOX_NULL;
	ok(!s.data && s.len == -1, "BOX_NULL");

	struct box_sms sms;
	memset(&sms, 0x55, sizeof sms);
	box_sms_init(&sms, U1);
	ok(str_is(sms.sender, NULL) && str_is(sms.receiver, NULL) && str_is(sms.udhdata, NULL) &&
	       str_is(sms.msgdata, NULL) && str_is(sms.smsc_id, NULL) &&
	       str_is(sms.smsc_number, NULL) && str_is(sms.foreign_id, NULL) &&
	       str_is(sms.service, NULL) && str_is(sms.account, NULL) &&
	       str_is(sms.dlr_url, NULL) && str_is(sms.charset, NULL) &&
	       str_is(sms.boxc_id, NULL) && str_is(sms.binfo, NULL) && str_is(sms.meta_data, NULL),
	   "box_sms_init: the 14 strings NULL");
	ok(sms.time == -1 && sms.sms_type == -1 && sms.mclass == -1 && sms.mwi == -1 &&
	       sms.coding == -1 && sms.compress == -1 && sms.validity == -1 && sms.deferred == -1 &&
	       sms.dlr_mask == -1 && sms.pid == -1 && sms.alt_dcs == -1 && sms.rpi == -1 &&
	       sms.msg_left == -1 && sms.priority == -1 && sms.resend_try == -1 &&
	       sms.resend_time == -1,
	   "box_sms_init: the 16 integers -1");
	is_str(sms.id, U1, "box_sms_init: the id");
}

static void test_heartbeat(void)
{
	static const unsigned char want[] = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7};
	struct box_msg m = {.type = BOX_HEARTBEAT, .load = 7};
	encodes(&m, want, sizeof want, "heartbeat load 7");
	struct box_msg d;
	is_int(decode_frame(want, sizeof want, &d), 0, "heartbeat decodes");
	ok(d.type == BOX_HEARTBEAT && d.load == 7, "heartbeat: type 0, load 7");
	m.load = -1;
	ok(round_trips(&m), "heartbeat load -1 round trips");
}

static void test_admin(void)
{
	/* length 12, type 1, command 3 (identify), boxc_id NULL */
	static const unsigned char identify[] = {0, 0, 0, 12, 0,    0,    0,    1,
						 0, 0, 0, 3,  0xff, 0xff, 0xff, 0xff};
	struct box_msg m = {.type = BOX_ADMIN, .admin = {BOX_IDENTIFY, BOX_NULL}};
	encodes(&m, identify, sizeof identify, "identify, boxc_id NULL");
	struct box_msg d;
	is_int(decode_frame(identify, sizeof identify, &d), 0, "identify decodes");
	ok(d.type == BOX_ADMIN && d.admin.command == BOX_IDENTIFY, "identify: type 1, command 3");
	ok(str_is(d.admin.boxc_id, NULL), "identify: boxc_id NULL");

	static const unsigned char named[] = {0, 0, 0, 18, 0, 0,   0,   1,   0,   0,   0,
					      3, 0, 0, 0,  6, 'c', 'h', 'a', 'b', 'a', 'r'};
	m.admin.boxc_id = box_str("chabar");
	encodes(&m, named, sizeof named, "identify, boxc_id \"chabar\"");
	is_int(decode_frame(named, sizeof named, &d), 0, "identify chabar decodes");
	ok(str_is(d.admin.boxc_id, "chabar"), "boxc_id \"chabar\"");
	ok(d.admin.boxc_id.data == (const char *)named + 16, "the string points into the frame");

	static const unsigned char empty[] = {0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0};
	m.admin.boxc_id = box_str("");
	encodes(&m, empty, sizeof empty, "identify, boxc_id empty (not NULL)");
	is_int(decode_frame(empty, sizeof empty, &d), 0, "identify \"\" decodes");
	ok(d.admin.boxc_id.data && d.admin.boxc_id.len == 0, "boxc_id empty, not NULL");
	ok(round_trips(&m), "empty boxc_id round trips");

	static const unsigned char shutdown[] = {0, 0, 0, 12, 0,    0,    0,    1,
						 0, 0, 0, 0,  0xff, 0xff, 0xff, 0xff};
	is_int(decode_frame(shutdown, sizeof shutdown, &d), 0, "shutdown decodes");
	ok(d.type == BOX_ADMIN && d.admin.command == BOX_SHUTDOWN, "command 0 is shutdown");
}

static void test_ack(void)
{
	/* length 52, type 3, nack 0, time 1700000000, id: 36 bytes */
	struct wire want = {
	    {0, 0, 0, 52, 0, 0, 0, 3, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 36}, 20};
	memcpy(want.b + want.len, U1, 36);
	want.len += 36;
	struct box_msg m = {.type = BOX_ACK, .ack = {BOX_ACK_SUCCESS, 1700000000, U1}};
	encodes(&m, want.b, want.len, "ack success");
	struct box_msg d;
	is_int(decode_frame(want.b, want.len, &d), 0, "ack decodes");
	ok(d.type == BOX_ACK && d.ack.nack == BOX_ACK_SUCCESS && d.ack.time == 1700000000,
	   "ack: type 3, nack 0, time");
	is_str(d.ack.id, U1, "ack: id");

	m.ack.nack = BOX_ACK_FAILED_TMP;
	m.ack.time = -1;
	memcpy(m.ack.id, U2, sizeof U2);
	ok(round_trips(&m), "ack failed_tmp, time -1 round trips");
}

/* The sms with every field set to its own value, written by hand in the
 * order of KANNEL-BOX.md. */
static struct wire sms_all_body(void)
{
	struct wire w = {{0}, 0};
	put_int(&w, 2);                            /* type sms */
	put_str(&w, "996555123456");               /* sender */
	put_str(&w, "384");                        /* receiver */
	put_str(&w, "udh");                        /* udhdata */
	put_str(&w, "CHECKIN 1234");               /* msgdata */
	put_int(&w, 1700000000);                   /* time */
	put_str(&w, "beeline");                    /* smsc_id */
	put_str(&w, "+996555000000");              /* smsc_number */
	put_str(&w, "f-123");                      /* foreign_id */
	put_str(&w, "default");                    /* service */
	put_str(&w, "acct");                       /* account */
	put_str(&w, U1);                           /* id */
	put_int(&w, 0);                            /* sms_type mo */
	put_int(&w, 101);                          /* mclass */
	put_int(&w, 102);                          /* mwi */
	put_int(&w, 2);                            /* coding */
	put_int(&w, 103);                          /* compress */
	put_int(&w, 104);                          /* validity */
	put_int(&w, 105);                          /* deferred */
	put_int(&w, 31);                           /* dlr_mask */
	put_str(&w, "dlr:42");                     /* dlr_url */
	put_int(&w, 106);                          /* pid */
	put_int(&w, 107);                          /* alt_dcs */
	put_int(&w, 108);                          /* rpi */
	put_str(&w, "UTF-16BE");                   /* charset */
	put_str(&w, "chabar");                     /* boxc_id */
	put_str(&w, "binfo");                      /* binfo */
	put_int(&w, 109);                          /* msg_left */
	put_int(&w, 110);                          /* priority */
	put_int(&w, 111);                          /* resend_try */
	put_int(&w, 112);                          /* resend_time */
	put_str(&w, "?smpp?ussd_service_op=%01&"); /* meta_data */
	return w;
}

static void test_sms(void)
{
	struct box_msg m = {.type = BOX_SMS};
	box_sms_init(&m.sms, U1);
	struct box_sms *s = &m.sms;
	s->sender = box_str("996555123456");
	s->receiver = box_str("384");
	s->udhdata = box_str("udh");
	s->msgdata = box_str("CHECKIN 1234");
	s->time = 1700000000;
	s->smsc_id = box_str("beeline");
	s->smsc_number = box_str("+996555000000");
	s->foreign_id = box_str("f-123");
	s->service = box_str("default");
	s->account = box_str("acct");
	s->sms_type = BOX_MO;
	s->mclass = 101;
	s->mwi = 102;
	s->coding = 2;
	s->compress = 103;
	s->validity = 104;
	s->deferred = 105;
	s->dlr_mask = 31;
	s->dlr_url = box_str("dlr:42");
	s->pid = 106;
	s->alt_dcs = 107;
	s->rpi = 108;
	s->charset = box_str("UTF-16BE");
	s->boxc_id = box_str("chabar");
	s->binfo = box_str("binfo");
	s->msg_left = 109;
	s->priority = 110;
	s->resend_try = 111;
	s->resend_time = 112;
	s->meta_data = box_str("?smpp?ussd_service_op=%01&");

	struct wire body = sms_all_body();
	struct wire want = framed(&body);
	encodes(&m, want.b, want.len, "sms with all 31 fields set");

	struct box_msg d;
	is_int(decode_frame(want.b, want.len, &d), 0, "sms with all fields decodes");
	const struct box_sms *x = &d.sms;
	ok(d.type == BOX_SMS, "type 2 is sms");
	ok(str_is(x->sender, "996555123456") && str_is(x->receiver, "384") &&
	       str_is(x->udhdata, "udh") && str_is(x->msgdata, "CHECKIN 1234"),
	   "sender, receiver, udhdata, msgdata");
	ok(x->time == 1700000000 && str_is(x->smsc_id, "beeline") &&
	       str_is(x->smsc_number, "+996555000000") && str_is(x->foreign_id, "f-123") &&
	       str_is(x->service, "default") && str_is(x->account, "acct"),
	   "time, smsc_id, smsc_number, foreign_id, service, account");
	is_str(x->id, U1, "id");
	ok(x->sms_type == BOX_MO && x->mclass == 101 && x->mwi == 102 && x->coding == 2 &&
	       x->compress == 103 && x->validity == 104 && x->deferred == 105 &&
	       x->dlr_mask == 31 && str_is(x->dlr_url, "dlr:42"),
	   "sms_type .. dlr_url");
	ok(x->pid == 106 && x->alt_dcs == 107 && x->rpi == 108 && str_is(x->charset, "UTF-16BE") &&
	       str_is(x->boxc_id, "chabar") && str_is(x->binfo, "binfo"),
	   "pid .. binfo");
	ok(x->msg_left == 109 && x->priority == 110 && x->resend_try == 111 &&
	       x->resend_time == 112 && str_is(x->meta_data, "?smpp?ussd_service_op=%01&"),
	   "msg_left .. meta_data");
	ok(round_trips(&m), "sms with all fields round trips");

	/* An MT as outbox writes it: most fields unset. */
	struct box_msg mt = {.type = BOX_SMS};
	box_sms_init(&mt.sms, U2);
	mt.sms.sender = box_str("384");
	mt.sms.receiver = box_str("996555123456");
	mt.sms.msgdata = box_str("");
	mt.sms.sms_type = BOX_MT_PUSH;
	mt.sms.coding = 0;
	struct wire mt_body = {{0}, 0};
	put_int(&mt_body, 2);
	put_str(&mt_body, "384");
	put_str(&mt_body, "996555123456");
	put_str(&mt_body, NULL);
	put_str(&mt_body, "");
	put_int(&mt_body, -1);
	for (int i = 0; i < 5; i++) /* smsc_id .. account */
		put_str(&mt_body, NULL);
	put_str(&mt_body, U2);
	put_int(&mt_body, 2); /* sms_type mt_push */
	put_int(&mt_body, -1);
	put_int(&mt_body, -1);
	put_int(&mt_body, 0);       /* coding */
	for (int i = 0; i < 4; i++) /* compress .. dlr_mask */
		put_int(&mt_body, -1);
	put_str(&mt_body, NULL);    /* dlr_url */
	for (int i = 0; i < 3; i++) /* pid, alt_dcs, rpi */
		put_int(&mt_body, -1);
	for (int i = 0; i < 3; i++) /* charset, boxc_id, binfo */
		put_str(&mt_body, NULL);
	for (int i = 0; i < 4; i++) /* msg_left .. resend_time */
		put_int(&mt_body, -1);
	put_str(&mt_body, NULL); /* meta_data */
	is_int(mt_body.len, 179, "an MT with an empty text is 179 bytes");
	struct wire mt_want = framed(&mt_body);
	encodes(&mt, mt_want.b, mt_want.len, "MT with most fields unset");
	is_int(decode_frame(mt_want.b, mt_want.len, &d), 0, "the MT decodes");
	ok(str_is(d.sms.udhdata, NULL) && d.sms.msgdata.data && d.sms.msgdata.len == 0,
	   "udhdata NULL, msgdata empty");
	ok(round_trips(&mt), "the MT round trips");
}

static void test_decode_refusals(void)
{
	struct box_msg d;
	static const unsigned char identify[] = {0, 0, 0, 1, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff};
	is_int(box_decode(identify, 0, &d), -1, "empty body");
	is_int(box_decode(identify, 3, &d), -1, "3 bytes: no type");
	is_int(box_decode(identify, 4, &d), -1, "admin without its command");
	is_int(box_decode(identify, 8, &d), -1, "admin without its boxc_id");
	is_int(box_decode(identify, 11, &d), -1, "admin one byte short");
	is_int(box_decode(identify, 12, &d), 0, "the whole admin");

	static const unsigned char hb[] = {0, 0, 0, 0, 0, 0, 0};
	is_int(box_decode(hb, 7, &d), -1, "heartbeat one byte short");

	static const unsigned char minus2[] = {0, 0, 0, 1, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xfe};
	is_int(box_decode(minus2, sizeof minus2, &d), -1, "string length -2");
	static const unsigned char min[] = {0, 0, 0, 1, 0, 0, 0, 3, 0x80, 0, 0, 0};
	is_int(box_decode(min, sizeof min, &d), -1, "string length INT32_MIN");
	static const unsigned char past[] = {0, 0, 0, 1,   0,   0,   0,   3,   0,
					     0, 0, 7, 'c', 'h', 'a', 'b', 'a', 'r'};
	is_int(box_decode(past, sizeof past, &d), -1, "a string one byte longer than the frame");
	is_int(box_decode(past, sizeof past - 1, &d), -1, "a string cut short");
	static const unsigned char huge[] = {0, 0, 0, 1, 0, 0, 0, 3, 0x7f, 0xff, 0xff, 0xff, 'x'};
	is_int(box_decode(huge, sizeof huge, &d), -1, "string length INT32_MAX");

	static const unsigned char types[][8] = {
	    {0, 0, 0, 4, 0, 0, 0, 0},
	    {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	    {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	    {0, 0, 1, 0, 0, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		is_int(box_decode(types[i], 8, &d), -1, "unknown type %02x%02x%02x%02x",
		       types[i][0], types[i][1], types[i][2], types[i][3]);

	/* trailing bytes are ignored, as bearerbox does */
	static const unsigned char trailing[] = {0,    0,    0,    1, 0, 0, 0,  3,  0xff,
						 0xff, 0xff, 0xff, 0, 0, 0, 42, 'x'};
	is_int(box_decode(trailing, sizeof trailing, &d), 0, "admin with trailing bytes decodes");
	ok(d.type == BOX_ADMIN && d.admin.command == BOX_IDENTIFY && str_is(d.admin.boxc_id, NULL),
	   "the trailing bytes change nothing");
	static const unsigned char hb_more[] = {0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3};
	is_int(box_decode(hb_more, sizeof hb_more, &d), 0, "heartbeat with trailing bytes");
	is_int(d.load, 9, "its load");

	/* the sms cut anywhere is refused; whole, it decodes */
	struct wire body = sms_all_body();
	int cut_taken = 0;
	for (size_t n = 0; n < body.len; n++)
		cut_taken += box_decode(body.b, n, &d) == 0;
	is_int(cut_taken, 0, "the sms cut at any of its %zu bytes is refused", body.len);
	is_int(box_decode(body.b, body.len, &d), 0, "the sms whole decodes");
}

/* An ack whose id is the len bytes of id. */
static int decode_ack_id(const char *id, int32_t len, struct box_msg *d)
{
	struct wire w = {{0}, 0};
	put_int(&w, 3);
	put_int(&w, 0);
	put_int(&w, 0);
	put_int(&w, len);
	if (len > 0) {
		memcpy(w.b + w.len, id, (size_t)len);
		w.len += (size_t)len;
	}
	return box_decode(w.b, w.len, d);
}

static void test_decode_uuids(void)
{
	struct box_msg d;
	is_int(decode_ack_id(U1, 36, &d), 0, "a lowercase UUID");
	is_int(decode_ack_id(U1, 35, &d), -1, "35 characters");
	is_int(decode_ack_id(U1 "0", 37, &d), -1, "37 characters");
	is_int(decode_ack_id("5b0c2a46-8f1e-4c3d-9a7b-1e2f3a4b5c6g", 36, &d), -1, "a 'g'");
	is_int(decode_ack_id("5b0c2a46-8f1e-4c3d-9a7b-1e2f3a4b5c6 ", 36, &d), -1, "a space");
	is_int(decode_ack_id("5b0c2a468-f1e-4c3d-9a7b-1e2f3a4b5c6d", 36, &d), -1,
	       "a dash out of place");
	is_int(decode_ack_id("5b0c2a46-8f1e-4c3d-9a7b-1e2f3a4b5c6\0", 36, &d), -1, "a NUL");
	is_int(decode_ack_id("5b0c2a46x8f1e-4c3d-9a7b-1e2f3a4b5c6d", 36, &d), -1, "no dash");
	is_int(decode_ack_id(NULL, -1, &d), -1, "a NULL id");
	is_int(decode_ack_id("", 0, &d), -1, "an empty id");
	is_int(decode_ack_id("5B0C2A46-8F1E-4C3D-9A7B-1E2F3A4B5C6D", 36, &d), 0,
	       "an uppercase UUID is read");
	is_str(d.ack.id, U1, "and lowercased");
	ok(round_trips(&d), "and then written");

	struct wire body = sms_all_body();
	size_t at = 0; /* the id's first byte, after its length */
	for (size_t i = 0; i + 36 <= body.len; i++)
		if (memcmp(body.b + i, U1, 36) == 0)
			at = i;
	body.b[at + 35] = 'z';
	is_int(box_decode(body.b, body.len, &d), -1, "an sms with a bad id");
	body.b[at + 35] = 'D';
	is_int(box_decode(body.b, body.len, &d), 0, "an sms with an uppercase id");
	is_str(d.sms.id, U1, "its id lowercased");
}

/* m is refused and the buffer holding "held" keeps it. */
static void refused(const struct box_msg *m, const char *what)
{
	struct buf b;
	buf_init(&b, BOX_FRAME_MAX * 2);
	buf_append(&b, "held", 4);
	is_int(box_encode(&b, m), -1, "refused: %s", what);
	ok(b.len == 4 && memcmp(b.data, "held", 5) == 0 && !b.overflowed,
	   "%s: the buffer as it was", what);
	buf_cleanup(&b);
}

static void test_encode_refusals(void)
{
	struct box_msg m = {.type = BOX_ACK, .ack = {BOX_ACK_SUCCESS, 0, U1}};
	memcpy(m.ack.id, "5b0c2a46-8f1e-4c3d-9a7b-1E2F3A4B5C6D", 37);
	refused(&m, "an ack with an uppercase id");
	memcpy(m.ack.id, U1, 37);
	m.ack.id[35] = '\0';
	refused(&m, "an ack with a 35-character id");
	m.ack.id[0] = '\0';
	refused(&m, "an ack with an empty id");
	memcpy(m.ack.id, U1, 37);
	m.ack.id[8] = 'f';
	refused(&m, "an ack with a dash missing");

	struct box_msg s = {.type = BOX_SMS};
	box_sms_init(&s.sms, "5B0C2A46-8F1E-4C3D-9A7B-1E2F3A4B5C6D");
	refused(&s, "an sms with an uppercase id");
	box_sms_init(&s.sms, U1);
	s.sms.msgdata = (struct box_str){NULL, 0};
	refused(&s, "a string set without bytes");
	s.sms.msgdata = (struct box_str){"x", -2};
	refused(&s, "a string of length -2");

	struct box_msg a = {.type = BOX_ADMIN, .admin = {BOX_IDENTIFY, {"x", -1}}};
	refused(&a, "a boxc_id with bytes and length -1");
	a.type = 4;
	refused(&a, "type 4");
	a.type = -1;
	refused(&a, "type -1");

	/* the frame's limit: an sms body is 164 bytes and its msgdata */
	static char text[BOX_FRAME_MAX];
	memset(text, 'a', sizeof text);
	box_sms_init(&s.sms, U1);
	s.sms.msgdata = (struct box_str){text, BOX_FRAME_MAX - 164};
	struct buf b;
	buf_init(&b, BOX_FRAME_MAX * 2);
	is_int(box_encode(&b, &s), 0, "a body of exactly BOX_FRAME_MAX is written");
	is_int(b.len, BOX_FRAME_MAX + 4, "its frame");
	is_int(box_frame_length((const unsigned char *)b.data), BOX_FRAME_MAX, "its length");
	struct box_msg d;
	is_int(decode_frame((const unsigned char *)b.data, b.len, &d), 0, "and it decodes");
	ok(d.sms.msgdata.len == BOX_FRAME_MAX - 164, "with its text whole");
	buf_cleanup(&b);
	s.sms.msgdata.len++;
	refused(&s, "a body of BOX_FRAME_MAX + 1");

	/* a buffer too small: nothing written, marked overflowed */
	struct box_msg id = {.type = BOX_ADMIN, .admin = {BOX_IDENTIFY, BOX_NULL}};
	buf_init(&b, 20);
	buf_append(&b, "hello", 5);
	is_int(box_encode(&b, &id), -1, "16 bytes after 5 in a buffer of 20: refused");
	ok(b.len == 5 && memcmp(b.data, "hello", 6) == 0, "the buffer keeps its 5 bytes");
	ok(b.overflowed, "and is marked overflowed");
	is_int(box_encode(&b, &(struct box_msg){.type = BOX_HEARTBEAT}), -1,
	       "an overflowed buffer takes nothing more");
	buf_cleanup(&b);
	buf_init(&b, 21);
	buf_append(&b, "hello", 5);
	is_int(box_encode(&b, &id), 0, "16 bytes after 5 in a buffer of 21: written");
	is_int(b.len, 21, "all of it");
	buf_cleanup(&b);
	buf_init(&b, 3);
	is_int(box_encode(&b, &id), -1, "not even the length fits");
	ok(b.len == 0 && b.overflowed, "nothing written, overflowed");
	buf_cleanup(&b);

	/* frames follow one another in one buffer */
	buf_init(&b, 4096);
	struct box_msg hb = {.type = BOX_HEARTBEAT, .load = 1};
	struct box_msg ack = {.type = BOX_ACK, .ack = {BOX_ACK_BUFFERED, 5, U2}};
	ok(box_encode(&b, &id) == 0 && box_encode(&b, &hb) == 0 && box_encode(&b, &ack) == 0,
	   "three frames appended");
	is_int(b.len, 16 + 12 + 56, "their lengths add up");
	const unsigned char *p = (const unsigned char *)b.data;
	ok(box_frame_length(p) == 12 && box_frame_length(p + 16) == 8 &&
	       box_frame_length(p + 28) == 52,
	   "each frame says its own length");
	ok(decode_frame(p + 28, 56, &d) == 0 && d.ack.nack == BOX_ACK_BUFFERED &&
	       strcmp(d.ack.id, U2) == 0,
	   "the third decodes");
	buf_cleanup(&b);
}

static void test_uuids(void)
{
	ok(box_uuid_ok(U1, 36, true), "lowercase UUID, lowercase only");
	ok(box_uuid_ok(U1, 36, false), "lowercase UUID");
	ok(box_uuid_ok("5B0C2A46-8F1E-4C3D-9A7B-1E2F3A4B5C6D", 36, false),
	   "uppercase when reading");
	ok(!box_uuid_ok("5B0C2A46-8F1E-4C3D-9A7B-1E2F3A4B5C6D", 36, true),
	   "no uppercase for the encoder");
	ok(!box_uuid_ok(U1, 35, false), "35 characters");
	ok(!box_uuid_ok(U1 "0", 37, false), "37 characters");
	ok(!box_uuid_ok("5b0c2a46-8f1e-4c3d-9a7b-1e2f3a4b5c6g", 36, false), "a 'g'");
	ok(!box_uuid_ok("5b0c2a46-8f1e-4c3d-9a7b+1e2f3a4b5c6d", 36, false), "a '+' for a dash");
	ok(!box_uuid_ok("5b0c2a46-8f1e-4c3d-9a7b-1e2f3a4b5c-d", 36, false), "a dash for a digit");

	char a[BOX_UUID_LEN + 1], b[BOX_UUID_LEN + 1];
	int good = 0, same = 0;
	box_uuid_new(a);
	for (int i = 0; i < 1000; i++) {
		box_uuid_new(b);
		good += strlen(b) == BOX_UUID_LEN && box_uuid_ok(b, strlen(b), true) &&
			b[14] == '4' && strchr("89ab", b[19]) != NULL;
		same += strcmp(a, b) == 0;
	}
	is_int(strlen(a), 36, "box_uuid_new: 36 characters");
	ok(box_uuid_ok(a, strlen(a), true), "box_uuid_new: a lowercase UUID");
	is_int(a[14], '4', "version 4");
	ok(strchr("89ab", a[19]) != NULL, "the RFC 4122 variant");
	is_int(good, 1000, "1000 more: all lowercase version-4 UUIDs");
	is_int(same, 0, "none the same as the first");
	box_uuid_new(b);
	ok(strcmp(a, b) != 0, "two calls differ");

	struct box_msg m = {.type = BOX_SMS};
	box_sms_init(&m.sms, a);
	ok(round_trips(&m), "an sms with a fresh id round trips");
}

static void test_ack_taken(void)
{
	ok(box_ack_taken(BOX_ACK_SUCCESS) && box_ack_taken(BOX_ACK_BUFFERED),
	   "success and buffered: bearerbox has the MT");
	ok(!box_ack_taken(BOX_ACK_FAILED) && !box_ack_taken(BOX_ACK_FAILED_TMP) &&
	       !box_ack_taken(7),
	   "failed, failed_tmp or an unknown kind: it has not");
}

int main(void)
{
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	test_frame_length();
	test_helpers();
	test_heartbeat();
	test_admin();
	test_ack();
	test_ack_taken();
	test_sms();
	test_decode_refusals();
	test_decode_uuids();
	test_encode_refusals();
	test_uuids();
	return tap_done();
}
