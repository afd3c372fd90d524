/*
 * boxproto — bearerbox's box protocol (the one Kannel's smsbox speaks), as
 * Debian's bearerbox 1.4.5 behaves (shared/KANNEL-BOX.md): frames of a
 * 4-byte big-endian length, messages of a type and fixed fields in a fixed
 * order. Pure: no I/O, no allocation but the output buffer.
 *
 * The decoder takes any bytes and either fills a message whose strings
 * point into the frame, or refuses it; it never reads past the frame.
 * Trailing bytes are ignored, as bearerbox does (forks append fields). The
 * encoder refuses a message bearerbox would reject (a malformed UUID, a
 * string too long), so that what it writes is always taken.
 */
#ifndef CHABAR_BOXPROTO_H
#define CHABAR_BOXPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The longest frame taken: bearerbox sets no bound. The longest MO Kannel
 * can join (255 parts of UCS-2: 34 KiB) with every other field fits. */
#define BOX_FRAME_MAX (256 * 1024)
#define BOX_UUID_LEN  36

enum box_type { BOX_HEARTBEAT = 0, BOX_ADMIN = 1, BOX_SMS = 2, BOX_ACK = 3 };
enum box_admin {
	BOX_SHUTDOWN = 0,
	BOX_SUSPEND = 1,
	BOX_RESUME = 2,
	BOX_IDENTIFY = 3,
	BOX_RESTART = 4
};
enum box_ack {
	BOX_ACK_SUCCESS = 0,
	BOX_ACK_FAILED = 1,
	BOX_ACK_FAILED_TMP = 2,
	BOX_ACK_BUFFERED = 3
};
enum box_sms_type { BOX_MO = 0, BOX_MT_REPLY = 1, BOX_MT_PUSH = 2, BOX_REPORT_MO = 3 };

/* An octet string: len -1 is "not set" (NULL), which differs from empty. */
struct box_str {
	const char *data;
	int32_t len;
};
#define BOX_NULL ((struct box_str){NULL, -1})

/* A text as a string (NULL stays NULL). */
struct box_str box_str(const char *text);

/* An sms message: its 31 fields. Integers are -1 when not set. */
struct box_sms {
	struct box_str sender, receiver, udhdata, msgdata;
	int32_t time;
	struct box_str smsc_id, smsc_number, foreign_id, service, account;
	char id[BOX_UUID_LEN + 1];
	int32_t sms_type, mclass, mwi, coding, compress, validity, deferred, dlr_mask;
	struct box_str dlr_url;
	int32_t pid, alt_dcs, rpi;
	struct box_str charset, boxc_id, binfo;
	int32_t msg_left, priority, resend_try, resend_time;
	struct box_str meta_data;
};

struct box_msg {
	int32_t type; /* enum box_type */
	union {
		int32_t load; /* heartbeat */
		struct {
			int32_t command; /* enum box_admin */
			struct box_str boxc_id;
		} admin;
		struct {
			int32_t nack; /* enum box_ack */
			int32_t time;
			char id[BOX_UUID_LEN + 1];
		} ack;
		struct box_sms sms;
	};
};

/* An sms with every field unset (-1, NULL) but its id. */
void box_sms_init(struct box_sms *sms, const char id[BOX_UUID_LEN + 1]);

/* The length a frame header announces, or -1 if it is negative or over
 * BOX_FRAME_MAX. */
long box_frame_length(const unsigned char header[4]);

/* Decodes one frame's body (without its length). 0, or -1 if it is short,
 * of an unknown type, or holds a malformed UUID or length (then *out is
 * partly filled and means nothing). */
int box_decode(const unsigned char *frame, size_t len, struct box_msg *out);

/* Appends m as one frame (length and body) to out. 0, or -1 if bearerbox
 * would refuse it (a malformed UUID or length, a body over
 * BOX_FRAME_MAX), or out is full (then marked overflowed); out's data is
 * unchanged either way. */
int box_encode(struct buf *out, const struct box_msg *m);

/* True if an MT's ack (enum box_ack) says bearerbox has it: success
 * (queued for an SMSC) or buffered (no SMSC up, kept for later). */
bool box_ack_taken(int nack);

/* True if text is a UUID in the 36-character text form (hex in either
 * case when reading; the encoder wants lowercase). */
bool box_uuid_ok(const char *text, size_t len, bool lowercase_only);

/* A fresh random (version 4) UUID, lowercase. */
void box_uuid_new(char out[BOX_UUID_LEN + 1]);

#endif
