/* Unit tests for gateway/form.c: decoding ('+', %XX, %00 inside a value,
 * malformed escapes kept), field splitting, the field limit, form_add and
 * form_get. */
#include <stdio.h>
#include <stdlib.h>

#include "form.h"
#include "tap.h"

/* form_parse decodes in place and the fields point into the buffer, so each
 * parse has its own buffer that outlives the checks. */
static char *parse(struct form *f, const char *query, int *rc)
{
	size_t len = strlen(query);
	char *buf = malloc(len + 1);
	memcpy(buf, query, len + 1);
	form_init(f);
	*rc = form_parse(f, buf, len);
	return buf;
}

static void test_decode(void)
{
	struct form f;
	int rc;
	size_t len;
	char *buf = parse(&f, "a=b+c%20d&%41=%42", &rc);
	is_int(rc, 0, "parse a=b+c%%20d&%%41=%%42");
	is_int(f.count, 2, "two fields");
	is_str(f.fields[0].name, "a", "first name");
	is_str(form_get(&f, "a", &len), "b c d", "'+' and %%20 are spaces");
	is_int(len, 5, "decoded length");
	is_str(form_get(&f, "A", NULL), "B", "escapes decoded in names and values");
	free(buf);

	buf = parse(&f, "t=a%00b", &rc);
	const char *v = form_get(&f, "t", &len);
	is_int(len, 3, "%%00 keeps the value length");
	is_mem(v, len, "a\0b", 3, "value holds an embedded NUL");
	is_int(v[3], '\0', "value is NUL-terminated after its length");
	free(buf);

	buf = parse(&f, "t=%00", &rc);
	v = form_get(&f, "t", &len);
	ok(len == 1 && v[0] == '\0', "a value that is only %%00 has length 1");
	free(buf);

	buf = parse(&f, "t=%c3%a9%C3%A9", &rc);
	is_str(form_get(&f, "t", NULL), "\xc3\xa9\xc3\xa9", "lower and upper case hex");
	free(buf);

	buf = parse(&f, "text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82", &rc);
	v = form_get(&f, "text", &len);
	is_str(v, "Привет", "Cyrillic UTF-8 percent-encoded");
	is_int(len, 12, "Cyrillic length in bytes");
	free(buf);

	buf = parse(&f, "a=x%26y&b=1%3D2&c%3Dd=e", &rc);
	is_int(f.count, 3, "encoded separators do not split");
	is_str(form_get(&f, "a", NULL), "x&y", "%%26 is a literal '&'");
	is_str(form_get(&f, "b", NULL), "1=2", "%%3D is a literal '='");
	is_str(form_get(&f, "c=d", NULL), "e", "%%3D in a name stays in the name");
	free(buf);

	buf = parse(&f, "a=b=c&n+m=1", &rc);
	is_str(form_get(&f, "a", NULL), "b=c", "only the first '=' separates");
	is_str(form_get(&f, "n m", NULL), "1", "'+' in a name is a space");
	free(buf);

	buf = parse(&f, "a=%2B996", &rc);
	is_str(form_get(&f, "a", NULL), "+996", "%%2B is a literal '+'");
	free(buf);
}

static void test_malformed(void)
{
	static const struct {
		const char *query, *value;
	} cases[] = {
	    {"t=%zz", "%zz"},   {"t=%4", "%4"},   {"t=%", "%"},     {"t=100%", "100%"},
	    {"t=%g1", "%g1"},   {"t=%1g", "%1g"}, {"t=%%41", "%A"}, {"t=a%4&u=1", "a%4"},
	    {"t=%4%41", "%4A"}, {"t=%+1", "% 1"}, {"t=%-1", "%-1"}, {"t=%%", "%%"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct form f;
		int rc;
		size_t len;
		char *buf = parse(&f, cases[i].query, &rc);
		const char *v = form_get(&f, "t", &len);
		is_str(v, cases[i].value, "malformed escape kept: %s", cases[i].query);
		is_int(len, strlen(cases[i].value), "length of %s", cases[i].query);
		free(buf);
	}

	char raw[] = "a+b%2";
	is_int(form_decode(raw, 5), 5, "form_decode returns the decoded length");
	is_str(raw, "a b%2", "form_decode keeps a trailing partial escape");
	char part[] = "%41%42";
	is_int(form_decode(part, 4), 2, "form_decode stops at len");
	ok(part[0] == 'A' && part[1] == '%', "form_decode decoded only inside len");
}

static void test_fields(void)
{
	struct form f;
	int rc;
	size_t len = 99;
	char *buf = parse(&f, "a=&&b", &rc);
	is_int(rc, 0, "parse a=&&b");
	is_int(f.count, 2, "empty fields are skipped");
	const char *v = form_get(&f, "a", &len);
	ok(v && v[0] == '\0' && len == 0, "a= has an empty value");
	len = 99;
	v = form_get(&f, "b", &len);
	ok(v && v[0] == '\0' && len == 0, "a field without '=' has an empty value");
	is_str(f.fields[1].name, "b", "its name is the whole field");
	ok(form_get(&f, "c", &len) == NULL, "an absent field is NULL");
	free(buf);

	buf = parse(&f, "", &rc);
	ok(rc == 0 && f.count == 0, "empty input: no fields");
	free(buf);
	buf = parse(&f, "&&&", &rc);
	ok(rc == 0 && f.count == 0, "only separators: no fields");
	free(buf);
	buf = parse(&f, "=x&flag&", &rc);
	is_int(f.count, 2, "=x and flag");
	is_str(form_get(&f, "", NULL), "x", "an empty name is a field");
	is_str(form_get(&f, "flag", NULL), "", "flag without '='");
	free(buf);

	buf = parse(&f, "a=1&a=2&b=3&b=4", &rc);
	is_str(form_get(&f, "a", NULL), "1", "first occurrence wins");
	is_str(form_get(&f, "b", NULL), "3", "first occurrence wins again");
	is_int(f.count, 4, "duplicates are still fields");
	free(buf);

	/* Only len bytes are parsed; buf[len] becomes a terminator. */
	char part[] = "a=12&b=3";
	form_init(&f);
	is_int(form_parse(&f, part, 3), 0, "parse a prefix");
	is_int(f.count, 1, "one field in the prefix");
	is_str(form_get(&f, "a", NULL), "1", "value cut at len");

	/* Two parses append to one form. */
	char q1[] = "a=1", q2[] = "b=2&a=3";
	form_init(&f);
	form_parse(&f, q1, 3);
	form_parse(&f, q2, 7);
	is_int(f.count, 3, "a second parse appends");
	is_str(form_get(&f, "a", NULL), "1", "the earlier parse's field wins");
	is_str(form_get(&f, "b", NULL), "2", "the later parse's field is found");
}

static void test_limit(void)
{
	char query[1024];
	size_t used = 0;
	for (int i = 0; i <= FORM_FIELDS_MAX; i++)
		used += (size_t)snprintf(query + used, sizeof query - used, "%sf%d=%d",
					 i ? "&" : "", i, i);
	struct form f;
	int rc;
	char *buf = parse(&f, query, &rc);
	is_int(rc, -1, "more than FORM_FIELDS_MAX fields returns -1");
	is_int(f.count, FORM_FIELDS_MAX, "count stops at FORM_FIELDS_MAX");
	is_str(form_get(&f, "f0", NULL), "0", "the first field is kept");
	is_str(form_get(&f, "f31", NULL), "31", "the last field that fits is kept");
	ok(form_get(&f, "f32", NULL) == NULL, "the field past the limit is dropped");
	is_int(form_add(&f, "x", "y", 1), -1, "form_add on a full form fails");
	is_int(f.count, FORM_FIELDS_MAX, "count unchanged");
	free(buf);

	/* Exactly FORM_FIELDS_MAX, with separators around them. */
	char *amp = strstr(query, "&f32=");
	*amp = '\0';
	size_t len = strlen(query);
	buf = malloc(len + 3);
	buf[0] = '&';
	memcpy(buf + 1, query, len);
	buf[len + 1] = '&';
	buf[len + 2] = '\0';
	form_init(&f);
	is_int(form_parse(&f, buf, len + 2), 0, "exactly FORM_FIELDS_MAX fields is fine");
	is_int(f.count, FORM_FIELDS_MAX, "all of them kept");
	free(buf);
}

static void test_add(void)
{
	struct form f;
	size_t len;
	form_init(&f);
	is_int(form_add(&f, "from", "996555123456", 12), 0, "form_add");
	is_int(form_add(&f, "text", "a\0b", 3), 0, "form_add binary");
	is_int(form_add(&f, "from", "other", 5), 0, "form_add a duplicate");
	is_int(f.count, 3, "three fields");
	is_str(form_get(&f, "from", &len), "996555123456", "added field found, first wins");
	is_int(len, 12, "added length");
	const char *v = form_get(&f, "text", &len);
	is_mem(v, len, "a\0b", 3, "binary value and length kept");
	ok(form_get(&f, "TEXT", NULL) == NULL, "names are case-sensitive");

	char q[] = "x=1";
	is_int(form_parse(&f, q, 3), 0, "parse after add");
	is_str(form_get(&f, "x", NULL), "1", "parsed field after added ones");
	is_int(f.count, 4, "four fields");
}

static void test_token(void)
{
	ok(form_token("3814a58a-38f0-40a1", 18, 64), "an id is a token");
	ok(!form_token("", 0, 64), "nothing is no token");
	ok(!form_token("abcdef", 6, 5), "nor is one past max");
	ok(!form_token("a b", 3, 64), "nor one with a space");
	ok(!form_token("a\nb", 3, 64), "or a control byte");
	ok(!form_token("a\xd0\x96", 3, 64), "or an 8-bit byte");
	ok(!form_token("a\0b", 3, 64), "or a NUL inside its length");
}

int main(void)
{
	test_decode();
	test_malformed();
	test_fields();
	test_limit();
	test_add();
	test_token();
	return tap_done();
}
