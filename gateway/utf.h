/*
 * utf — the two Unicode checks and conversions inbound SMS need: is this
 * UTF-8, and UCS-2/UTF-16BE (Kannel's coding 2) to UTF-8 and back. Pure.
 */
#ifndef CHABAR_UTF_H
#define CHABAR_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/* The code point at s[*i] of text that utf8_valid() accepted, moving *i
 * past it. */
uint32_t utf8_next(const char *s, size_t *i);

/* The bytes of the first chars characters of UTF-8 s (len bytes), at most
 * max bytes, never cutting a character. */
size_t utf8_prefix(const char *s, size_t len, size_t chars, size_t max);

/* Writes cp (at most U+10FFFF) as UTF-8 into out; returns its length. */
size_t utf8_put(uint32_t cp, char out[4]);

/* Converts UTF-16BE to UTF-8 into out (out_size bytes, NUL-terminated).
 * Returns the UTF-8 length, or -1 for an odd length, a broken surrogate
 * pair or a result that does not fit. */
long utf16be_to_utf8(const unsigned char *in, size_t len, char *out, size_t out_size);

/* Converts UTF-8 that utf8_valid() accepted to UTF-16BE (a surrogate pair
 * past U+FFFF) into out. Returns the length in bytes, or -1 if it does not
 * fit out_size. */
long utf8_to_utf16be(const char *in, size_t len, unsigned char *out, size_t out_size);

#endif
