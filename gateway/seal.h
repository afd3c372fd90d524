/*
 * seal — a phone number chabar must not know until it sends to it (a
 * reporter's, tip.h), sealed with libsodium's secretbox (XSalsa20-
 * Poly1305) under the config's keys.seal, which never enters the database.
 * The number is padded to a fixed size first, so a sealed number says
 * nothing of its length. Each seal has its own random nonce, so the same
 * number sealed twice looks different. Pure apart from the random nonce.
 */
#ifndef CHABAR_SEAL_H
#define CHABAR_SEAL_H

#include <sodium.h>

#include "msisdn.h"

/* nonce, then the box of MSISDN_SIZE bytes */
#define SEAL_SIZE (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + MSISDN_SIZE)

/* Seals msisdn (normalised, msisdn.h) into out. */
void seal_number(const unsigned char key[crypto_secretbox_KEYBYTES], const char *msisdn,
		 unsigned char out[SEAL_SIZE]);

/* Opens what seal_number() made into number: 0, or -1 if it is not one
 * (another key, altered, cut). */
int seal_open(const unsigned char key[crypto_secretbox_KEYBYTES], const unsigned char *sealed,
	      size_t len, char number[MSISDN_SIZE]);

#endif
