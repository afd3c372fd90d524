/*
 * roster — who hears of a tip, in order. Each district has an on-call
 * roster (chabarctl roster): an officer, the weekdays and the local hours
 * they are on call, and their place in the order. A tip goes first to the
 * officers on call at the time in the district's zone, in roster order,
 * then to the district's supervisors; a district without anyone on call
 * falls back on its active officers, supervisors last. A tip with a place
 * typed instead of a district uses every district's roster.
 *
 * Stateless; reads through the store in the caller's transaction.
 */
#ifndef CHABAR_ROSTER_H
#define CHABAR_ROSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define ROSTER_CHAIN_MAX       32 /* officers a tip may go to, supervisors included */
#define ROSTER_SUPERVISORS_MAX 8  /* places kept for them */
#define ROSTER_ROWS_MAX        64 /* roster rows or officers of a district read */

/* "mon-fri", "sat,sun", "mon,wed-fri", "daily": the weekdays as bits (bit
 * 0 Monday) into *mask. 0 or -1. */
int roster_parse_days(const char *text, int *mask);

/* "08:00-18:00" (to 24:00; "22:00-06:00" goes past midnight) as minutes
 * of the day. 0 or -1. */
int roster_parse_hours(const char *text, int *from, int *to);

/* "mon-fri" and "08:00-18:00" again, for listing. */
void roster_format(int mask, int from, int to, char days[32], char hours[24]);

/* Whether a roster row is on call at t (its zone's local time). */
bool roster_on_call(const struct store_tip_officer *row, int64_t t);

/* The officers a tip of district_id (0: a place) goes to, one after the
 * other, each once: how many (at most ROSTER_CHAIN_MAX), or STORE_ERROR. */
int roster_chain(struct store *s, int64_t district_id, int64_t now,
		 struct store_officer out[ROSTER_CHAIN_MAX]);

#endif
