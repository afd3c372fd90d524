/*
 * csv — one line of comma-separated values as spreadsheets write them
 * (RFC 4180): a field in double quotes may hold commas, and "" is a quote
 * in it. For chabarctl's imports. Pure; the line is split in place.
 */
#ifndef CHABAR_CSV_H
#define CHABAR_CSV_H

#include <stddef.h>

/* Splits line (NUL-terminated, without its line break) into at most max
 * fields, each pointing into line, which is changed, and where each began
 * in it (starts, 0-based bytes; NULL: not wanted): how many, or -1 for
 * more than max or a quote left open. */
int csv_split(char *line, char **fields, size_t *starts, int max);

#endif
