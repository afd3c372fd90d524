/* buf — see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAP 256

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	/* With max at most SIZE_MAX / 2, doubling and max + 1 cannot wrap. */
	b->max = max < SIZE_MAX / 2 ? max : SIZE_MAX / 2;
}

void buf_cleanup(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/* Makes room for len more bytes plus the terminator. */
static int reserve(struct buf *b, size_t len)
{
	if (b->overflowed || len > b->max - b->len) {
		b->overflowed = true;
		return -1;
	}
	size_t need = b->len + len + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
	while (cap < need)
		cap *= 2;
	if (cap - 1 > b->max)
		cap = b->max + 1;
	char *data = realloc(b->data, cap);
	if (!data) {
		b->overflowed = true;
		b->out_of_memory = true;
		return -1;
	}
	b->data = data;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (reserve(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
