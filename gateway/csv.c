/* csv — see csv.h. */
#include "csv.h"

#include <stdbool.h>

int csv_split(char *line, char **fields, size_t *starts, int max)
{
	char *out = line, *p = line;
	for (int n = 0; n < max; n++) {
		fields[n] = out;
		if (starts)
			starts[n] = (size_t)(p - line);
		bool quoted = *p == '"';
		p += quoted;
		for (; *p && (quoted || *p != ','); p++) {
			if (quoted && *p == '"' && p[1] == '"') {
				p++; /* "" is a quote */
			} else if (quoted && *p == '"') {
				quoted = false;
				continue;
			}
			*out++ = *p;
		}
		if (quoted)
			return -1;
		bool more = *p == ',';
		*out++ = '\0';
		if (!more)
			return n + 1;
		p++;
	}
	return -1;
}
