/* Unit tests for remind_outside_quiet() (gateway/remind.c) with the
 * system's tzdata and a controlled clock: quiet hours at both edges and
 * across midnight, an appointment that would be missed if the reminder
 * waited for the morning, quiet hours within a day, none at all, and a
 * zone whose offset changed (Almaty: UTC+6, then UTC+5 from March 2024). */
#include <string.h>

#include "remind.h"
#include "tap.h"

#define QUIET_FROM (21 * 60) /* 21:00 */
#define QUIET_TO   (8 * 60)  /* 08:00 */

static const struct tz *bishkek; /* UTC+6 */

/* The UTC instant of a local time in Bishkek on day d of March 2026. */
static int64_t at(int d, int h, int m)
{
	struct tm tm = {.tm_year = 126, .tm_mon = 2, .tm_mday = d, .tm_hour = h, .tm_min = m};
	return (int64_t)timegm(&tm) - 6 * 3600;
}

#define FAR (at(28, 0, 0))

static int64_t quiet(int64_t t, int64_t now, int64_t deadline)
{
	return remind_outside_quiet(bishkek, QUIET_FROM, QUIET_TO, t, now, deadline);
}

int main(void)
{
	bishkek = tz_get("Asia/Bishkek");
	if (!bishkek) {
		printf("Bail out! no Asia/Bishkek in tzdata\n");
		return 1;
	}
	int64_t now = at(1, 0, 0);
	is_int(quiet(at(10, 12, 0), now, FAR), at(10, 12, 0), "noon: as planned");
	is_int(quiet(at(10, 20, 59), now, FAR), at(10, 20, 59), "20:59: still as planned");
	is_int(quiet(at(10, 21, 0), now, FAR), at(11, 8, 0), "21:00: quiet, so 08:00 the next day");
	is_int(quiet(at(10, 23, 30), now, FAR), at(11, 8, 0), "23:30: the next morning");
	is_int(quiet(at(11, 2, 0), now, FAR), at(11, 8, 0), "02:00, past midnight: that morning");
	is_int(quiet(at(11, 7, 59), now, FAR), at(11, 8, 0), "07:59: a minute later");
	is_int(quiet(at(11, 8, 0), now, FAR), at(11, 8, 0), "08:00: the quiet is over");
	/* an appointment at 07:30: "2 hours before" is 05:30, and 08:00 would
	 * be too late: the evening before, before the quiet began */
	is_int(quiet(at(11, 5, 30), now, at(11, 7, 30)), at(10, 20, 59),
	       "an appointment before the quiet ends: the evening before, at 20:59");
	is_int(quiet(at(11, 5, 30), at(10, 22, 0), at(11, 7, 30)), at(11, 5, 30),
	       "and if that evening is past: at 05:30 after all (late beats missed)");
	is_int(remind_outside_quiet(bishkek, 13 * 60, 14 * 60, at(10, 13, 30), now, FAR),
	       at(10, 14, 0), "quiet hours within a day (13:00-14:00): their end");
	is_int(remind_outside_quiet(bishkek, 13 * 60, 14 * 60, at(10, 22, 0), now, FAR),
	       at(10, 22, 0), "and outside them, as planned");
	is_int(remind_outside_quiet(bishkek, 0, 0, at(10, 3, 0), now, FAR), at(10, 3, 0),
	       "from = to: no quiet hours");

	/* Almaty's evening of 29 February 2024 was in UTC+6, the morning
	 * after in UTC+5: 08:00 on 1 March is 03:00 UTC */
	const struct tz *almaty = tz_get("Asia/Almaty");
	struct tm tm = {.tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 16};
	int64_t evening = (int64_t)timegm(&tm); /* 22:00 in Almaty (UTC+6) */
	struct tm want = {.tm_year = 124, .tm_mon = 2, .tm_mday = 1, .tm_hour = 3};
	ok(almaty && remind_outside_quiet(almaty, QUIET_FROM, QUIET_TO, evening, 0,
					  evening + 7 * 86400) == (int64_t)timegm(&want),
	   "across Almaty's change to UTC+5: 08:00 local the morning after, 03:00 UTC");
	tz_reset();
	return tap_done();
}
