/* msisdn — see msisdn.h. */
#include "msisdn.h"

#include <stdbool.h>

#define ALNUM_SENDER_MAX 11
#define DIGITS_MIN       3 /* short codes such as 384 */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Keeps digits, drops the separators people and gateways write. */
static int normalize_number(const char *text, size_t len, char out[MSISDN_SIZE])
{
	size_t i = 0, n = 0;
	if (i < len && text[i] == '+')
		i++;
	else if (len >= 2 && text[0] == '0' && text[1] == '0')
		i += 2; /* international prefix 00 */
	for (; i < len; i++) {
		char c = text[i];
		if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')
			continue;
		if (!is_digit(c) || n == MSISDN_SIZE - 1)
			return -1;
		out[n++] = c;
	}
	if (n < DIGITS_MIN)
		return -1;
	out[n] = '\0';
	return 0;
}

int msisdn_normalize(const char *text, size_t len, char out[MSISDN_SIZE])
{
	if (normalize_number(text, len, out) == 0)
		return 0;
	/* A sender name has a letter; digits alone are a (bad) number. */
	if (len == 0 || len > ALNUM_SENDER_MAX || !is_alnum(text[0]))
		return -1;
	bool letter = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (!is_alnum(c) && c != ' ' && c != '-' && c != '.')
			return -1;
		letter |= is_alnum(c) && !is_digit(c);
		out[i] = c;
	}
	out[len] = '\0';
	return letter ? 0 : -1;
}
