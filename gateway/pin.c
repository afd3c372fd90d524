/* pin — see pin.h. */
#include "pin.h"

#include <sodium.h>
#include <string.h>

static void digest(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
		   unsigned char out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, CFG_PIN_KEY_SIZE, 32);
	/* the NUL after the number separates it from the PIN unambiguously */
	crypto_generichash_update(&st, (const unsigned char *)msisdn, strlen(msisdn) + 1);
	crypto_generichash_update(&st, (const unsigned char *)pin, strlen(pin));
	crypto_generichash_final(&st, out, 32);
}

void pin_hash(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
	      char out[PIN_HASH_SIZE])
{
	unsigned char h[32];
	digest(key, msisdn, pin, h);
	sodium_bin2hex(out, PIN_HASH_SIZE, h, sizeof h);
	sodium_memzero(h, sizeof h);
}

bool pin_matches(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
		 const char *stored)
{
	unsigned char want[32], got[32];
	size_t len;
	if (sodium_hex2bin(want, sizeof want, stored, strlen(stored), NULL, &len, NULL) != 0 ||
	    len != sizeof want)
		return false;
	digest(key, msisdn, pin, got);
	bool same = sodium_memcmp(want, got, sizeof got) == 0;
	sodium_memzero(got, sizeof got);
	return same;
}

size_t pin_mask(char *text, size_t len)
{
	size_t runs = 0;
	for (size_t i = 0; i < len;) {
		size_t start = i;
		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
		if (i - start == PIN_DIGITS) {
			memset(text + start, '*', PIN_DIGITS);
			runs++;
		}
		if (i == start)
			i++;
	}
	return runs;
}

#define PIN_DAY      86400
#define PIN_LOCK_MAX 1440 /* minutes: a lock lasts a day at most */

bool pin_wrong(const struct pin_policy *p, struct pin_state *s, int64_t now)
{
	if (now - s->day_start >= PIN_DAY) { /* a new day of failures */
		s->day_failures = 0;
		s->day_start = now;
	}
	s->failures++;
	s->day_failures++;
	bool run = (unsigned)s->failures >= p->attempts;
	bool day = (unsigned)s->day_failures >= p->daily_max;
	if (!run && !day)
		return false;
	/* a day without a lock starts the doubling again */
	s->locks = s->locked_until && now - s->locked_until >= PIN_DAY ? 1 : s->locks + 1;
	int64_t minutes = p->lock_minutes;
	for (int i = 1; i < s->locks && minutes < PIN_LOCK_MAX; i++)
		minutes *= 2;
	if (minutes > PIN_LOCK_MAX)
		minutes = PIN_LOCK_MAX;
	s->locked_until = now + minutes * 60;
	if (day && s->locked_until < s->day_start + PIN_DAY)
		s->locked_until = s->day_start + PIN_DAY;
	s->failures = 0;
	return true;
}

void pin_right(struct pin_state *s, int64_t now)
{
	s->failures = 0;
	if (s->locked_until && now - s->locked_until >= PIN_DAY)
		s->locks = 0;
}
