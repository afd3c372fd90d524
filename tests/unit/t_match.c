/* Unit tests for gateway/match.c: named captures, caseless Cyrillic, bad
 * patterns reported, and limits that stop a pathological pattern. */
#include <stdlib.h>

#include "match.h"
#include "tap.h"

static void test_captures(void)
{
	char err[256];
	struct match *m = match_new("^\\s*(?<pin>\\d{4})\\s*$", false, err, sizeof err);
	ok(m != NULL, "a PIN pattern compiles");
	struct match_capture caps[MATCH_CAPTURES_MAX];
	size_t n;
	is_int(match_run(m, " 1234 ", 6, caps, &n), 1, "a PIN with blanks matches");
	is_int(n, 1, "one named group");
	is_str(caps[0].name, "pin", "its name");
	is_mem(caps[0].value, caps[0].len, "1234", 4, "its value");
	is_int(match_run(m, "12345", 5, caps, &n), 0, "five digits do not");
	is_int(match_group_count(m), 1, "group count");
	is_str(match_group_name(m, 0), "pin", "group name");
	match_free(m);

	m = match_new("^(?<a>x)?(?<b>y)$", false, err, sizeof err);
	is_int(match_run(m, "y", 1, caps, &n), 1, "optional group absent");
	is_int(n, 1, "only the group that took part is reported");
	is_str(caps[0].name, "b", "and it is b");
	match_free(m);
	match_free(NULL);
}

static void test_caseless(void)
{
	char err[256];
	struct match *m =
	    match_new("^\\s*(?:\\QОТМЕТКА\\E|\\QCHECKIN\\E)(?=\\s|$)", true, err, sizeof err);
	struct match_capture caps[MATCH_CAPTURES_MAX];
	size_t n;
	static const char *const yes[] = {"отметка", "ОТМЕТКА", "Отметка 1234", "checkin",
					  "  CheckIn"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		is_int(match_run(m, yes[i], strlen(yes[i]), caps, &n), 1, "keyword matches \"%s\"",
		       yes[i]);
	is_int(match_run(m, "отметками", strlen("отметками"), caps, &n), 0,
	       "a longer word does not");
	is_int(match_run(m, "\xff\xfe", 2, caps, &n), -1, "invalid UTF-8 is an error, not a match");
	match_free(m);

	m = match_new("^(?:\\QҮЙ\\E|\\QҚАЙД\\E)$", true, err, sizeof err);
	is_int(match_run(m, "үй", strlen("үй"), caps, &n), 1, "Kyrgyz Ү folds to ү");
	is_int(match_run(m, "қайд", strlen("қайд"), caps, &n), 1, "Tajik Қ folds to қ");
	match_free(m);
}

static void test_errors_and_limits(void)
{
	char err[256] = "";
	ok(match_new("(unclosed", false, err, sizeof err) == NULL, "a bad pattern is refused");
	ok(strstr(err, "offset") != NULL, "with PCRE2's message and offset: %s", err);
	ok(match_new("(?<a>1)(?<b>2)(?<c>3)(?<d>4)(?<e>5)(?<f>6)(?<g>7)(?<h>8)(?<i>9)", false, err,
		     sizeof err) == NULL,
	   "more than %d named groups refused", MATCH_CAPTURES_MAX);

	/* Catastrophic backtracking: the step limit ends it quickly. */
	struct match *m = match_new("^(a+)+$", false, err, sizeof err);
	char subject[64];
	memset(subject, 'a', sizeof subject - 1);
	subject[sizeof subject - 2] = 'b';
	subject[sizeof subject - 1] = '\0';
	struct match_capture caps[MATCH_CAPTURES_MAX];
	size_t n;
	is_int(match_run(m, subject, strlen(subject), caps, &n), -1,
	       "a pathological input hits the limit instead of stalling");
	match_free(m);
}

int main(void)
{
	test_captures();
	test_caseless();
	test_errors_and_limits();
	return tap_done();
}
