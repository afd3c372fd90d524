/* roster — see roster.h. */
#include "roster.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tz.h"

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int day_index(const char *text, size_t len)
{
	for (int i = 0; i < 7; i++)
		if (len == 3 && strncasecmp(text, day_names[i], 3) == 0)
			return i;
	return -1;
}

int roster_parse_days(const char *text, int *mask)
{
	*mask = 0;
	if (strcasecmp(text, "daily") == 0) {
		*mask = 127;
		return 0;
	}
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, ",");
		const char *dash = memchr(p, '-', n);
		int a = day_index(p, dash ? (size_t)(dash - p) : n);
		int b = dash ? day_index(dash + 1, n - (size_t)(dash - p) - 1) : a;
		if (a < 0 || b < 0)
			return -1;
		for (int d = a;; d = (d + 1) % 7) { /* "sat-mon" wraps */
			*mask |= 1 << d;
			if (d == b)
				break;
		}
		p += n + (p[n] == ',');
	}
	return *mask ? 0 : -1;
}

static int parse_time(const char *text, int *minutes)
{
	unsigned h, m;
	char rest;
	if (sscanf(text, "%2u:%2u%c", &h, &m, &rest) != 2 || strlen(text) != 5 || m > 59 ||
	    h * 60 + m > 24 * 60)
		return -1;
	*minutes = (int)(h * 60 + m);
	return 0;
}

int roster_parse_hours(const char *text, int *from, int *to)
{
	char a[8], b[8];
	const char *dash = strchr(text, '-');
	if (!dash || dash - text >= (long)sizeof a || strlen(dash + 1) >= sizeof b)
		return -1;
	snprintf(a, sizeof a, "%.*s", (int)(dash - text), text);
	snprintf(b, sizeof b, "%s", dash + 1);
	if (parse_time(a, from) < 0 || parse_time(b, to) < 0 || *from == 24 * 60 || *to == 0 ||
	    *from == *to)
		return -1;
	return 0;
}

void roster_format(int mask, int from, int to, char days[32], char hours[24])
{
	size_t n = 0;
	days[0] = '\0';
	for (int d = 0; d < 7; d++)
		if (mask & (1 << d))
			n += (size_t)snprintf(days + n, 32 - n, "%s%s", n ? "," : "", day_names[d]);
	snprintf(hours, 24, "%02u:%02u-%02u:%02u", (unsigned)from / 60 % 100, (unsigned)from % 60,
		 (unsigned)to / 60 % 100, (unsigned)to % 60);
}

bool roster_on_call(const struct store_tip_officer *row, int64_t t)
{
	struct tm tm;
	tz_local_named(row->timezone, t, &tm);
	int day = (tm.tm_wday + 6) % 7, minute = tm.tm_hour * 60 + tm.tm_min;
	if (row->from_min < row->to_min)
		return (row->weekdays & (1 << day)) && minute >= row->from_min &&
		       minute < row->to_min;
	/* past midnight: the evening of a day on call, or the morning after */
	int yesterday = (day + 6) % 7;
	return ((row->weekdays & (1 << day)) && minute >= row->from_min) ||
	       ((row->weekdays & (1 << yesterday)) && minute < row->to_min);
}

static size_t add_once(struct store_officer *chain, size_t n, size_t max,
		       const struct store_officer *o)
{
	for (size_t i = 0; i < n; i++)
		if (chain[i].id == o->id)
			return n;
	if (n < max)
		chain[n++] = *o;
	return n;
}

int roster_chain(struct store *s, int64_t district_id, int64_t now,
		 struct store_officer out[ROSTER_CHAIN_MAX])
{
	struct store_tip_officer rows[ROSTER_ROWS_MAX];
	/* room is kept for the supervisors, who come last */
	size_t n = 0, first = ROSTER_CHAIN_MAX - ROSTER_SUPERVISORS_MAX;
	int count = store_tip_officers(s, district_id, true, rows, ROSTER_ROWS_MAX);
	for (int i = 0; i < count; i++)
		if (roster_on_call(&rows[i], now))
			n = add_once(out, n, first, &rows[i].officer);
	bool on_call = n > 0;
	int officers =
	    count < 0 ? count : store_tip_officers(s, district_id, false, rows, ROSTER_ROWS_MAX);
	if (officers < 0)
		return STORE_ERROR;
	for (int i = 0; i < officers && !on_call; i++) /* no one on call: the district's officers */
		if (!rows[i].supervisor)
			n = add_once(out, n, first, &rows[i].officer);
	for (int i = 0; i < officers; i++)
		if (rows[i].supervisor)
			n = add_once(out, n, ROSTER_CHAIN_MAX, &rows[i].officer);
	return (int)n;
}
