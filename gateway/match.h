/*
 * match — regular expressions for flows: PCRE2 in UTF mode, compiled once
 * when flows load, run against each input with match and depth limits so a
 * hostile text cannot stall the loop.
 *
 * Lifecycle: match_new() at load → match_run() per input → match_free().
 * A match owns its PCRE2 match data, reused by every run: loop thread only.
 */
#ifndef CHABAR_MATCH_H
#define CHABAR_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#define MATCH_CAPTURES_MAX 8
/* Backtracking steps and depth one run may take before it gives up. */
#define MATCH_STEP_LIMIT  100000
#define MATCH_DEPTH_LIMIT 1000

struct match;

struct match_capture {
	const char *name;  /* the group's name, owned by the match */
	const char *value; /* points into the subject */
	size_t len;
};

/* Compiles pattern (UTF, Unicode properties; caseless if asked). NULL on
 * error, with PCRE2's message and the offset in the pattern in err. */
struct match *match_new(const char *pattern, bool caseless, char *err, size_t err_size);
void match_free(struct match *m);

/* 1 if subject matches, with each named group that took part in caps;
 * 0 if not; -1 if the limits were hit or the subject is not UTF-8. */
int match_run(const struct match *m, const char *subject, size_t len,
	      struct match_capture caps[MATCH_CAPTURES_MAX], size_t *cap_count);

/* The names of the pattern's named groups, for checks at load. */
size_t match_group_count(const struct match *m);
const char *match_group_name(const struct match *m, size_t i);

#endif
