/* Unit tests for gateway/msisdn.c: numbers to E.164 digits, sender names
 * kept, everything else rejected. */
#include "msisdn.h"
#include "tap.h"

static void accepts(const char *text, const char *want)
{
	char out[MSISDN_SIZE];
	memset(out, 'X', sizeof out);
	int rc = msisdn_normalize(text, strlen(text), out);
	is_int(rc, 0, "accepts \"%s\"", text);
	if (rc == 0)
		is_str(out, want, "\"%s\" becomes \"%s\"", text, want);
}

static void rejects_len(const char *text, size_t len, const char *what)
{
	char out[MSISDN_SIZE];
	int rc = msisdn_normalize(text, len, out);
	is_int(rc, -1, "rejects %s", what);
	if (rc == 0)
		printf("#   normalised to \"%s\"\n", out);
}

/* Quotes text for a test name, escaping what would break a TAP line. */
static void rejects(const char *text)
{
	char what[80] = "\"";
	size_t used = 1;
	for (const char *p = text; *p && used < sizeof what - 6; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c >= 0x7f)
			used += (size_t)snprintf(what + used, sizeof what - used, "\\x%02x", c);
		else
			what[used++] = (char)c;
	}
	what[used++] = '"';
	what[used] = '\0';
	rejects_len(text, strlen(text), what);
}

int main(void)
{
	accepts("+996 555-12 34 56", "996555123456");
	accepts("996555123456", "996555123456");
	accepts("+996555123456", "996555123456");
	accepts("00996555123456", "996555123456");
	accepts("00 996 555 123 456", "996555123456");
	accepts("(0312) 66.00.00", "0312660000");
	accepts("384", "384");
	accepts("123456789012345", "123456789012345"); /* 15 digits, E.164's most */
	accepts("+123456789012345", "123456789012345");
	accepts("Beeline", "Beeline");
	accepts("MegaCom", "MegaCom");
	accepts("Bee Line", "Bee Line");
	accepts("ABCDEFGHIJK", "ABCDEFGHIJK"); /* 11 characters */
	accepts("Info-24", "Info-24");

	rejects("1234567890123456"); /* 16 digits */
	rejects("+1234567890123456");
	rejects("001234567890123456");
	rejects("ABCDEFGHIJKL"); /* 12 characters */
	rejects("");
	rejects("+");
	rejects("+-");
	rejects("+12");
	rejects(" Beeline");
	rejects("Bee_line");
	rejects("996555123456\n");
	rejects("996555123456;");
	rejects("\xff\xfe\xfd");
	rejects("\xd0\x96\xd0\x96\xd0\x96"); /* ЖЖЖ */
	rejects_len("99655\0"
		    "123456",
		    12, "a NUL inside");
	rejects_len("Beel\0ne", 7, "a NUL inside a sender name");

	/* Only len bytes count. */
	char out[MSISDN_SIZE];
	is_int(msisdn_normalize("996555123456789", 5, out), 0, "a prefix of a number");
	is_str(out, "99655", "only len digits");

	/* Fewer than 3 digits is neither a number nor, being all digits, a
	 * sender name. */
	rejects("12");
	rejects("1");
	rejects("00");
	rejects("1-2");
	return tap_done();
}
