/*
 * clock — chabar's one idea of the date and time. It is the loop's time
 * (ev_now, one read a loop turn) or the system's, moved by a fixed offset
 * that tests set to live a chosen day and hour: CHABAR_CLOCK_OFFSET in the
 * environment, whole seconds, read once by clock_init() (chabard logs it
 * as a warning). Everything that stores a time or reads the time of day
 * takes it from here, or as an argument; durations that are only waited
 * (a rate limit, a drain) may keep the loop's own time.
 */
#ifndef CHABAR_CLOCK_H
#define CHABAR_CLOCK_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the offset; 0, or -1 with err if CHABAR_CLOCK_OFFSET is set and
 * is not a whole number of seconds within ±100 years. */
int clock_init(char *err, size_t err_size);

/* The offset in use (0 unless a test set one). */
int64_t clock_offset(void);

/* Now, by the loop (seconds, with fractions). */
double clock_now(struct ev_loop *loop);

/* Now, exactly (not the loop turn's time): to measure how late work is. */
double clock_exact(void);

/* Now, by the wall clock, in whole seconds: for programs without a loop. */
int64_t clock_time(void);

#endif
