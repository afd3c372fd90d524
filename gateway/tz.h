/*
 * tz — local time from the system's time zone database (tzdata's TZif
 * files under TZDIR, /usr/share/zoneinfo by default), without touching
 * the process's TZ: a zone is read once and kept, and a UTC instant gets
 * its offset by a binary search of the zone's transitions, so a past time
 * is shown with the offset that applied then (Kazakhstan's move to UTC+5
 * in March 2024 included). Past the last transition, the file's footer (a
 * POSIX TZ string) rules: a fixed offset, or standard and daylight time
 * with month.week.day rules.
 *
 * A zone's file (a few KiB from the page cache) is read the first time the
 * zone is asked for: at start for the districts' zones, when a district is
 * added. Loop thread only (the cache); at most TZ_CACHE_MAX zones.
 */
#ifndef CHABAR_TZ_H
#define CHABAR_TZ_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define TZ_CACHE_MAX 64

struct tz;

/* The zone called name ("Asia/Bishkek", "UTC"), read and kept on first
 * use; NULL if there is no such zone, or it cannot be read. */
const struct tz *tz_get(const char *name);

/* The zone called name, or UTC (a warning in the log) if tzdata lacks it:
 * a district stored before zones were checked. NULL only without UTC. */
const struct tz *tz_or_utc(const char *name);

/* Seconds east of UTC at the UTC instant t. */
int tz_offset(const struct tz *z, int64_t t);

/* The UTC instant whose local time in z is local (seconds since the epoch
 * as if local time were UTC). A local time skipped by a change is taken
 * with the offset before it; one that happens twice, the first. */
int64_t tz_utc(const struct tz *z, int64_t local);

/* The local calendar time of the UTC instant t. */
void tz_local(const struct tz *z, int64_t t, struct tm *out);

/* The same in the zone called name (tz_or_utc; UTC as glibc has it if
 * tzdata has not even UTC). */
void tz_local_named(const char *name, int64_t t, struct tm *out);

/* A zone from the bytes of its TZif file (len of them), kept by no cache:
 * NULL if they are not one. tz_free() it. */
struct tz *tz_parse(const char *name, const unsigned char *buf, size_t len);
void tz_free(struct tz *z);

/* Forgets every zone read (tests; a changed tzdata needs a restart). */
void tz_reset(void);

#endif
