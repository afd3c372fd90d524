/*
 * msisdn — phone numbers as chabar stores them: E.164 digits without '+'
 * (SMPP delivers "+996…", aggregators "996…" or "+996…"), or an operator's
 * alphanumeric sender name kept as it is. Pure.
 */
#ifndef CHABAR_MSISDN_H
#define CHABAR_MSISDN_H

#include <stddef.h>

/* E.164 allows 15 digits; alphanumeric sender names 11 characters. */
#define MSISDN_SIZE 16

/* Normalises text[0..len) into out: "+996 555-12 34 56" → "996555123456".
 * Returns 0, or -1 if it is neither a number nor a sender name. */
int msisdn_normalize(const char *text, size_t len, char out[MSISDN_SIZE]);

#endif
