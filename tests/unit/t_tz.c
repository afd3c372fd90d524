/* Unit tests for gateway/tz.c against the system's tzdata: a zone whose
 * offset changed (Asia/Almaty, UTC+6 to UTC+5 on 1 March 2024) shows each
 * instant with the offset of its day, local times that happened twice or
 * never, daylight time from a zone file's footer (Europe/Berlin after its
 * last transition), fixed zones, and names that are not zones. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "tz.h"

/* Seconds since the epoch of a UTC date and time. */
static int64_t utc(int y, int mon, int d, int h, int m)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = m};
	return (int64_t)timegm(&tm);
}

/* "YYYY-MM-DD HH:MM" of t in zone z. */
static const char *local(const struct tz *z, int64_t t)
{
	static char text[32];
	struct tm tm;
	tz_local(z, t, &tm);
	strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
	return text;
}

static void test_almaty(void)
{
	const struct tz *z = tz_get("Asia/Almaty");
	ok(z != NULL, "Asia/Almaty is read from tzdata");
	if (!z)
		return;
	is_int(tz_offset(z, utc(2024, 2, 29, 17, 59)), 6 * 3600, "before the change: UTC+6");
	is_int(tz_offset(z, utc(2024, 2, 29, 18, 0)), 5 * 3600, "from 1 March 2024: UTC+5");
	is_str(local(z, utc(2023, 6, 1, 6, 0)), "2023-06-01 12:00",
	       "a past time shows the offset that applied then");
	is_str(local(z, utc(2025, 6, 1, 6, 0)), "2025-06-01 11:00", "and a recent one today's");
	is_int(tz_utc(z, utc(2024, 3, 1, 0, 30)), utc(2024, 2, 29, 19, 30),
	       "local to UTC after the change");
	is_int(tz_utc(z, utc(2024, 2, 29, 23, 30)), utc(2024, 2, 29, 17, 30),
	       "a local time that happened twice: the first");
	is_int(tz_utc(z, utc(2020, 1, 1, 9, 0)), utc(2020, 1, 1, 3, 0), "and long before: +6");
	ok(tz_get("Asia/Almaty") == z, "read once, then kept");
}

static void test_footer(void)
{
	const struct tz *z = tz_get("Europe/Berlin");
	ok(z != NULL, "Europe/Berlin");
	if (!z)
		return;
	/* 2060: past the transitions of any zone file, the footer's rules */
	is_int(tz_offset(z, utc(2060, 1, 15, 12, 0)), 3600, "winter: the footer's standard time");
	is_int(tz_offset(z, utc(2060, 7, 15, 12, 0)), 7200, "summer: its daylight time");
	/* the last Sunday of March 2060 is the 28th, at 01:00 UTC */
	is_int(tz_offset(z, utc(2060, 3, 28, 0, 59)), 3600, "a minute before the change");
	is_int(tz_offset(z, utc(2060, 3, 28, 1, 0)), 7200, "at the change");
	is_int(tz_utc(z, utc(2060, 3, 28, 2, 30)), utc(2060, 3, 28, 1, 30),
	       "a local time the change skipped: taken with the offset before it");
	is_int(tz_offset(z, utc(2025, 7, 1, 12, 0)), 7200, "and from the transitions: 2025");
}

static void test_fixed_and_bad(void)
{
	const struct tz *b = tz_get("Asia/Bishkek"), *u = tz_get("UTC");
	ok(b && tz_offset(b, utc(2026, 11, 28, 0, 0)) == 6 * 3600, "Bishkek: UTC+6");
	ok(u && tz_offset(u, utc(2026, 11, 28, 0, 0)) == 0, "UTC");
	ok(!tz_get("Asia/Nowhere"), "a zone that does not exist: none");
	ok(!tz_get("../../etc/passwd"), "a path out of the database: none");
	ok(!tz_get("/etc/localtime"), "an absolute path: none");
	ok(!tz_get(""), "an empty name: none");
	ok(!tz_get("zone.tab"), "a file of tzdata that is no zone: none");
}

int main(void)
{
	test_almaty();
	test_footer();
	test_fixed_and_bad();
	tz_reset();
	return tap_done();
}
