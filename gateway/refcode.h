/*
 * refcode — codes people read aloud and type on a keypad: two groups of
 * an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B),
 * drawn at random so that they are neither sequential nor guessable.
 * Check-in receipts (ledger.h) are two groups of 4 ("K7MR-4TXA"), tip
 * references (tip.h) two groups of 3 ("K7M-4TX"). A code is read as
 * people type it: any case, a space or dash between groups or none, and
 * the Cyrillic letters a Russian keyboard has in place of A E K M H P C T
 * Y X. Pure.
 */
#ifndef CHABAR_REFCODE_H
#define CHABAR_REFCODE_H

#include <stdbool.h>
#include <stddef.h>

#define REFCODE_RECEIPT 4 /* check-in receipts (ledger.h): "K7MR-4TXA" */
#define REFCODE_TIP     3 /* tip references (tip.h), mixed: "K7M-4TX" */

/* Characters of a code of two groups of group characters, with its dash
 * and NUL. */
#define REFCODE_SIZE(group) (2 * (group) + 2)

/* A new code of two groups of group (1..8) characters into out
 * (REFCODE_SIZE(group) bytes); with mixed, at least one digit and one
 * letter, so that no word is ever a code. */
void refcode_draw(int group, bool mixed, char *out);

/* The code of two groups of group characters at the start of text
 * (leading spaces skipped), in its written form into out; what follows it
 * must not continue a word, and with mixed it must have a digit and a
 * letter. The bytes of text it took (0: no code). */
size_t refcode_read(const char *text, size_t len, int group, bool mixed, char *out);

#endif
