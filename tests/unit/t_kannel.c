/* Unit tests for gateway/kannel.c: parsing what smsbox sends, the text as
 * UTF-8, the shared-secret check and the reply coding. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "kannel.h"
#include "tap.h"

/* The decoded fields point into the query buffer, which must outlive the
 * struct kannel_mo; each parse has its own buffer, freed at the end. */
static char *buffers[128];
static size_t buffer_count;
static struct form forms[128];

static int parse(const char *query, struct kannel_mo *mo, const char **error)
{
	size_t len = strlen(query);
	char *buf = malloc(len + 1);
	memcpy(buf, query, len + 1);
	if (buffer_count == sizeof buffers / sizeof buffers[0]) {
		printf("Bail out! too many parses\n");
		exit(1);
	}
	struct form *f = &forms[buffer_count];
	buffers[buffer_count++] = buf;
	form_init(f);
	if (form_parse(f, buf, len) < 0) {
		*error = "form_parse failed";
		return -1;
	}
	*error = NULL;
	return kannel_mo_parse(mo, f, error);
}

static void expect_error(const char *query, const char *want, const char *what)
{
	struct kannel_mo mo;
	const char *error = NULL;
	int rc = parse(query, &mo, &error);
	is_int(rc, -1, "%s: rejected", what);
	is_str(error, want, "%s: reason", what);
}

static void test_from_to(void)
{
	struct kannel_mo mo;
	const char *error;
	expect_error("to=384&text=hi", "missing from", "no from");
	expect_error("from=&to=384&text=hi", "missing from", "empty from");
	expect_error("from=hello%21&text=hi", "bad from", "from with '!'");
	expect_error("from=%2B&text=hi", "bad from", "from is only '+'");
	expect_error("from=99655512345678901&text=hi", "bad from", "from too long");
	expect_error("from=996555%00123&text=hi", "bad from", "from with a NUL");
	expect_error("from=996555123456&to=%3F%3F%3F", "bad to", "to with '?'");
	is_int(parse("from=996555123456&to=%2A384%2A1%23&text=1", &mo, &error), 0,
	       "to may be a USSD code");
	is_str(mo.to, "*384*1#", "kept as it is");

	is_int(parse("from=%2B996555123456&to=384&text=hi", &mo, &error), 0, "from with %%2B");
	is_str(mo.from, "996555123456", "'+' dropped from from");
	is_str(mo.to, "384", "to kept");
	is_int(parse("from=+996555123456&text=hi", &mo, &error), 0,
	       "from with a raw '+' (a space once decoded)");
	is_str(mo.from, "996555123456", "the space is dropped");
	is_int(parse("from=00996555123456", &mo, &error), 0, "from with 00");
	is_str(mo.from, "996555123456", "00 dropped");
	is_str(mo.to, "", "to empty when absent");
	is_int(parse("from=Beeline&to=", &mo, &error), 0, "alphanumeric from, empty to");
	is_str(mo.from, "Beeline", "sender name kept");
	is_str(mo.to, "", "empty to stays empty");
}

static void test_fields(void)
{
	struct kannel_mo mo;
	const char *error;
	is_int(parse("from=996555123456&to=384&text=Hello+world&smsc=beeline&id=a1b2-c3&"
		     "coding=0&charset=UTF-8&ts=1700000000&meta=%3Fsmpp%3Fx%3D1&key=secret",
		     &mo, &error),
	       0, "a full MO parses");
	is_mem(mo.text, mo.text_len, "Hello world", 11, "text");
	is_int(mo.coding, KANNEL_CODING_7BIT, "coding 0");
	is_str(mo.smsc, "beeline", "smsc");
	is_str(mo.id, "a1b2-c3", "id");
	is_str(mo.charset, "UTF-8", "charset");
	is_int(mo.ts, 1700000000, "ts");
	is_str(mo.meta, "?smpp?x=1", "meta");
	is_mem(mo.key, mo.key_len, "secret", 6, "key");

	is_int(parse("from=996555123456", &mo, &error), 0, "only from");
	is_mem(mo.text, mo.text_len, "", 0, "absent text is empty");
	ok(mo.text != NULL, "absent text is not NULL");
	ok(mo.smsc == NULL && mo.id == NULL && mo.charset == NULL && mo.meta == NULL,
	   "absent optional fields are NULL");
	ok(mo.key == NULL, "absent key is NULL");
	is_int(mo.ts, 0, "absent ts is 0");
	is_int(mo.coding, KANNEL_CODING_7BIT, "absent coding is 7-bit");

	is_int(parse("from=996555123456&id=&smsc=&meta=&ts=&coding=", &mo, &error), 0,
	       "empty optional fields");
	ok(mo.smsc == NULL && mo.id == NULL && mo.meta == NULL, "empty tokens are NULL");
	is_int(mo.ts, 0, "empty ts is 0");

	is_int(parse("from=996555123456&coding=1", &mo, &error), 0, "coding 1");
	is_int(mo.coding, KANNEL_CODING_8BIT, "coding 1 is 8-bit");
	is_int(parse("from=996555123456&coding=2", &mo, &error), 0, "coding 2");
	is_int(mo.coding, KANNEL_CODING_UCS2, "coding 2 is UCS-2");
	expect_error("from=996555123456&coding=3", "bad coding", "coding 3");
	expect_error("from=996555123456&coding=12", "bad coding", "coding 12");
	expect_error("from=996555123456&coding=a", "bad coding", "coding a");
	expect_error("from=996555123456&coding=-1", "bad coding", "coding -1");

	const char *bad = "bad id, smsc or charset";
	expect_error("from=996555123456&id=abc%20def", bad, "id with a space");
	expect_error("from=996555123456&id=abc+def", bad, "id with '+' (a space)");
	expect_error("from=996555123456&smsc=my+smsc", bad, "smsc with a space");
	expect_error("from=996555123456&smsc=a%0Ab", bad, "smsc with a newline");
	expect_error("from=996555123456&id=a%00b", bad, "id with a NUL");
	expect_error("from=996555123456&charset=UTF%7F8", bad, "charset with DEL");
	expect_error("from=996555123456&id=%D0%96", bad, "id with non-ASCII");
	char query[256];
	char id[KANNEL_ID_MAX + 2];
	memset(id, 'i', sizeof id - 1);
	id[KANNEL_ID_MAX + 1] = '\0';
	snprintf(query, sizeof query, "from=996555123456&id=%s", id);
	expect_error(query, bad, "id longer than KANNEL_ID_MAX");
	id[KANNEL_ID_MAX] = '\0';
	snprintf(query, sizeof query, "from=996555123456&id=%s", id);
	is_int(parse(query, &mo, &error), 0, "id of KANNEL_ID_MAX characters");
	is_int(strlen(mo.id), KANNEL_ID_MAX, "long id kept");

	expect_error("from=996555123456&ts=abc", "bad ts", "ts not a number");
	expect_error("from=996555123456&ts=12x", "bad ts", "ts with trailing junk");
	expect_error("from=996555123456&ts=-5", "bad ts", "negative ts");
	expect_error("from=996555123456&ts=1%002", "bad ts", "ts with a NUL");
	expect_error("from=996555123456&ts=%2B5", "bad ts", "ts with a sign");
	expect_error("from=996555123456&ts=99999999999999999999", "bad ts", "ts overflowing");
	is_int(parse("from=996555123456&ts=0", &mo, &error), 0, "ts 0");
	is_int(mo.ts, 0, "ts 0 parsed");
}

static void test_long_text(void)
{
	struct kannel_mo mo;
	const char *error;
	size_t n = 5 + KANNEL_TEXT_MAX + 1 + 40;
	char *query = malloc(n);
	memcpy(query, "text=", 5);
	memset(query + 5, 'a', KANNEL_TEXT_MAX + 1);
	memcpy(query + 5 + KANNEL_TEXT_MAX + 1, "&from=996555123456&id=k-1", 26);
	is_int(parse(query, &mo, &error), KANNEL_TOO_LONG,
	       "a text over KANNEL_TEXT_MAX is refused");
	is_str(error, "text too long", "and says why");
	is_str(mo.id, "k-1", "with its id, for the log");

	memcpy(query + 5 + KANNEL_TEXT_MAX, "&from=996555123456", 19);
	is_int(parse(query, &mo, &error), 0, "a text of exactly KANNEL_TEXT_MAX parses");
	is_int(mo.text_len, KANNEL_TEXT_MAX, "all of it kept");
	free(query);

	/* The longest concatenated message Kannel hands over: 255 parts of
	 * 67 UCS-2 characters, here Cyrillic after mo-recode (2 bytes each). */
	struct buf q;
	buf_init(&q, 256 * 1024);
	buf_printf(&q, "from=996555123456&text=");
	for (int i = 0; i < 255 * 67; i++)
		buf_printf(&q, "%%D0%%96");
	static char out[KANNEL_TEXT_MAX / 2 * 3 + 4];
	is_int(parse(q.data, &mo, &error), 0, "255 parts of Cyrillic parse");
	is_int(mo.text_len, 255 * 67 * 2, "whole");
	ok(kannel_mo_text_utf8(&mo, out, sizeof out) == (long)mo.text_len, "and are text");
	buf_cleanup(&q);
	buf_init(&q, 256 * 1024);
	buf_printf(&q, "from=996555123456&coding=2&text=");
	for (int i = 0; i < 255 * 67; i++)
		buf_printf(&q, "%%04%%16");
	is_int(parse(q.data, &mo, &error), 0, "255 parts of UCS-2 parse");
	ok(kannel_mo_text_utf8(&mo, out, sizeof out) == 255 * 67 * 2, "and convert whole");
	buf_cleanup(&q);
}

static long text_utf8(const char *query, char *out, size_t size)
{
	struct kannel_mo mo;
	const char *error;
	if (parse(query, &mo, &error) < 0) {
		printf("# parse failed: %s\n", error);
		return -2;
	}
	return kannel_mo_text_utf8(&mo, out, size);
}

static void test_text_utf8(void)
{
	char out[64];
	is_int(text_utf8("from=996555123456&coding=2&"
			 "text=%04%1F%04%40%04%38%04%32%04%35%04%42",
			 out, sizeof out),
	       12, "UCS-2 Привет converts");
	is_str(out, "Привет", "UCS-2 Привет as UTF-8");
	is_int(text_utf8("from=996555123456&coding=2&text=%D8%3D%DE%00", out, sizeof out), 4,
	       "UCS-2 surrogate pair converts");
	is_str(out, "\xf0\x9f\x98\x80", "surrogate pair as a 4-byte sequence");
	is_int(text_utf8("from=996555123456&coding=2&text=%04%1F%04", out, sizeof out), -1,
	       "UCS-2 odd length is not text");
	is_int(text_utf8("from=996555123456&coding=2&text=%DE%00", out, sizeof out), -1,
	       "UCS-2 lone low surrogate is not text");
	is_int(text_utf8("from=996555123456&coding=2&text=%00A%00%00%00B", out, sizeof out), -1,
	       "UCS-2 with U+0000 is not text");
	is_int(text_utf8("from=996555123456&coding=2&text=", out, sizeof out), 0,
	       "empty UCS-2 text");
	is_str(out, "", "empty UCS-2 text is the empty string");

	is_int(text_utf8("from=996555123456&text=Hello", out, sizeof out), 5, "7-bit ASCII");
	is_str(out, "Hello", "ASCII copied");
	is_int(text_utf8("from=996555123456&text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82", out,
			 sizeof out),
	       12, "UTF-8 Cyrillic");
	is_str(out, "Привет", "UTF-8 Cyrillic copied");
	is_int(text_utf8("from=996555123456&text=", out, sizeof out), 0, "empty text");
	is_str(out, "", "empty text is the empty string");
	is_int(text_utf8("from=996555123456&text=abc%FF", out, sizeof out), -1,
	       "invalid UTF-8 is not text");
	is_int(text_utf8("from=996555123456&text=%C0%AF", out, sizeof out), -1,
	       "overlong UTF-8 is not text");
	is_int(text_utf8("from=996555123456&coding=1&text=abc", out, sizeof out), -1,
	       "8-bit data is not text");
	is_int(text_utf8("from=996555123456&text=a%00b", out, sizeof out), -1,
	       "a NUL inside is not text");
	is_int(text_utf8("from=996555123456&text=Hello", out, 5), -1,
	       "output without room for the terminator");
	is_int(text_utf8("from=996555123456&text=Hello", out, 6), 5, "output of exactly 6 bytes");
	is_str(out, "Hello", "exact fit");
}

static void test_key(void)
{
	char messages[512] = "";
	FILE *f = fmemopen(messages, sizeof messages, "w");
	struct diag d;
	diag_init(&d, f);
	struct cfg *cfg = cfg_load_string("[kannel]\nkey = b3671098ae14e76e0656\n"
					  "[conversation]\npin_key = "
					  "cf8eae15079f264d10c9569fcb2c2762"
					  "1a6e1a727bfaf1719b799da438d66b90\n",
					  "t", &d);
	fclose(f);
	ok(cfg != NULL, "a config with a key loads");
	if (!cfg) {
		printf("#   %s\n", messages);
		return;
	}
	const char *key = "b3671098ae14e76e0656";
	ok(kannel_key_ok(cfg, key, 20), "the right key");
	ok(!kannel_key_ok(cfg, "b3671098ae14e76e0657", 20), "a wrong key of the same length");
	ok(!kannel_key_ok(cfg, "b3671098ae14e76e065", 19), "a shorter prefix");
	ok(!kannel_key_ok(cfg, key, 19), "the right key cut short by key_len");
	ok(!kannel_key_ok(cfg, "b3671098ae14e76e06564", 21), "a longer key");
	ok(!kannel_key_ok(cfg, "", 0), "the empty key");
	ok(!kannel_key_ok(cfg, NULL, 0), "no key");
	ok(kannel_key_ok(cfg, "b3671098ae14e76e0656XYZ", 20), "key_len is honoured");

	struct kannel_mo mo;
	const char *error;
	is_int(parse("from=996555123456&key=b3671098ae14e76e0656", &mo, &error), 0,
	       "MO with a key");
	ok(kannel_key_ok(cfg, mo.key, mo.key_len), "the key from a parsed MO");
	is_int(parse("from=996555123456", &mo, &error), 0, "MO without a key");
	ok(!kannel_key_ok(cfg, mo.key, mo.key_len), "no key in the MO is refused");
	cfg_unref(cfg);
}

static void test_meta_ussd(void)
{
	struct kannel_ussd u;
	char out[128];
	/* as it reaches us once the request's query is decoded */
	is_int(kannel_meta_ussd("?smpp?ussd_service_op=%01&its_session_info=*%02&", &u), 0,
	       "Kannel's USSD meta-data parses");
	ok(u.present && u.op == 1, "ussd_service_op 1 (PSSR indication: the person dialled)");
	ok(u.has_session && u.session_info[0] == '*' && u.session_info[1] == 2,
	   "its_session_info's two octets");
	is_int(kannel_meta_reply(&u, 2, out, sizeof out), 0, "a continue reply builds");
	is_str(out, "?smpp?ussd_service_op=2&its_session_info=%2A%02",
	       "op in decimal, its_session_info echoed percent-encoded (as FIELD-NOTES)");
	is_int(kannel_meta_reply(&u, 17, out, 10), -1, "a buffer too small is refused");
	is_int(kannel_meta_ussd("?smpp?ussd_service_op=%12", &u), 0, "op 18 without session info");
	ok(u.present && u.op == 18 && !u.has_session, "USSR confirm, no session info");
	is_int(kannel_meta_reply(&u, 17, out, sizeof out), 0, "an end reply without session info");
	is_str(out, "?smpp?ussd_service_op=17", "just the op");
	is_int(kannel_meta_ussd(NULL, &u), 0, "no meta-data");
	ok(!u.present, "is not USSD");
	is_int(kannel_meta_ussd("?smpp?other=1", &u), 0, "other TLVs only");
	ok(!u.present, "are not USSD");
	is_int(kannel_meta_ussd("?smpp?ussd_service_op=12", &u), -1,
	       "an op of two octets is malformed");
	is_int(kannel_meta_ussd("?smpp?ussd_service_op=%01&its_session_info=%01", &u), -1,
	       "session info of one octet is malformed");
}

int main(void)
{
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	test_from_to();
	test_fields();
	test_long_text();
	test_text_utf8();
	test_key();
	test_meta_ussd();
	for (size_t i = 0; i < buffer_count; i++)
		free(buffers[i]);
	return tap_done();
}
