/* refcode — see refcode.h. */
#include "refcode.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Digits and capitals that no other one is mistaken for, on a screen or
 * said aloud: 22 of them (8 drawn: about 2^35 codes; 6: about 2^27). */
static const char alphabet[] = "3479ACDEFHJKMNPRTUVWXY";

#define GROUP_MAX 8

static bool has_digit_and_letter(const char *code, size_t n)
{
	bool digit = false, letter = false;
	for (size_t i = 0; i < n; i++) {
		digit |= isdigit((unsigned char)code[i]) != 0;
		letter |= isalpha((unsigned char)code[i]) != 0;
	}
	return digit && letter;
}

void refcode_draw(int group, bool mixed, char *out)
{
	char code[2 * GROUP_MAX];
	size_t n = 2 * (size_t)group;
	do {
		for (size_t i = 0; i < n; i++)
			code[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	} while (mixed && !has_digit_and_letter(code, n));
	snprintf(out, REFCODE_SIZE(group), "%.*s-%.*s", group, code, group, code + group);
}

/* The Latin capital a Cyrillic letter typed on a Russian keyboard stands
 * for (UTF-8 at c, 2 bytes), or 0: А В Е К М Н О Р С Т У Х, either case. */
static char cyrillic_lookalike(const unsigned char *c, size_t left)
{
	static const struct {
		unsigned cp;
		char latin;
	} map[] = {{0x410, 'A'}, {0x412, 'B'}, {0x415, 'E'}, {0x41a, 'K'},
		   {0x41c, 'M'}, {0x41d, 'H'}, {0x41e, 'O'}, {0x420, 'P'},
		   {0x421, 'C'}, {0x422, 'T'}, {0x423, 'Y'}, {0x425, 'X'}};
	if (left < 2 || (c[0] & 0xe0) != 0xc0 || (c[1] & 0xc0) != 0x80)
		return 0;
	unsigned cp = (unsigned)(c[0] & 0x1f) << 6 | (c[1] & 0x3f);
	if (cp >= 0x430 && cp <= 0x44f)
		cp -= 0x20; /* small to capital */
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].cp == cp)
			return map[i].latin;
	return 0;
}

/* The code character at text[*i] (advancing *i past it), or 0. */
static char code_char(const char *text, size_t len, size_t *i)
{
	const unsigned char *c = (const unsigned char *)text + *i;
	char up = (char)toupper(*c);
	size_t used = 1;
	if (*c >= 0x80) { /* typed on a Russian keyboard */
		up = cyrillic_lookalike(c, len - *i);
		used = 2;
	}
	if (!up || !strchr(alphabet, up))
		return 0;
	*i += used;
	return up;
}

size_t refcode_read(const char *text, size_t len, int group, bool mixed, char *out)
{
	char code[2 * GROUP_MAX];
	size_t i = 0, n = 0, want = 2 * (size_t)group;
	while (i < len && text[i] == ' ')
		i++;
	while (n < want) {
		if (i < len && n == (size_t)group && (text[i] == ' ' || text[i] == '-'))
			i++; /* between the groups */
		char c = i < len ? code_char(text, len, &i) : 0;
		if (!c)
			return 0;
		code[n++] = c;
	}
	/* "K7M-4TXA…" is no code: a word goes on */
	unsigned char next = i < len ? (unsigned char)text[i] : ' ';
	if (next >= 0x80 || isalnum(next) || (mixed && !has_digit_and_letter(code, want)))
		return 0;
	snprintf(out, REFCODE_SIZE(group), "%.*s-%.*s", group, code, group, code + group);
	return i;
}
