/*
 * tap — the few Test Anything Protocol helpers the unit tests use; automake's
 * tap-driver reads the output. Header-only, one test program per module.
 *
 *   ok(cond, "what")            is_int(got, want, "what")
 *   is_str(got, want, "what")   is_mem(got, got_len, want, want_len, "what")
 *   return tap_done();          prints the plan, exits 1 if anything failed
 */
#ifndef CHABAR_TAP_H
#define CHABAR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

__attribute__((format(printf, 4, 5))) static int tap_check(int pass, const char *file, int line,
							   const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long got_ = (long long)(got), want_ = (long long)(want);                      \
		if (!tap_check(got_ == want_, __FILE__, __LINE__, __VA_ARGS__))                    \
			printf("#   got %lld, want %lld\n", got_, want_);                          \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		int same_ = got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_;              \
		if (!tap_check(same_, __FILE__, __LINE__, __VA_ARGS__))                            \
			printf("#   got \"%s\", want \"%s\"\n", got_ ? got_ : "(null)",            \
			       want_ ? want_ : "(null)");                                          \
	} while (0)

#define is_mem(got, got_len, want, want_len, ...)                                                  \
	ok((size_t)(got_len) == (size_t)(want_len) && memcmp((got), (want), (want_len)) == 0,      \
	   __VA_ARGS__)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
