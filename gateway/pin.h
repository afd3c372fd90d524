/*
 * pin — PINs at rest: a keyed BLAKE2b (libsodium) of the number and the
 * PIN under a server-side key, never the PIN itself. A 4-digit PIN has only
 * 10,000 values, so the key, kept out of the database, is what protects
 * them; the number in the hash keeps equal PINs from looking equal.
 * Stateless; needs sodium_init().
 */
#ifndef CHABAR_PIN_H
#define CHABAR_PIN_H

#include <stdbool.h>

#include "cfg.h"

/* Hex of the hash: 64 characters and a NUL. */
#define PIN_HASH_SIZE 65

void pin_hash(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
	      char out[PIN_HASH_SIZE]);
/* Constant-time comparison with a stored hash. */
bool pin_matches(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
		 const char *stored);

#endif
