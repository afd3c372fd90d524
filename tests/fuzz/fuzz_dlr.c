/* Fuzz target for what Kannel says about the messages chabar sends: a
 * delivery report's query string, decoded by form.c and read by
 * dlr_parse(), and the same bytes as sendsms's answer to a request (the
 * first two bytes pick the HTTP status), read by outbox_sendsms_answer().
 * No I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlr.h"
#include "form.h"
#include "outbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1); /* form_parse needs room for a terminator */
	if (!buf)
		return;
	if (size)
		memcpy(buf, data, size);
	buf[size] = '\0';
	struct form f;
	form_init(&f);
	form_parse(&f, buf, size);
	struct dlr_report r;
	if (!dlr_parse(&f, &r)) {
		/* taken: a known type, an id, and only printable notes */
		if (!r.type || r.id <= 0 || strlen(r.note) >= sizeof r.note ||
		    strlen(r.smsc_id) >= sizeof r.smsc_id)
			abort();
		for (const char *c = r.note; *c; c++)
			if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
				abort();
	}
	free(buf);
}

static void sendsms_answer(const uint8_t *data, size_t size)
{
	long status = size >= 2 ? (data[0] << 8 | data[1]) % 600 : 0;
	size_t len = size >= 2 ? size - 2 : 0;
	char *body = malloc(len + 1);
	if (!body)
		return;
	if (len)
		memcpy(body, data + 2, len);
	body[len] = '\0';
	int verdict = outbox_sendsms_answer(status, body);
	/* taken only as Kannel says it takes a message; refused only on a 4xx */
	if (verdict < -1 || verdict > 1 || (verdict == 1 && status != 200 && status != 202) ||
	    (verdict == -1 && (status < 400 || status >= 500)))
		abort();
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	report(data, size);
	sendsms_answer(data, size);
	return 0;
}
