/* utf — see utf.h. */
#include "utf.h"

#include <stdint.h>

bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

uint32_t utf8_next(const char *str, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[*i];
	size_t n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	uint32_t cp = n == 0 ? c : n == 1 ? c & 0x1fu : n == 2 ? c & 0x0fu : c & 0x07u;
	for (size_t k = 1; k <= n; k++)
		cp = cp << 6 | (s[*i + k] & 0x3fu);
	*i += n + 1;
	return cp;
}

static size_t utf8_size(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

size_t utf8_put(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

long utf16be_to_utf8(const unsigned char *in, size_t len, char *out, size_t out_size)
{
	if (len % 2 != 0 || out_size == 0)
		return -1;
	size_t used = 0;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)in[i] << 8 | in[i + 1];
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return -1; /* a low surrogate without its high half */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 3 >= len)
				return -1;
			uint32_t low = (uint32_t)in[i + 2] << 8 | in[i + 3];
			if (low < 0xdc00 || low > 0xdfff)
				return -1;
			cp = 0x10000 + ((cp - 0xd800) << 10 | (low - 0xdc00));
			i += 2;
		}
		if (used + utf8_size(cp) >= out_size)
			return -1; /* and keep a byte for the terminator */
		used += utf8_put(cp, out + used);
	}
	out[used] = '\0';
	return (long)used;
}

long utf8_to_utf16be(const char *in, size_t len, unsigned char *out, size_t out_size)
{
	size_t used = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp = utf8_next(in, &i);
		uint32_t units[2] = {cp, 0};
		size_t count = 1;
		if (cp >= 0x10000) {
			units[0] = 0xd800 + ((cp - 0x10000) >> 10);
			units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			count = 2;
		}
		if (used + 2 * count > out_size)
			return -1;
		for (size_t u = 0; u < count; u++) {
			out[used++] = (unsigned char)(units[u] >> 8);
			out[used++] = (unsigned char)units[u];
		}
	}
	return (long)used;
}

size_t utf8_prefix(const char *s, size_t len, size_t chars, size_t max)
{
	size_t i = 0, n = 0, end = 0;
	for (; i < len && i <= max; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue; /* inside a character */
		end = i;          /* the characters before i are whole */
		if (n++ == chars)
			return end;
	}
	return i <= max ? len : end;
}
