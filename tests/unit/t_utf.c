/* Unit tests for gateway/utf.c: UTF-8 validation, and UTF-16BE to UTF-8
 * and back. */
#include "tap.h"
#include "utf.h"

#define VALID(s, what)   ok(utf8_valid(s, sizeof s - 1), "valid: %s", what)
#define INVALID(s, what) ok(!utf8_valid(s, sizeof s - 1), "invalid: %s", what)

static void test_utf8_valid(void)
{
	VALID("", "empty");
	VALID("Hello, world!", "ASCII");
	VALID("Привет", "Cyrillic");
	VALID("\xe2\x82\xac", "3-byte euro sign");
	VALID("\xf0\x9f\x98\x80", "4-byte emoji");
	VALID("a\0b", "a NUL is a character");
	VALID("\x7f", "DEL");
	VALID("\xc2\x80", "U+0080, the smallest 2-byte");
	VALID("\xe0\xa0\x80", "U+0800, the smallest 3-byte");
	VALID("\xf0\x90\x80\x80", "U+10000, the smallest 4-byte");
	VALID("\xed\x9f\xbf", "U+D7FF, just below the surrogates");
	VALID("\xee\x80\x80", "U+E000, just above the surrogates");
	VALID("\xef\xbf\xbf", "U+FFFF");
	VALID("\xf4\x8f\xbf\xbf", "U+10FFFF, the largest");
	VALID("ok \xd0\x96 \xf0\x9f\x98\x80 end", "mixed");

	INVALID("\xc0\xaf", "overlong '/' in 2 bytes");
	INVALID("\xc1\xbf", "overlong 2-byte");
	INVALID("\xc0\x80", "overlong NUL");
	INVALID("\xe0\x80\xaf", "overlong '/' in 3 bytes");
	INVALID("\xe0\x9f\xbf", "overlong 3-byte below U+0800");
	INVALID("\xf0\x80\x80\xaf", "overlong '/' in 4 bytes");
	INVALID("\xf0\x8f\xbf\xbf", "overlong 4-byte below U+10000");
	INVALID("\xed\xa0\x80", "high surrogate U+D800");
	INVALID("\xed\xbf\xbf", "low surrogate U+DFFF");
	INVALID("\xed\xa0\xbd\xed\xb8\x80", "CESU-8 surrogate pair");
	INVALID("\xf4\x90\x80\x80", "U+110000");
	INVALID("\xf5\x80\x80\x80", "lead byte F5");
	INVALID("\xf7\xbf\xbf\xbf", "lead byte F7");
	INVALID("\xf8\x88\x80\x80\x80", "5-byte form");
	INVALID("\xfc\x84\x80\x80\x80\x80", "6-byte form");
	INVALID("\xfe", "FE");
	INVALID("\xff", "FF");
	INVALID("\x80", "a lone continuation byte");
	INVALID("a\xbf", "a continuation byte after ASCII");
	INVALID("\xd0", "truncated 2-byte");
	INVALID("\xe2\x82", "truncated 3-byte");
	INVALID("\xe2", "truncated 3-byte at its lead");
	INVALID("\xf0\x9f\x98", "truncated 4-byte");
	INVALID("ab\xd0", "truncated at the end");
	INVALID("\xd0\x41", "ASCII where a continuation belongs");
	INVALID("\xe2\x82\x41", "ASCII as the last continuation");
	INVALID("\xf0\x9f\x98\x41", "ASCII as the last of four");
	INVALID("\xd0\xd0\x96", "a lead byte where a continuation belongs");

	ok(!utf8_valid("\xd0\x9f\xd1\x80", 3), "len cuts a character");
	ok(utf8_valid("\xd0\x9f\xd1\x80", 2), "len ends on a boundary");
	ok(utf8_valid("\xff", 0), "len 0 looks at nothing");
}

#define U16(s) (const unsigned char *)(s), sizeof(s) - 1

static void test_utf16(void)
{
	char out[64];
	is_int(utf16be_to_utf8(U16("\x04\x1f\x04\x40\x04\x38\x04\x32\x04\x35\x04\x42"), out,
			       sizeof out),
	       12, "Привет from UTF-16BE");
	is_str(out, "Привет", "Привет as UTF-8");
	is_int(utf16be_to_utf8(U16("\x00H\x00i"), out, sizeof out), 2, "ASCII");
	is_str(out, "Hi", "ASCII as UTF-8");
	is_int(utf16be_to_utf8(U16("\x20\xac"), out, sizeof out), 3, "U+20AC");
	is_str(out, "\xe2\x82\xac", "euro sign as 3 bytes");
	is_int(utf16be_to_utf8(U16("\xd8\x3d\xde\x00"), out, sizeof out), 4, "surrogate pair");
	is_str(out, "\xf0\x9f\x98\x80", "U+1F600 as 4 bytes");
	is_int(utf16be_to_utf8(U16("\xdb\xff\xdf\xff"), out, sizeof out), 4, "largest pair");
	is_str(out, "\xf4\x8f\xbf\xbf", "U+10FFFF as 4 bytes");
	is_int(utf16be_to_utf8(U16("\x00"
				   "a\xd8\x3d\xde\x00\x00z"),
			       out, sizeof out),
	       6, "pair between ASCII");
	is_str(out, "a\xf0\x9f\x98\x80z", "pair between ASCII as UTF-8");
	ok(utf8_valid(out, 6), "the output is valid UTF-8");
	is_int(utf16be_to_utf8((const unsigned char *)"", 0, out, sizeof out), 0, "empty");
	is_str(out, "", "empty as the empty string");
	is_int(utf16be_to_utf8(U16("\xff\xfd"), out, sizeof out), 3, "U+FFFD");

	is_int(utf16be_to_utf8(U16("\x04\x1f\x04"), out, sizeof out), -1, "odd length");
	is_int(utf16be_to_utf8(U16("\x04"), out, sizeof out), -1, "one byte");
	is_int(utf16be_to_utf8(U16("\xd8\x3d"), out, sizeof out), -1, "lone high surrogate at end");
	is_int(utf16be_to_utf8(U16("\xd8\x3d\x00\x41"), out, sizeof out), -1,
	       "high surrogate before ASCII");
	is_int(utf16be_to_utf8(U16("\xd8\x3d\xd8\x3d"), out, sizeof out), -1,
	       "high surrogate before high surrogate");
	is_int(utf16be_to_utf8(U16("\xde\x00"), out, sizeof out), -1, "lone low surrogate");
	is_int(utf16be_to_utf8(U16("\x00\x41\xde\x00\xd8\x3d"), out, sizeof out), -1,
	       "low before high");
	is_int(utf16be_to_utf8(U16("\xd8\x3d\xde"), out, sizeof out), -1, "pair cut short");

	const unsigned char privet[] = "\x04\x1f\x04\x40\x04\x38\x04\x32\x04\x35\x04\x42";
	is_int(utf16be_to_utf8(privet, 12, out, 12), -1,
	       "output too small: 12 bytes for 12 plus NUL");
	is_int(utf16be_to_utf8(privet, 12, out, 4), -1, "output far too small");
	is_int(utf16be_to_utf8(privet, 12, out, 0), -1, "no output at all");
	is_int(utf16be_to_utf8((const unsigned char *)"", 0, out, 1), 0, "empty into one byte");
	is_int(utf16be_to_utf8(U16("\x00\x41"), out, 1), -1, "one character into one byte");

	/* The header promises -1 only for a result that does not fit. */
	is_int(utf16be_to_utf8(privet, 12, out, 13), 12, "exactly 12 bytes plus NUL fit in 13");
	ok(utf16be_to_utf8(U16("\x00\x41"), out, 2) == 1 && strcmp(out, "A") == 0,
	   "one ASCII character fits in 2");
}

static void test_to_utf16(void)
{
	unsigned char out[64];
	is_int(utf8_to_utf16be("Hi", 2, out, sizeof out), 4, "to UTF-16BE: ASCII");
	is_mem(out, 4, "\x00H\x00i", 4, "ASCII as UTF-16BE");
	const char salam[] = "Салам";
	is_int(utf8_to_utf16be(salam, sizeof salam - 1, out, sizeof out), 10, "Салам");
	is_mem(out, 10, "\x04\x21\x04\x30\x04\x3b\x04\x30\x04\x3c", 10, "Салам as UTF-16BE");
	is_int(utf8_to_utf16be("\xe2\x82\xac", 3, out, sizeof out), 2, "U+20AC");
	is_mem(out, 2, "\x20\xac", 2, "the euro sign as one unit");
	is_int(utf8_to_utf16be("\xf0\x9f\x98\x80", 4, out, sizeof out), 4, "U+1F600");
	is_mem(out, 4, "\xd8\x3d\xde\x00", 4, "U+1F600 as a surrogate pair");
	is_int(utf8_to_utf16be("\xf4\x8f\xbf\xbf", 4, out, sizeof out), 4, "U+10FFFF");
	is_mem(out, 4, "\xdb\xff\xdf\xff", 4, "U+10FFFF as the largest pair");
	is_int(utf8_to_utf16be("a\xf0\x9f\x98\x80z", 6, out, sizeof out), 8,
	       "a pair between ASCII");
	is_mem(out, 8,
	       "\x00"
	       "a\xd8\x3d\xde\x00\x00z",
	       8, "a pair between ASCII as UTF-16BE");
	is_int(utf8_to_utf16be("", 0, out, 0), 0, "empty into nothing");
	is_int(utf8_to_utf16be("a\0b", 3, out, sizeof out), 6, "a NUL is a character");
	is_mem(out, 6,
	       "\x00"
	       "a\x00\x00\x00"
	       "b",
	       6, "the NUL as U+0000");

	/* round trip through utf16be_to_utf8 */
	const char mixed[] = "ok \xd0\x96 \xe2\x82\xac \xf0\x9f\x98\x80 end";
	long n = utf8_to_utf16be(mixed, sizeof mixed - 1, out, sizeof out);
	char back[64];
	ok(n > 0 && utf16be_to_utf8(out, (size_t)n, back, sizeof back) == (long)sizeof mixed - 1 &&
	       strcmp(back, mixed) == 0,
	   "UTF-8 to UTF-16BE and back is the same text");

	is_int(utf8_to_utf16be(salam, sizeof salam - 1, out, 10), 10, "Салам fits in exactly 10");
	is_int(utf8_to_utf16be(salam, sizeof salam - 1, out, 9), -1, "Салам in 9: -1");
	is_int(utf8_to_utf16be(salam, sizeof salam - 1, out, 0), -1, "Салам in 0: -1");
	is_int(utf8_to_utf16be("\xf0\x9f\x98\x80", 4, out, 3), -1, "a pair in 3: -1");
	is_int(utf8_to_utf16be("\xf0\x9f\x98\x80", 4, out, 2), -1,
	       "a pair in 2: -1, never half of it");
	is_int(utf8_to_utf16be("a\xf0\x9f\x98\x80", 5, out, 5), -1, "a and a pair in 5: -1");
	is_int(utf8_to_utf16be("a\xf0\x9f\x98\x80", 5, out, 6), 6, "a and a pair in 6");
}

static void test_utf8_next(void)
{
	/* one character of each length: A, Ж, €, 😀 */
	const char *text = "A\xd0\x96\xe2\x82\xac\xf0\x9f\x98\x80";
	static const uint32_t want[] = {0x41, 0x416, 0x20ac, 0x1f600};
	static const size_t ends[] = {1, 3, 6, 10};
	size_t i = 0;
	for (size_t k = 0; k < 4; k++) {
		uint32_t cp = utf8_next(text, &i);
		ok(cp == want[k] && i == ends[k], "utf8_next: U+%04X ends at byte %zu",
		   (unsigned)want[k], ends[k]);
	}
}

int main(void)
{
	test_utf8_valid();
	test_utf8_next();
	test_utf16();
	test_to_utf16();
	return tap_done();
}
