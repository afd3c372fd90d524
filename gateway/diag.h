/*
 * diag — errors for humans from loaders (config, later flows and catalogs):
 * "file:line: message", every one of them counted, none fatal by itself.
 *
 * Lifecycle: a struct diag on the caller's stack, diag_init() with the
 * stream to print to (NULL: the logger, at warn level). The caller decides
 * what a non-zero count means. Loop thread only.
 */
#ifndef CHABAR_DIAG_H
#define CHABAR_DIAG_H

#include <stdio.h>

struct diag {
	FILE *out;  /* where lines go; NULL sends them to the logger */
	int errors; /* how many diag_error() calls so far */
};

void diag_init(struct diag *d, FILE *out);
void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
