/*
 * buf — a growable byte buffer with a hard maximum (convention 4: nothing
 * grows without bound). Always NUL-terminated after its data.
 *
 * Lifecycle: buf_init(max) → buf_append / buf_printf → buf_cleanup().
 * Once an append would pass the maximum, the buffer keeps what it had and
 * is marked overflowed; later appends are ignored. Loop thread only.
 */
#ifndef CHABAR_BUF_H
#define CHABAR_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	bool overflowed;
	bool out_of_memory; /* overflowed because memory ran out, not max */
};

void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b);
/* 0, or -1 if the data would pass max (or memory ran out). */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
