/* Fuzz target for the catalog reader: any bytes as a .po file to
 * locales_check_catalog(), which must accept the file or say why, and never
 * crash, exit or leak. libgettextpo reads only from a path, so each input is
 * written to one temporary file, made at the first call and reused (removed
 * at exit). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[512];

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static FILE *devnull;
	if (fd < 0) {
		const char *dir = getenv("TMPDIR");
		int n = snprintf(path, sizeof path, "%s/chabar-fuzz-po.XXXXXX",
				 dir && *dir ? dir : "/tmp");
		if (n < 0 || (size_t)n >= sizeof path)
			abort();
		fd = mkstemp(path);
		devnull = fopen("/dev/null", "w");
		if (fd < 0 || !devnull)
			abort();
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}

	struct diag d;
	diag_init(&d, devnull);
	int rc = locales_check_catalog(path, &d);
	if (rc < 0 && d.errors == 0)
		abort(); /* a refused catalog always says why */
	if (rc == 0 && d.errors != 0)
		abort();
	return 0;
}
