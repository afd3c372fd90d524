/* Fuzz target for the time zone reader (gateway/tz.c): the bytes of a
 * TZif file, its transitions and its footer's POSIX TZ string, then
 * offsets, local times and UTC instants of the zone around the present,
 * its transitions and far ahead (where the footer rules). No I/O. */
#include <stdint.h>
#include <stdlib.h>

#include "tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz *z = tz_parse("fuzz", data, size);
	if (!z)
		return 0;
	static const int64_t instants[] = {
	    0, -2208988800LL, 1709229600, 1800000000, 2871763200LL, 4102444800LL, -1};
	for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
		int64_t t = instants[i];
		struct tm tm;
		int offset = tz_offset(z, t);
		tz_local(z, t, &tm);
		tz_utc(z, t + offset);
		/* one answer an instant, and a calendar time gmtime would give */
		if (tz_offset(z, t) != offset || tm.tm_mon < 0 || tm.tm_mon > 11 ||
		    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23)
			abort();
	}
	tz_free(z);
	return 0;
}
