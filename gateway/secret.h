/*
 * secret — is a configured secret fit to guard anything? A shared key or a
 * master key that an attacker could guess (the placeholder a sample config
 * ships, a short word, a keyboard run, a repeated pattern) is refused at
 * start-up and by `chabard -n`, so that no installation runs on one.
 *
 * Pure: no I/O.
 */
#ifndef CHABAR_SECRET_H
#define CHABAR_SECRET_H

#include <stddef.h>

/* The shortest shared secret accepted, in characters. */
#define SECRET_MIN_LENGTH 16

/* NULL if value looks like a random secret, else why not, in words that
 * end a sentence such as "[kannel] key: …" ("is the sample config's
 * placeholder", "has too few different characters"). */
const char *secret_weakness(const char *value, size_t len);

/* The advice that follows every refusal. */
#define SECRET_ADVICE "make one with: openssl rand -hex 32"

#endif
