/* seal — see seal.h. */
#include "seal.h"

#include <string.h>

void seal_number(const unsigned char key[crypto_secretbox_KEYBYTES], const char *msisdn,
		 unsigned char out[SEAL_SIZE])
{
	unsigned char padded[MSISDN_SIZE] = {0};
	size_t len = strnlen(msisdn, MSISDN_SIZE - 1);
	memcpy(padded, msisdn, len);
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, padded, sizeof padded, out, key);
	sodium_memzero(padded, sizeof padded);
}

int seal_open(const unsigned char key[crypto_secretbox_KEYBYTES], const unsigned char *sealed,
	      size_t len, char number[MSISDN_SIZE])
{
	if (!sealed || len != SEAL_SIZE ||
	    crypto_secretbox_open_easy((unsigned char *)number,
				       sealed + crypto_secretbox_NONCEBYTES,
				       len - crypto_secretbox_NONCEBYTES, sealed, key) != 0)
		return -1;
	if (number[MSISDN_SIZE - 1] != '\0') {
		sodium_memzero(number, MSISDN_SIZE);
		return -1;
	}
	return 0;
}
