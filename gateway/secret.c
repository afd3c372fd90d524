/* secret — see secret.h. The tests are cheap and conservative: a random
 * key passes them but for small odds (about one in 20,000 at the shortest
 * accepted, 16 hex digits, where two thirds of the neighbours can happen
 * to be equal or adjacent; none in 20,000 at 32 or more, see t_secret),
 * while the patterns a person types instead of generating a key fail at
 * least one. */
#include "secret.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Words that mark a value someone has yet to replace. */
static const char *const placeholder_words[] = {
    "change-me",   "changeme", "change_me", "replace", "example",
    "placeholder", "secret",   "password",  "your-",
};

static bool contains_word(const char *value, size_t len, const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(value + i, word, n) == 0)
			return true;
	return false;
}

static size_t distinct_bytes(const unsigned char *s, size_t len)
{
	bool seen[256] = {false};
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		if (!seen[s[i]]) {
			seen[s[i]] = true;
			count++;
		}
	return count;
}

/* How many neighbours repeat a character or step to the next or previous
 * one: "00112233…", "abcdef…", "987654…", "aaaa…". */
static size_t lazy_steps(const unsigned char *s, size_t len)
{
	size_t count = 0;
	for (size_t i = 1; i < len; i++) {
		int step = (int)s[i] - (int)s[i - 1];
		if (step >= -1 && step <= 1)
			count++;
	}
	return count;
}

/* True if the value is a shorter pattern written again and again
 * ("deadbeefdeadbeef", "abcabcabc"). */
static bool repeats_pattern(const char *s, size_t len)
{
	for (size_t period = 1; period <= len / 2; period++)
		if (memcmp(s, s + period, len - period) == 0)
			return true;
	return false;
}

const char *secret_weakness(const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value;
	if (len < SECRET_MIN_LENGTH)
		return "is shorter than 16 characters";
	for (size_t i = 0; i < sizeof placeholder_words / sizeof placeholder_words[0]; i++)
		if (contains_word(value, len, placeholder_words[i]))
			return "looks like a placeholder";
	if (repeats_pattern(value, len))
		return "repeats a pattern";
	size_t least_distinct = len / 4 < 8 ? len / 4 : 8;
	if (distinct_bytes(s, len) < least_distinct)
		return "has too few different characters";
	if (lazy_steps(s, len) * 3 > (len - 1) * 2)
		return "has runs of repeated or consecutive characters";
	return NULL;
}
