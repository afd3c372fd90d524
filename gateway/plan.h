/*
 * plan — monitoring plans by risk tier: the configuration's [tier.NAME]
 * sections (names and plans are configuration, not code) and the check-in
 * windows they make. A tier sets
 *
 *   windows     = mon,thu 09:00-12:00; daily 18:00-19:00
 *                 days (mon..sun, daily, weekdays) and a local time range
 *                 (one that ends before it starts runs past midnight)
 *   reminders   = 0m 2h     when, after a window opens, the person is
 *                           reminded while not checked in (0m: at once)
 *   acknowledge = 2h        how long an officer has to answer OK <ref> to
 *                           an alert before it goes to the supervisor
 *
 * plan_next_window() finds the window a person is in, or next, in the
 * district's zone. Pure.
 */
#ifndef CHABAR_PLAN_H
#define CHABAR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define PLAN_TIERS_MAX     8
#define PLAN_WINDOWS_MAX   8
#define PLAN_REMINDERS_MAX 4
#define PLAN_NAME_MAX      24

struct plan_window {
	unsigned days; /* bit d: weekday d (0 Sunday … 6 Saturday) */
	int from, to;  /* minutes after local midnight; to <= from: the next day */
};

struct plan_tier {
	char name[PLAN_NAME_MAX];
	struct plan_window windows[PLAN_WINDOWS_MAX];
	size_t window_count;
	unsigned reminders[PLAN_REMINDERS_MAX]; /* seconds after a window opens */
	size_t reminder_count;
	unsigned acknowledge; /* seconds */
};

struct plan_tiers {
	struct plan_tier tiers[PLAN_TIERS_MAX];
	size_t count;
};

/* Durations "3d 1d 2h 30m 45s" into out (at most max, each within
 * min..max_seconds): 0, or -1 with why. "" is none. */
int plan_parse_durations(const char *text, unsigned *out, size_t max, size_t *count,
			 unsigned min_seconds, unsigned max_seconds, char *why, size_t why_size);

/* One key of section [tier.NAME]: 0, or -1 with why. */
int plan_set(struct plan_tiers *t, const char *tier, const char *key, const char *value, char *why,
	     size_t why_size);

/* The tier called name, or NULL. */
const struct plan_tier *plan_tier(const struct plan_tiers *t, const char *name);

/* The first window of tier in zone that has not closed at t (it may be
 * open already): true with *opens, *closes (UTC), false if the tier has
 * none within two weeks. */
bool plan_next_window(const struct plan_tier *tier, const struct tz *zone, int64_t t,
		      int64_t *opens, int64_t *closes);

#endif
