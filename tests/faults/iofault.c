/* tests/faults/iofault.c - an I/O error on demand, preloaded into chabard
 * by tests/integration/io_error.sh: while the file named by CHABAR_IOFAULT
 * exists, fsync and fdatasync fail with EIO, as a dying disk's do; the
 * writes before them succeed, so SQLite meets the error where a commit is
 * made durable. Built without sanitizers (it runs inside chabard's). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* EIO while the flag file exists, else what the real call (name) does. */
static int fail_or_call(const char *name, int fd)
{
	const char *flag = getenv("CHABAR_IOFAULT");
	if (flag && access(flag, F_OK) == 0) {
		errno = EIO;
		return -1;
	}
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
	return real(fd);
}

int fsync(int fd)
{
	return fail_or_call("fsync", fd);
}

int fdatasync(int fd)
{
	return fail_or_call("fdatasync", fd);
}
