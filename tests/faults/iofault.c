/* tests/faults/iofault.c - an I/O error on demand, preloaded into chabard
 * by tests/integration/io_error.sh: while the file named by CHABAR_IOFAULT
 * exists, fsync and fdatasync fail with EIO, as a dying disk's do; the
 * writes before them succeed, so SQLite meets the error where a commit is
 * made durable. Built without sanitizers (it runs inside chabard's). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

static bool failing(void)
{
	const char *flag = getenv("CHABAR_IOFAULT");
	return flag && access(flag, F_OK) == 0;
}

int fsync(int fd)
{
	static int (*real)(int);
	if (failing()) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (failing()) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
