/* Unit tests for gateway/plan.c: a tier's sections as the configuration
 * writes them (windows, reminders, acknowledge) and the mistakes it is
 * told about, and the next check-in window in a district's zone with a
 * controlled clock: before, inside and after a window, days of the week,
 * a window past midnight. */
#include <string.h>

#include "plan.h"
#include "tap.h"

/* The UTC instant of a local time in Bishkek (UTC+6) on day d of March
 * 2026 (the 2nd is a Monday). */
static int64_t at(int d, int h, int m)
{
	struct tm tm = {.tm_year = 126, .tm_mon = 2, .tm_mday = d, .tm_hour = h, .tm_min = m};
	return (int64_t)timegm(&tm) - 6 * 3600;
}

static void test_parse(void)
{
	struct plan_tiers t = {0};
	char why[256] = "";
	ok(plan_set(&t, "high", "windows", "daily 09:00-12:00", why, sizeof why) == 0 &&
	       plan_set(&t, "high", "reminders", "0m 2h", why, sizeof why) == 0 &&
	       plan_set(&t, "high", "acknowledge", "1h", why, sizeof why) == 0,
	   "a tier: windows, reminders, acknowledge (%s)", why);
	const struct plan_tier *high = plan_tier(&t, "high");
	ok(high && high->window_count == 1 && high->windows[0].days == 0x7f &&
	       high->windows[0].from == 540 && high->windows[0].to == 720,
	   "daily 09:00-12:00");
	ok(high && high->reminder_count == 2 && high->reminders[1] == 7200 &&
	       high->acknowledge == 3600,
	   "reminders 0 and 2 h after opening, 1 h to acknowledge");
	ok(plan_set(&t, "low", "windows", "mon 10:00-17:00; weekdays 22:00-01:00", why,
		    sizeof why) == 0,
	   "several windows, one past midnight");
	is_int((int)t.count, 2, "two tiers");
	ok(!plan_tier(&t, "medium"), "a tier not configured: none");
	ok(plan_set(&t, "high", "windows", "someday 09:00-12:00", why, sizeof why) < 0 &&
	       strstr(why, "not days"),
	   "unknown days are refused: %s", why);
	ok(plan_set(&t, "high", "windows", "mon 09:00-09:00", why, sizeof why) < 0,
	   "an empty range is refused");
	ok(plan_set(&t, "high", "reminders", "2 hours", why, sizeof why) < 0,
	   "a duration without its unit is refused: %s", why);
	ok(plan_set(&t, "high", "colour", "red", why, sizeof why) < 0, "an unknown key");
	ok(plan_set(&t, "High Risk", "windows", "daily 09:00-12:00", why, sizeof why) < 0,
	   "a name with capitals and spaces");
}

static void test_windows(void)
{
	const struct tz *bishkek = tz_get("Asia/Bishkek");
	struct plan_tiers t = {0};
	char why[128];
	plan_set(&t, "high", "windows", "daily 09:00-12:00", why, sizeof why);
	plan_set(&t, "low", "windows", "mon 10:00-17:00", why, sizeof why);
	plan_set(&t, "night", "windows", "fri 22:00-01:00", why, sizeof why);
	int64_t o = 0, c = 0;
	ok(plan_next_window(plan_tier(&t, "high"), bishkek, at(3, 7, 0), &o, &c) &&
	       o == at(3, 9, 0) && c == at(3, 12, 0),
	   "07:00: today's window, 09:00-12:00 local");
	ok(plan_next_window(plan_tier(&t, "high"), bishkek, at(3, 10, 0), &o, &c) &&
	       o == at(3, 9, 0) && c == at(3, 12, 0),
	   "10:00: the window open now");
	ok(plan_next_window(plan_tier(&t, "high"), bishkek, at(3, 12, 0), &o, &c) &&
	       o == at(4, 9, 0),
	   "12:00: closed, so tomorrow's");
	ok(plan_next_window(plan_tier(&t, "low"), bishkek, at(3, 9, 0), &o, &c) &&
	       o == at(9, 10, 0) && c == at(9, 17, 0),
	   "Mondays only: on Tuesday, next Monday's");
	ok(plan_next_window(plan_tier(&t, "night"), bishkek, at(7, 0, 30), &o, &c) &&
	       o == at(6, 22, 0) && c == at(7, 1, 0),
	   "past midnight: Friday's window still open at 00:30 on Saturday");
	struct plan_tier none = {.name = "none"};
	ok(!plan_next_window(&none, bishkek, at(3, 7, 0), &o, &c), "a tier without windows: none");
	tz_reset();
}

int main(void)
{
	test_parse();
	test_windows();
	return tap_done();
}
