/* Fuzz target for what people and operators type about tips: a code read
 * as typed (refcode_read: receipts, and tip references, which must mix
 * digits and letters), an on-call roster's days and hours, and a line of
 * a roster CSV. No I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "refcode.h"
#include "roster.h"

#define ALPHABET "3479ACDEFHJKMNPRTUVWXY"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void code(const char *text, size_t len, int group, bool mixed)
{
	char out[REFCODE_SIZE(8)];
	size_t used = refcode_read(text, len, group, mixed, out);
	if (!used)
		return;
	/* what it took is there, and what it wrote is one written code */
	size_t n = 2 * (size_t)group + 1;
	if (used > len || strlen(out) != n || out[group] != '-' || strspn(out, ALPHABET "-") != n ||
	    (mixed && !strpbrk(out, "3479")))
		abort();
}

static void roster(const char *text)
{
	int days, from, to;
	if (roster_parse_days(text, &days) == 0 && (days < 1 || days > 127))
		abort();
	if (roster_parse_hours(text, &from, &to) == 0 &&
	    (from < 0 || from >= 1440 || to < 1 || to > 1440 || from == to))
		abort();
}

static void csv(char *line, size_t len)
{
	char *fields[8];
	size_t starts[8];
	int n = csv_split(line, fields, starts, 8);
	if (n > 8)
		abort();
	for (int i = 0; i < n; i++)
		if (fields[i] < line || fields[i] > line + len || strlen(fields[i]) > len ||
		    starts[i] > len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	code(text, size, REFCODE_TIP, true);
	code(text, size, REFCODE_RECEIPT, false);
	roster(text);
	csv(text, strlen(text));
	free(text);
	return 0;
}
