/* kannel — see kannel.h. */
#include "kannel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ussd.h"
#include "utf.h"

/* An optional token field: absent or empty is NULL, malformed an error. */
static int optional_token(const struct form *f, const char *name, const char **out)
{
	size_t len;
	const char *v = form_get(f, name, &len);
	*out = NULL;
	if (!v || len == 0)
		return 0;
	/* ids, SMSC names and charsets: anything else is not from Kannel */
	if (!form_token(v, len, KANNEL_ID_MAX))
		return -1;
	*out = v;
	return 0;
}

/* Unix seconds as decimal digits only (no sign, no NUL, no overflow). */
static int parse_unix_time(const char *text, size_t len, int64_t *out)
{
	int64_t v = 0;
	if (len > 12)
		return -1; /* past the year 33000 */
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (text[i] - '0');
	}
	*out = v;
	return 0;
}

/* A USSD service code as an SMSC gives it for a USSD MO (*384#): kept as
 * it is, since it is no number. */
static bool ussd_code(const char *text, size_t len, char out[MSISDN_SIZE])
{
	if (len >= MSISDN_SIZE || !ussd_is_code(text, len) || text[0] != '*')
		return false;
	memcpy(out, text, len);
	out[len] = '\0';
	return true;
}

int kannel_mo_parse(struct kannel_mo *mo, const struct form *f, const char **error)
{
	memset(mo, 0, sizeof *mo);
	size_t len;
	const char *from = form_get(f, "from", &len);
	if (!from || len == 0) {
		*error = "missing from";
		return -1;
	}
	if (msisdn_normalize(from, len, mo->from) < 0) {
		*error = "bad from";
		return -1;
	}
	const char *to = form_get(f, "to", &len);
	if (to && len && msisdn_normalize(to, len, mo->to) < 0 && !ussd_code(to, len, mo->to)) {
		*error = "bad to";
		return -1;
	}
	mo->text = form_get(f, "text", &mo->text_len);
	if (!mo->text) {
		mo->text = "";
		mo->text_len = 0;
	}
	const char *coding = form_get(f, "coding", &len);
	if (coding && len) {
		if (len != 1 || coding[0] < '0' || coding[0] > '2') {
			*error = "bad coding";
			return -1;
		}
		mo->coding = (enum kannel_coding)(coding[0] - '0');
	}
	if (optional_token(f, "id", &mo->id) < 0 || optional_token(f, "smsc", &mo->smsc) < 0 ||
	    optional_token(f, "charset", &mo->charset) < 0) {
		*error = "bad id, smsc or charset";
		return -1;
	}
	const char *ts = form_get(f, "ts", &len);
	if (ts && len && parse_unix_time(ts, len, &mo->ts) < 0) {
		*error = "bad ts";
		return -1;
	}
	const char *meta = form_get(f, "meta", &len);
	mo->meta = meta && len ? meta : NULL;
	mo->key = form_get(f, "key", &mo->key_len);
	/* last, so that the refusal can name the message's id */
	if (mo->text_len > KANNEL_TEXT_MAX) {
		*error = "text too long";
		return KANNEL_TOO_LONG;
	}
	return 0;
}

long kannel_mo_text_utf8(const struct kannel_mo *mo, char *out, size_t out_size)
{
	if (mo->coding == KANNEL_CODING_UCS2) {
		long len =
		    utf16be_to_utf8((const unsigned char *)mo->text, mo->text_len, out, out_size);
		/* U+0000 is no more text in UCS-2 than a NUL byte is in UTF-8. */
		return len >= 0 && memchr(out, '\0', (size_t)len) ? -1 : len;
	}
	if (mo->coding == KANNEL_CODING_8BIT || mo->text_len >= out_size ||
	    memchr(mo->text, '\0', mo->text_len) || !utf8_valid(mo->text, mo->text_len))
		return -1;
	memcpy(out, mo->text, mo->text_len);
	out[mo->text_len] = '\0';
	return (long)mo->text_len;
}

bool kannel_key_ok(const struct cfg *cfg, const char *key, size_t key_len)
{
	return cfg->kannel_enabled && cfg_secret_ok(cfg->kannel_key_hash, key, key_len);
}

int kannel_meta_ussd(const char *meta, struct kannel_ussd *out)
{
	static const char prefix[] = "?smpp?";
	memset(out, 0, sizeof *out);
	if (!meta || strncmp(meta, prefix, sizeof prefix - 1) != 0)
		return 0;
	char copy[256];
	size_t len = strlen(meta + sizeof prefix - 1);
	if (len >= sizeof copy)
		return -1;
	memcpy(copy, meta + sizeof prefix - 1, len + 1);
	struct form tlvs;
	form_init(&tlvs);
	if (form_parse(&tlvs, copy, len) < 0)
		return -1;
	size_t op_len, info_len;
	const char *op = form_get(&tlvs, "ussd_service_op", &op_len);
	const char *info = form_get(&tlvs, "its_session_info", &info_len);
	if (!op)
		return 0;
	if (op_len != 1 || (info && info_len != 2))
		return -1;
	out->present = true;
	out->op = (unsigned char)op[0];
	if (info) {
		out->has_session = true;
		memcpy(out->session_info, info, 2);
	}
	return 0;
}

int kannel_meta_reply(const struct kannel_ussd *in, int op, char *out, size_t size)
{
	int n = in->has_session
		    ? snprintf(out, size, "?smpp?ussd_service_op=%d&its_session_info=%%%02X%%%02X",
			       op, in->session_info[0], in->session_info[1])
		    : snprintf(out, size, "?smpp?ussd_service_op=%d", op);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
