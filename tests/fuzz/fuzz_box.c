/* Fuzz target for what bearerbox sends on a box connection: the input read
 * as a stream of frames (box_frame_length, then box_decode of each body,
 * a cut last frame as far as it goes) and whole as one body. Every message
 * that decodes is written again by box_encode and read once more: the two
 * must be equal field for field, the frame's length must be its body's,
 * and the body must be the bytes read (UUIDs lowercased, trailing bytes
 * dropped). What the encoder refuses leaves the buffer as it was. No I/O. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boxproto.h"
#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sms fields by kind: 16 integers, 14 strings and the id make 31. */
#define AT(name) offsetof(struct box_sms, name)
static const size_t sms_ints[] = {
    AT(time),     AT(sms_type), AT(mclass),     AT(mwi),         AT(coding),  AT(compress),
    AT(validity), AT(deferred), AT(dlr_mask),   AT(pid),         AT(alt_dcs), AT(rpi),
    AT(msg_left), AT(priority), AT(resend_try), AT(resend_time),
};
static const size_t sms_strs[] = {
    AT(sender),      AT(receiver),   AT(udhdata), AT(msgdata),   AT(smsc_id),
    AT(smsc_number), AT(foreign_id), AT(service), AT(account),   AT(dlr_url),
    AT(charset),     AT(boxc_id),    AT(binfo),   AT(meta_data),
};
_Static_assert(sizeof sms_ints / sizeof sms_ints[0] + sizeof sms_strs / sizeof sms_strs[0] + 1 ==
		   31,
	       "an sms has 31 fields");

static int32_t sms_int(const struct box_sms *sms, size_t i)
{
	int32_t v;
	memcpy(&v, (const char *)sms + sms_ints[i], sizeof v);
	return v;
}

static struct box_str sms_str(const struct box_sms *sms, size_t i)
{
	struct box_str s;
	memcpy(&s, (const char *)sms + sms_strs[i], sizeof s);
	return s;
}

/* How the frame is written once more: into a buffer of max bytes (the
 * input's last two bytes, big-endian) that holds prefix bytes already. */
struct squeeze {
	size_t max, prefix;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A decoded string is NULL (length -1) or lies inside the body. */
static void check_str(struct box_str s, const uint8_t *body, size_t len)
{
	if (!s.data) {
		if (s.len != -1)
			abort();
		return;
	}
	const uint8_t *p = (const uint8_t *)s.data;
	if (s.len < 0 || p < body || p > body + len || (size_t)s.len > (size_t)(body + len - p))
		abort();
}

/* A decoded UUID is always 36 characters, lowercase, as the encoder wants. */
static void check_uuid(const char *id)
{
	if (strnlen(id, BOX_UUID_LEN + 1) != BOX_UUID_LEN || !box_uuid_ok(id, BOX_UUID_LEN, true))
		abort();
}

static void check_decoded(const struct box_msg *m, const uint8_t *body, size_t len)
{
	switch (m->type) {
	case BOX_HEARTBEAT: break;
	case BOX_ADMIN: check_str(m->admin.boxc_id, body, len); break;
	case BOX_ACK: check_uuid(m->ack.id); break;
	case BOX_SMS:
		for (size_t i = 0; i < sizeof sms_strs / sizeof sms_strs[0]; i++)
			check_str(sms_str(&m->sms, i), body, len);
		check_uuid(m->sms.id);
		break;
	default: abort(); /* an unknown type is refused */
	}
}

/* Same length and bytes; NULL differs from empty. */
static bool str_eq(struct box_str a, struct box_str b)
{
	return !a.data == !b.data && a.len == b.len &&
	       (a.len <= 0 || memcmp(a.data, b.data, (size_t)a.len) == 0);
}

static bool msg_eq(const struct box_msg *a, const struct box_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case BOX_HEARTBEAT: return a->load == b->load;
	case BOX_ADMIN:
		return a->admin.command == b->admin.command &&
		       str_eq(a->admin.boxc_id, b->admin.boxc_id);
	case BOX_ACK:
		return a->ack.nack == b->ack.nack && a->ack.time == b->ack.time &&
		       strcmp(a->ack.id, b->ack.id) == 0;
	case BOX_SMS:
		for (size_t i = 0; i < sizeof sms_ints / sizeof sms_ints[0]; i++)
			if (sms_int(&a->sms, i) != sms_int(&b->sms, i))
				return false;
		for (size_t i = 0; i < sizeof sms_strs / sizeof sms_strs[0]; i++)
			if (!str_eq(sms_str(&a->sms, i), sms_str(&b->sms, i)))
				return false;
		return strcmp(a->sms.id, b->sms.id) == 0;
	default: return false;
	}
}

/* m must be refused, leaving a buffer that holds something untouched. */
static void refused(const struct box_msg *m)
{
	struct buf b;
	buf_init(&b, BOX_FRAME_MAX + 4);
	buf_append(&b, "held", 4);
	if (box_encode(&b, m) != -1 || b.len != 4 || b.overflowed || memcmp(b.data, "held", 5) != 0)
		abort();
	buf_cleanup(&b);
}

/* The encoder refuses what bearerbox would: an uppercase or short UUID, a
 * string of a negative length or set without bytes, an unknown type. */
static void refusals(const struct box_msg *m)
{
	struct box_msg bad = *m;
	char *id = m->type == BOX_ACK ? bad.ack.id : m->type == BOX_SMS ? bad.sms.id : NULL;
	if (id) {
		char *letter = strpbrk(id, "abcdef");
		if (letter) {
			*letter = (char)(*letter - 32);
			refused(&bad);
			*letter = (char)(*letter + 32);
		}
		id[BOX_UUID_LEN - 1] = '\0';
		refused(&bad);
		bad = *m;
	}
	if (m->type == BOX_ADMIN) {
		bad.admin.boxc_id = (struct box_str){NULL, 0};
		refused(&bad);
		bad.admin.boxc_id = (struct box_str){"", -2};
		refused(&bad);
	} else if (m->type == BOX_SMS) {
		bad.sms.msgdata = (struct box_str){NULL, 0};
		refused(&bad);
		bad = *m;
		bad.sms.meta_data = (struct box_str){"x", -5};
		refused(&bad);
	}
	bad = *m;
	bad.type = BOX_ACK + 1;
	refused(&bad);
}

/* The frame again, into a buffer of q.max bytes already holding q.prefix:
 * written whole after the prefix if it fits, else nothing and overflowed. */
static void squeezed(const struct box_msg *m, const char *frame, size_t frame_len, struct squeeze q)
{
	struct buf b;
	buf_init(&b, q.max);
	for (size_t i = 0; i < q.prefix; i++)
		buf_append(&b, "p", 1);
	size_t held = b.len;
	bool fits = !b.overflowed && held + frame_len <= q.max;
	int rc = box_encode(&b, m);
	if (rc != (fits ? 0 : -1) || b.len != held + (fits ? frame_len : 0) ||
	    (!fits && !b.overflowed))
		abort();
	if (fits && memcmp(b.data + held, frame, frame_len) != 0)
		abort();
	for (size_t i = 0; i < held; i++)
		if (b.data[i] != 'p')
			abort();
	if (b.data && b.data[b.len] != '\0')
		abort();
	buf_cleanup(&b);
}

static void round_trip(const struct box_msg *m, const uint8_t *body, size_t len, struct squeeze q)
{
	struct buf b;
	buf_init(&b, BOX_FRAME_MAX + 4);
	if (box_encode(&b, m) < 0) {
		if (len <= BOX_FRAME_MAX)
			abort(); /* what was read within the limit is written again */
		buf_cleanup(&b);
		return;
	}
	if (b.len < 8 || box_frame_length((const unsigned char *)b.data) != (long)(b.len - 4))
		abort();
	const uint8_t *again = (const uint8_t *)b.data + 4;
	size_t again_len = b.len - 4;
	if (again_len > len)
		abort();
	for (size_t i = 0; i < again_len; i++)
		if (again[i] != body[i] &&
		    !(body[i] >= 'A' && body[i] <= 'F' && again[i] == body[i] + 32))
			abort();
	struct box_msg m2;
	if (box_decode(again, again_len, &m2) != 0 || !msg_eq(m, &m2))
		abort();
	/* the written body needs every byte it has */
	if (box_decode(again, again_len - 1, &m2) != -1)
		abort();
	squeezed(m, b.data, b.len, q);
	squeezed(m, b.data, b.len, (struct squeeze){b.len - 1, 0}); /* one byte short */
	squeezed(m, b.data, b.len, (struct squeeze){b.len + 2, 3});
	squeezed(m, b.data, b.len, (struct squeeze){b.len + 3, 3}); /* just enough */
	buf_cleanup(&b);
}

static void one(const uint8_t *body, size_t len, struct squeeze q)
{
	struct box_msg m;
	int rc = box_decode(body, len, &m);
	if (rc != 0) {
		if (rc != -1)
			abort();
		return;
	}
	check_decoded(&m, body, len);
	round_trip(&m, body, len, q);
	refusals(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct squeeze q = {size > 1 ? (size_t)data[size - 2] << 8 | data[size - 1] : 0, size % 8};
	one(data, size, q);
	for (size_t at = 0; size - at >= 4;) {
		int32_t announced = (int32_t)be32(data + at);
		long len = box_frame_length(data + at);
		if (len != (announced < 0 || announced > BOX_FRAME_MAX ? -1 : (long)announced))
			abort();
		if (len < 0)
			break;
		at += 4;
		size_t body = (size_t)len < size - at ? (size_t)len : size - at;
		one(data + at, body, q);
		at += body;
	}
	return 0;
}
