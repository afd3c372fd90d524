/* clock — see clock.h. */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define OFFSET_MAX (100LL * 366 * 86400)

static int64_t offset;

int clock_init(char *err, size_t err_size)
{
	const char *text = getenv("CHABAR_CLOCK_OFFSET");
	offset = 0;
	if (!text || !*text)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || *end || v < -OFFSET_MAX || v > OFFSET_MAX) {
		snprintf(err, err_size, "CHABAR_CLOCK_OFFSET: not a number of seconds: %.40s",
			 text);
		return -1;
	}
	offset = v;
	return 0;
}

int64_t clock_offset(void)
{
	return offset;
}

double clock_now(struct ev_loop *loop)
{
	return ev_now(loop) + (double)offset;
}

double clock_exact(void)
{
	return ev_time() + (double)offset;
}

int64_t clock_time(void)
{
	return (int64_t)time(NULL) + offset;
}
