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
/* Digits in a PIN (the flows ask for \d{4}). */
#define PIN_DIGITS 4

void pin_hash(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
	      char out[PIN_HASH_SIZE]);
/* Constant-time comparison with a stored hash. */
bool pin_matches(const unsigned char key[CFG_PIN_KEY_SIZE], const char *msisdn, const char *pin,
		 const char *stored);

/* Replaces with '*' every run of exactly PIN_DIGITS ASCII digits in text
 * (len bytes, changed in place): what could be a PIN in a message sent in a
 * check-in ("CHECKIN 4711", "my pin is 4711"). Returns how many runs. */
size_t pin_mask(char *text, size_t len);

#endif
