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
