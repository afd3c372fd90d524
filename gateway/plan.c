/* plan — see plan.h. */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int plan_parse_durations(const char *text, unsigned *out, size_t max, size_t *count,
			 unsigned min_seconds, unsigned max_seconds, char *why, size_t why_size)
{
	static const char units[] = "smhd";
	static const unsigned long seconds[] = {1, 60, 3600, 86400};
	*count = 0;
	for (const char *p = text + strspn(text, " "); *p; p += strspn(p, " ")) {
		char *unit;
		errno = 0;
		unsigned long n = strtoul(p, &unit, 10);
		const char *u = *unit ? strchr(units, *unit) : NULL;
		if (unit == p || *p == '-' || errno || !u || (unit[1] && unit[1] != ' ')) {
			snprintf(why, why_size, "\"%.20s\" is not a number and a unit (s, m, h, d)",
				 p);
			return -1;
		}
		unsigned long s = n * seconds[u - units];
		if (n > max_seconds || s < min_seconds || s > max_seconds) {
			snprintf(why, why_size, "%.20s is outside %us..%us", p, min_seconds,
				 max_seconds);
			return -1;
		}
		if (*count == max) {
			snprintf(why, why_size, "more than %zu durations", max);
			return -1;
		}
		out[(*count)++] = (unsigned)s;
		p = unit + 1;
	}
	return 0;
}

/* "mon,thu" / "daily" / "weekdays" into a mask; 0 if not days. */
static unsigned parse_days(const char *text, size_t len)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	unsigned mask = 0;
	while (len) {
		size_t n = strcspn(text, ",");
		if (n > len)
			n = len;
		unsigned one = 0;
		if (n == 5 && strncmp(text, "daily", 5) == 0)
			one = 0x7f;
		else if (n == 8 && strncmp(text, "weekdays", 8) == 0)
			one = 0x3e;
		for (unsigned d = 0; d < 7 && !one; d++)
			if (n == 3 && strncmp(text, names[d], 3) == 0)
				one = 1u << d;
		if (!one)
			return 0;
		mask |= one;
		text += n;
		len -= n;
		if (len) { /* the comma */
			text++;
			len--;
		}
	}
	return mask;
}

/* "mon,thu 09:00-12:00" */
static int parse_window(const char *text, struct plan_window *w, char *why, size_t why_size)
{
	text += strspn(text, " ");
	size_t days = strcspn(text, " ");
	int fh, fm, th, tm, used = 0;
	w->days = parse_days(text, days);
	if (!w->days ||
	    sscanf(text + days, " %2d:%2d-%2d:%2d %n", &fh, &fm, &th, &tm, &used) != 4 ||
	    text[days + (size_t)used] || fh < 0 || fh > 23 || fm < 0 || fm > 59 || th < 0 ||
	    th > 24 || tm < 0 || tm > 59 || (fh * 60 + fm) == (th * 60 + tm)) {
		snprintf(why, why_size,
			 "\"%.40s\" is not days (mon..sun, daily, weekdays) and HH:MM-HH:MM", text);
		return -1;
	}
	w->from = fh * 60 + fm;
	w->to = th * 60 + tm;
	return 0;
}

static int set_windows(struct plan_tier *t, const char *value, char *why, size_t why_size)
{
	char copy[512];
	snprintf(copy, sizeof copy, "%s", value);
	t->window_count = 0;
	for (char *save = NULL, *one = strtok_r(copy, ";", &save); one;
	     one = strtok_r(NULL, ";", &save)) {
		if (t->window_count == PLAN_WINDOWS_MAX) {
			snprintf(why, why_size, "more than %d windows", PLAN_WINDOWS_MAX);
			return -1;
		}
		if (parse_window(one, &t->windows[t->window_count++], why, why_size) < 0)
			return -1;
	}
	return 0;
}

const struct plan_tier *plan_tier(const struct plan_tiers *t, const char *name)
{
	for (size_t i = 0; name && i < t->count; i++)
		if (strcmp(t->tiers[i].name, name) == 0)
			return &t->tiers[i];
	return NULL;
}

int plan_set(struct plan_tiers *t, const char *tier, const char *key, const char *value, char *why,
	     size_t why_size)
{
	struct plan_tier *p = (struct plan_tier *)plan_tier(t, tier);
	if (!p) {
		size_t len = strlen(tier);
		if (len == 0 || len >= PLAN_NAME_MAX ||
		    strspn(tier, "abcdefghijklmnopqrstuvwxyz0123456789_") != len) {
			snprintf(why, why_size, "a tier's name is 1 to %d of a-z 0-9 _",
				 PLAN_NAME_MAX - 1);
			return -1;
		}
		if (t->count == PLAN_TIERS_MAX) {
			snprintf(why, why_size, "more than %d tiers", PLAN_TIERS_MAX);
			return -1;
		}
		p = &t->tiers[t->count++];
		memset(p, 0, sizeof *p);
		snprintf(p->name, sizeof p->name, "%s", tier);
		p->acknowledge = 7200;
	}
	if (strcmp(key, "windows") == 0)
		return set_windows(p, value, why, why_size);
	if (strcmp(key, "reminders") == 0)
		return plan_parse_durations(value, p->reminders, PLAN_REMINDERS_MAX,
					    &p->reminder_count, 0, 86400, why, why_size);
	if (strcmp(key, "acknowledge") == 0) {
		size_t n;
		int rc = plan_parse_durations(value, &p->acknowledge, 1, &n, 5, 7 * 86400, why,
					      why_size);
		if (rc == 0 && n != 1) {
			snprintf(why, why_size, "one duration, e.g. 2h");
			return -1;
		}
		return rc;
	}
	snprintf(why, why_size, "unknown key (windows, reminders, acknowledge)");
	return -1;
}

bool plan_next_window(const struct plan_tier *tier, const struct tz *zone, int64_t t,
		      int64_t *opens, int64_t *closes)
{
	int64_t local = t + tz_offset(zone, t);
	int64_t day = local - ((local % 86400) + 86400) % 86400;
	bool found = false;
	/* yesterday's window may run past midnight into today */
	for (int d = -1; d <= 14; d++) {
		int64_t midnight = day + (int64_t)d * 86400;
		int wday = (int)(((midnight / 86400 + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
		for (size_t i = 0; i < tier->window_count; i++) {
			const struct plan_window *w = &tier->windows[i];
			if (!(w->days & (1u << wday)))
				continue;
			int64_t o = tz_utc(zone, midnight + w->from * 60);
			int64_t c = tz_utc(zone, midnight + (int64_t)w->to * 60 +
						     (w->to <= w->from ? 86400 : 0));
			if (c > t && (!found || o < *opens)) {
				*opens = o;
				*closes = c;
				found = true;
			}
		}
		if (found)
			break; /* later days open later */
	}
	return found;
}
