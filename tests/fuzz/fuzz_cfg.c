/* Fuzz target for the config loader: any text to cfg_load_string(), which
 * must either return a config or report why, and never leak. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static FILE *devnull;
	if (!ready) {
		if (sodium_init() < 0)
			abort();
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
		ready = 1;
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';

	struct diag d;
	diag_init(&d, devnull);
	struct cfg *c = cfg_load_string(text, "fuzz.conf", &d);
	if (!c && d.errors == 0)
		abort(); /* a refused config always says why */
	if (c && d.errors != 0)
		abort();
	cfg_unref(c);
	free(text);
	return 0;
}
