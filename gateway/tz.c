/* tz — see tz.h. The file format is RFC 8536 (TZif versions 1 to 4). */
#include "tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define TZ_NAME_MAX 64
#define TZIF_MAX    (256 * 1024) /* the largest zone file is under 4 KiB */
#define HEADER_SIZE 44

/* A footer rule "Mm.w.d[/time]": the d-th weekday (0 Sunday) of week w
 * (5: the last) of month m, at time seconds of local time. */
struct rule {
	int month, week, wday;
	int32_t secs;
};

struct tz {
	char name[TZ_NAME_MAX];
	int64_t *times;   /* transitions, UTC, ascending */
	int32_t *offsets; /* the offset from each transition on */
	size_t count;
	int32_t before; /* the offset before the first transition */
	/* the footer, for instants after the last transition */
	bool footer;
	int32_t std, dst;
	bool has_dst;
	struct rule start, end;
};

static struct tz *cache[TZ_CACHE_MAX];
static size_t cached;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int days_in_month(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* --- the footer: a POSIX TZ string --------------------------------------- */

/* A zone abbreviation: letters, or anything between < and >. */
static const char *skip_name(const char *s)
{
	if (*s == '<') {
		const char *end = strchr(s, '>');
		return end ? end + 1 : NULL;
	}
	const char *p = s;
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds; NULL if malformed. */
static const char *parse_time(const char *s, int32_t *out)
{
	int sign = 1, part[3] = {0, 0, 0};
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return NULL;
		char *end;
		long v = strtol(s, &end, 10);
		if (v > 167 || end - s > 3)
			return NULL;
		part[i] = (int)v;
		s = end;
		if (*s != ':' || i == 2)
			break;
		s++;
	}
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return s;
}

/* ",Mm.w.d[/time]"; NULL if malformed (or a Julian-day rule: not in the
 * zones of the region, nor in tzdata's footers for them). */
static const char *parse_rule(const char *s, struct rule *r)
{
	if (s[0] != ',' || s[1] != 'M')
		return NULL;
	if (sscanf(s + 2, "%d.%d.%d", &r->month, &r->week, &r->wday) != 3 || r->month < 1 ||
	    r->month > 12 || r->week < 1 || r->week > 5 || r->wday < 0 || r->wday > 6)
		return NULL;
	s += 2 + strspn(s + 2, "0123456789.");
	r->secs = 7200;
	if (*s == '/')
		s = parse_time(s + 1, &r->secs);
	return s;
}

/* "STD offset [DST [offset] [,start,end]]": POSIX offsets count west. */
static bool parse_footer(const char *s, struct tz *z)
{
	int32_t west;
	if (!(s = skip_name(s)) || !(s = parse_time(s, &west)))
		return false;
	z->std = -west;
	z->has_dst = *s != '\0';
	if (!z->has_dst)
		return true;
	if (!(s = skip_name(s)))
		return false;
	z->dst = z->std + 3600;
	if (*s && *s != ',') {
		if (!(s = parse_time(s, &west)))
			return false;
		z->dst = -west;
	}
	if (!*s) /* POSIX's default rule, as tzcode takes it */
		s = ",M3.2.0,M11.1.0";
	return (s = parse_rule(s, &z->start)) && (s = parse_rule(s, &z->end)) && !*s;
}

/* The UTC instant a rule names in year y, its time counted in the local
 * time of offset. */
static int64_t rule_instant(const struct rule *r, int64_t y, int32_t offset)
{
	int64_t first = days_from_civil(y, r->month, 1);
	int first_wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	int day = 1 + (r->wday - first_wday + 7) % 7 + 7 * (r->week - 1);
	while (day > days_in_month(y, r->month))
		day -= 7;
	return (first + day - 1) * 86400 + r->secs - offset;
}

static int32_t footer_offset(const struct tz *z, int64_t t)
{
	if (!z->has_dst)
		return z->std;
	struct tm tm;
	time_t local = (time_t)(t + z->std);
	gmtime_r(&local, &tm);
	int64_t y = (int64_t)tm.tm_year + 1900;
	int64_t start = rule_instant(&z->start, y, z->std);
	int64_t end = rule_instant(&z->end, y, z->dst);
	bool in_dst = start < end ? t >= start && t < end : !(t >= end && t < start);
	return in_dst ? z->dst : z->std;
}

/* --- the file -------------------------------------------------------------- */

struct counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static void read_counts(const unsigned char *h, struct counts *c)
{
	c->isut = be32(h + 20);
	c->isstd = be32(h + 24);
	c->leap = be32(h + 28);
	c->time = be32(h + 32);
	c->type = be32(h + 36);
	c->chars = be32(h + 40);
}

/* Bytes of a data block whose times take time_size bytes. */
static size_t block_size(const struct counts *c, size_t time_size)
{
	return c->time * (time_size + 1) + c->type * 6 + c->chars + c->leap * (time_size + 4) +
	       c->isstd + c->isut;
}

static bool parse_tzif(const unsigned char *buf, size_t len, struct tz *z)
{
	struct counts c;
	if (len < HEADER_SIZE || memcmp(buf, "TZif", 4) != 0)
		return false;
	read_counts(buf, &c);
	size_t at = HEADER_SIZE, time_size = 4;
	if (buf[4] >= '2') { /* skip the 32-bit block for the 64-bit one */
		at += block_size(&c, 4);
		if (at + HEADER_SIZE > len || memcmp(buf + at, "TZif", 4) != 0)
			return false;
		read_counts(buf + at, &c);
		at += HEADER_SIZE;
		time_size = 8;
	}
	if (c.type == 0 || c.type > 256 || c.time > 65536 || at + block_size(&c, time_size) > len)
		return false;
	const unsigned char *times = buf + at, *index = times + c.time * time_size;
	const unsigned char *types = index + c.time;
	z->times = calloc(c.time ? c.time : 1, sizeof *z->times);
	z->offsets = calloc(c.time ? c.time : 1, sizeof *z->offsets);
	if (!z->times || !z->offsets)
		return false;
	for (uint32_t i = 0; i < c.time; i++) {
		if (index[i] >= c.type)
			return false;
		z->times[i] = time_size == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		z->offsets[i] = (int32_t)be32(types + 6 * index[i]);
	}
	z->count = c.time;
	z->before = (int32_t)be32(types);
	at += block_size(&c, time_size);
	/* the footer, version 2 on: "\nTZ string\n" */
	if (time_size == 8 && at < len && buf[at] == '\n') {
		const unsigned char *end = memchr(buf + at + 1, '\n', len - at - 1);
		char footer[128];
		size_t n = end ? (size_t)(end - buf - at - 1) : 0;
		if (end && n > 0 && n < sizeof footer) {
			memcpy(footer, buf + at + 1, n);
			footer[n] = '\0';
			z->footer = parse_footer(footer, z);
		}
	}
	return true;
}

/* A name as tzdata spells one: no way out of its directory. */
static bool name_ok(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len < TZ_NAME_MAX && name[0] != '/' && !strstr(name, "..") &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") ==
		   len;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->times);
	free(z->offsets);
	free(z);
}

struct tz *tz_parse(const char *name, const unsigned char *buf, size_t len)
{
	struct tz *z = calloc(1, sizeof *z);
	if (!z || !parse_tzif(buf, len, z)) {
		tz_free(z);
		return NULL;
	}
	snprintf(z->name, sizeof z->name, "%s", name);
	return z;
}

static struct tz *load(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(TZIF_MAX);
	size_t len = buf ? fread(buf, 1, TZIF_MAX, f) : 0;
	fclose(f);
	struct tz *z = buf && len < TZIF_MAX ? tz_parse(name, buf, len) : NULL;
	free(buf);
	return z;
}

const struct tz *tz_get(const char *name)
{
	if (!name || !name_ok(name))
		return NULL;
	for (size_t i = 0; i < cached; i++)
		if (strcmp(cache[i]->name, name) == 0)
			return cache[i];
	if (cached == TZ_CACHE_MAX)
		return NULL;
	struct tz *z = load(name);
	if (z)
		cache[cached++] = z;
	return z;
}

const struct tz *tz_or_utc(const char *name)
{
	const struct tz *z = tz_get(name);
	if (z)
		return z;
	log_msg(LOG_LEVEL_WARN, "tz_unknown", "zone=\"%.48s\"", name ? name : "");
	return tz_get("UTC");
}

int tz_offset(const struct tz *z, int64_t t)
{
	if (z->count == 0 || t >= z->times[z->count - 1])
		return z->footer  ? footer_offset(z, t)
		       : z->count ? z->offsets[z->count - 1]
				  : z->before;
	if (t < z->times[0])
		return z->before;
	size_t lo = 0, hi = z->count - 1; /* times[lo] <= t < times[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->offsets[lo];
}

int64_t tz_utc(const struct tz *z, int64_t local)
{
	/* the offsets a day either side (a zone changes at most once in two
	 * days): the earlier instant that reads as local, else (a time the
	 * change skipped) the offset before it */
	int64_t before = local - tz_offset(z, local - 86400);
	int64_t after = local - tz_offset(z, local + 86400);
	bool before_ok = before + tz_offset(z, before) == local;
	bool after_ok = after + tz_offset(z, after) == local;
	if (before_ok && after_ok)
		return before < after ? before : after;
	return after_ok ? after : before;
}

void tz_local_named(const char *name, int64_t t, struct tm *out)
{
	const struct tz *z = tz_or_utc(name);
	time_t utc = (time_t)t;
	if (z)
		tz_local(z, t, out);
	else
		gmtime_r(&utc, out);
}

void tz_local(const struct tz *z, int64_t t, struct tm *out)
{
	time_t local = (time_t)(t + tz_offset(z, t));
	gmtime_r(&local, out);
}

void tz_reset(void)
{
	for (size_t i = 0; i < cached; i++)
		tz_free(cache[i]);
	cached = 0;
}
