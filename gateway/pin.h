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

/* The policy against guessing and against abuse. Wrong PINs in a row lock
 * check-in (attempts of them); so do daily_max wrong PINs within a day,
 * however they alternate with right ones (a right PIN clears the run, not
 * the day), and that lock lasts until the day is over. Each lock lasts
 * twice the one before (from lock_minutes, at most a day) until a day
 * passes without one. */
struct pin_policy {
	unsigned attempts, daily_max, lock_minutes;
};

/* A person's PIN state, as kept with the person. */
struct pin_state {
	int failures;         /* wrong in a row */
	int day_failures;     /* wrong since day_start */
	int64_t day_start;    /* when the day of day_failures began */
	int locks;            /* locks without a day free of them */
	int64_t locked_until; /* 0: not locked */
};

/* A wrong PIN at now: true if it locks (then s->locked_until is set). */
bool pin_wrong(const struct pin_policy *p, struct pin_state *s, int64_t now);

/* A right PIN at now. */
void pin_right(struct pin_state *s, int64_t now);

#endif
