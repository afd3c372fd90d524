/* Unit tests for gateway/secret.c: what a person types instead of a key is
 * refused, and keys made as the advice says are not (many drawn at random,
 * so a rule that refuses a real key now and then would show). */
#include <sodium.h>
#include <string.h>

#include "secret.h"
#include "tap.h"

static const char *weakness(const char *value)
{
	return secret_weakness(value, strlen(value));
}

static void test_refused(void)
{
	static const struct {
		const char *value, *why;
	} weak[] = {
	    {"short", "is shorter than 16 characters"},
	    {"change-me-to-a-long-random-secret", "looks like a placeholder"},
	    {"CHANGE-ME-same-as-chabar-key", "looks like a placeholder"},
	    {"our-secret-shared-key", "looks like a placeholder"},
	    {"00112233445566778899aabbccddeeff", "has runs of repeated or consecutive characters"},
	    {"0123456789abcdef0123", "has runs of repeated or consecutive characters"},
	    {"zyxwvutsrqponmlk", "has runs of repeated or consecutive characters"},
	    {"deadbeefdeadbeefdeadbeef", "repeats a pattern"},
	    {"aaaaaaaaaaaaaaaaaaaa", "repeats a pattern"},
	    {"abababababababab1", "has too few different characters"},
	};
	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
		const char *why = weakness(weak[i].value);
		is_str(why ? why : "(accepted)", weak[i].why, "\"%s\" refused", weak[i].value);
	}
}

/* n random bytes as hex or base64, as openssl rand -hex / -base64 makes;
 * drawn from a fixed seed, so that the test gives the same answer each run. */
static void random_key(char *out, size_t size, size_t bytes, int base64)
{
	static unsigned char seed[randombytes_SEEDBYTES] = "chabar t_secret fixed seed";
	static uint64_t draws;
	unsigned char raw[64];
	memcpy(seed + randombytes_SEEDBYTES - sizeof draws, &draws, sizeof draws);
	draws++;
	randombytes_buf_deterministic(raw, bytes, seed);
	if (base64)
		sodium_bin2base64(out, size, raw, bytes, sodium_base64_VARIANT_ORIGINAL);
	else
		sodium_bin2hex(out, size, raw, bytes);
}

static void test_random_keys_pass(void)
{
	static const struct {
		size_t bytes;
		int base64;
		const char *what;
	} kinds[] = {
	    {8, 0, "16 hex digits (the shortest)"},
	    {16, 0, "openssl rand -hex 16"},
	    {32, 0, "openssl rand -hex 32"},
	    {24, 1, "openssl rand -base64 24"},
	};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		int refused = 0;
		const char *why = NULL;
		for (int i = 0; i < 20000; i++) {
			char key[128];
			random_key(key, sizeof key, kinds[k].bytes, kinds[k].base64);
			const char *w = weakness(key);
			if (w) {
				refused++;
				why = w;
			}
		}
		/* 16 characters are the least accepted: one in 10^4 is a run */
		ok(refused <= (kinds[k].bytes == 8 ? 2 : 0), "%s: %d of 20,000 refused%s%s",
		   kinds[k].what, refused, why ? ", e.g. " : "", why ? why : "");
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_refused();
	test_random_keys_pass();
	return tap_done();
}
