/* boxproto — see boxproto.h. */
#include "boxproto.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

enum field_kind { FIELD_INT, FIELD_STR, FIELD_UUID };

struct field {
	enum field_kind kind;
	size_t offset;
};

#define INT(name)                                                                                  \
	{                                                                                          \
		FIELD_INT, offsetof(struct box_sms, name)                                          \
	}
#define STR(name)                                                                                  \
	{                                                                                          \
		FIELD_STR, offsetof(struct box_sms, name)                                          \
	}
#define UUID(name)                                                                                 \
	{                                                                                          \
		FIELD_UUID, offsetof(struct box_sms, name)                                         \
	}

/* The sms fields in their order on the wire (Kannel's gw/msg-decl.h). One
 * table drives the decoder and the encoder, so the two cannot disagree. */
static const struct field sms_fields[] = {
    STR(sender),    STR(receiver),    STR(udhdata),    STR(msgdata),    INT(time),
    STR(smsc_id),   STR(smsc_number), STR(foreign_id), STR(service),    STR(account),
    UUID(id),       INT(sms_type),    INT(mclass),     INT(mwi),        INT(coding),
    INT(compress),  INT(validity),    INT(deferred),   INT(dlr_mask),   STR(dlr_url),
    INT(pid),       INT(alt_dcs),     INT(rpi),        STR(charset),    STR(boxc_id),
    STR(binfo),     INT(msg_left),    INT(priority),   INT(resend_try), INT(resend_time),
    STR(meta_data),
};
_Static_assert(sizeof sms_fields / sizeof sms_fields[0] == 31, "an sms has 31 fields");

struct box_str box_str(const char *text)
{
	return text ? (struct box_str){text, (int32_t)strlen(text)} : BOX_NULL;
}

void box_sms_init(struct box_sms *sms, const char id[BOX_UUID_LEN + 1])
{
	for (size_t i = 0; i < sizeof sms_fields / sizeof sms_fields[0]; i++) {
		char *at = (char *)sms + sms_fields[i].offset;
		if (sms_fields[i].kind == FIELD_INT)
			*(int32_t *)at = -1;
		else if (sms_fields[i].kind == FIELD_STR)
			*(struct box_str *)at = BOX_NULL;
	}
	memcpy(sms->id, id, BOX_UUID_LEN + 1);
}

static uint32_t read_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long box_frame_length(const unsigned char header[4])
{
	int32_t len = (int32_t)read_be32(header);
	return len < 0 || len > BOX_FRAME_MAX ? -1 : (long)len;
}

bool box_ack_taken(int nack)
{
	return nack == BOX_ACK_SUCCESS || nack == BOX_ACK_BUFFERED;
}

bool box_uuid_ok(const char *text, size_t len, bool lowercase_only)
{
	if (len != BOX_UUID_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (!lowercase_only && c >= 'A' && c <= 'F');
		if (dash ? c != '-' : !hex)
			return false;
	}
	return true;
}

void box_uuid_new(char out[BOX_UUID_LEN + 1])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, BOX_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* --- decoding ------------------------------------------------------------ */

struct reader {
	const unsigned char *p;
	size_t left;
	bool bad;
};

static int32_t read_int(struct reader *r)
{
	if (r->bad || r->left < 4) {
		r->bad = true;
		return -1;
	}
	int32_t v = (int32_t)read_be32(r->p);
	r->p += 4;
	r->left -= 4;
	return v;
}

static struct box_str read_str(struct reader *r)
{
	int32_t len = read_int(r);
	if (r->bad || len < -1 || (len > 0 && (size_t)len > r->left)) {
		r->bad = true;
		return BOX_NULL;
	}
	if (len == -1)
		return BOX_NULL;
	struct box_str s = {(const char *)r->p, len};
	r->p += len;
	r->left -= (size_t)len;
	return s;
}

static void read_uuid(struct reader *r, char out[BOX_UUID_LEN + 1])
{
	struct box_str s = read_str(r);
	if (r->bad || s.len < 0 || !box_uuid_ok(s.data, (size_t)s.len, false)) {
		r->bad = true;
		out[0] = '\0';
		return;
	}
	for (int i = 0; i < BOX_UUID_LEN; i++) /* as bearerbox writes it */
		out[i] = (char)(s.data[i] >= 'A' && s.data[i] <= 'F' ? s.data[i] + 32 : s.data[i]);
	out[BOX_UUID_LEN] = '\0';
}

int box_decode(const unsigned char *frame, size_t len, struct box_msg *out)
{
	struct reader r = {frame, len, false};
	memset(out, 0, sizeof *out);
	out->type = read_int(&r);
	switch (out->type) {
	case BOX_HEARTBEAT: out->load = read_int(&r); break;
	case BOX_ADMIN:
		out->admin.command = read_int(&r);
		out->admin.boxc_id = read_str(&r);
		break;
	case BOX_ACK:
		out->ack.nack = read_int(&r);
		out->ack.time = read_int(&r);
		read_uuid(&r, out->ack.id);
		break;
	case BOX_SMS:
		for (size_t i = 0; i < sizeof sms_fields / sizeof sms_fields[0]; i++) {
			char *at = (char *)&out->sms + sms_fields[i].offset;
			if (sms_fields[i].kind == FIELD_INT)
				*(int32_t *)at = read_int(&r);
			else if (sms_fields[i].kind == FIELD_STR)
				*(struct box_str *)at = read_str(&r);
			else
				read_uuid(&r, at);
		}
		break;
	default: return -1;
	}
	return r.bad ? -1 : 0;
}

/* --- encoding ------------------------------------------------------------ */

static void write_int(struct buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char p[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
			      (unsigned char)(u >> 8), (unsigned char)u};
	buf_append(b, p, 4);
}

static void write_str(struct buf *b, struct box_str s)
{
	write_int(b, s.data ? s.len : -1);
	if (s.data && s.len > 0)
		buf_append(b, s.data, (size_t)s.len);
}

/* What bearerbox would refuse: a malformed UUID, a string of a negative
 * length or set without bytes, a frame over the limit. */
static bool str_ok(struct box_str s)
{
	return s.data ? s.len >= 0 && s.len <= BOX_FRAME_MAX : s.len == -1;
}

static bool encodable(const struct box_msg *m)
{
	switch (m->type) {
	case BOX_HEARTBEAT: return true;
	case BOX_ADMIN: return str_ok(m->admin.boxc_id);
	case BOX_ACK: return box_uuid_ok(m->ack.id, strnlen(m->ack.id, BOX_UUID_LEN + 1), true);
	case BOX_SMS:
		for (size_t i = 0; i < sizeof sms_fields / sizeof sms_fields[0]; i++) {
			const char *at = (const char *)&m->sms + sms_fields[i].offset;
			if (sms_fields[i].kind == FIELD_STR && !str_ok(*(const struct box_str *)at))
				return false;
			if (sms_fields[i].kind == FIELD_UUID &&
			    !box_uuid_ok(at, strnlen(at, BOX_UUID_LEN + 1), true))
				return false;
		}
		return true;
	default: return false;
	}
}

static void write_body(struct buf *b, const struct box_msg *m)
{
	write_int(b, m->type);
	switch (m->type) {
	case BOX_HEARTBEAT: write_int(b, m->load); break;
	case BOX_ADMIN:
		write_int(b, m->admin.command);
		write_str(b, m->admin.boxc_id);
		break;
	case BOX_ACK:
		write_int(b, m->ack.nack);
		write_int(b, m->ack.time);
		write_str(b, box_str(m->ack.id));
		break;
	default: /* BOX_SMS: encodable() allows nothing else */
		for (size_t i = 0; i < sizeof sms_fields / sizeof sms_fields[0]; i++) {
			const char *at = (const char *)&m->sms + sms_fields[i].offset;
			if (sms_fields[i].kind == FIELD_INT)
				write_int(b, *(const int32_t *)at);
			else if (sms_fields[i].kind == FIELD_STR)
				write_str(b, *(const struct box_str *)at);
			else
				write_str(b, box_str(at));
		}
	}
}

int box_encode(struct buf *out, const struct box_msg *m)
{
	if (!encodable(m) || out->overflowed)
		return -1;
	size_t start = out->len;
	write_int(out, 0); /* the length, known once the body is written */
	write_body(out, m);
	size_t body = out->len - start - 4;
	if (out->overflowed || body > BOX_FRAME_MAX) {
		out->len = start; /* as it was, but still marked overflowed if full */
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	unsigned char *len = (unsigned char *)out->data + start;
	len[0] = (unsigned char)(body >> 24);
	len[1] = (unsigned char)(body >> 16);
	len[2] = (unsigned char)(body >> 8);
	len[3] = (unsigned char)body;
	return 0;
}
