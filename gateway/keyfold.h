/*
 * keyfold — keywords as basic phones really type them. Many phones in
 * Kazakhstan, Kyrgyzstan and Tajikistan have only a Russian keyboard, so a
 * person types К for Қ, У for Ү, И for І; others have only Latin letters,
 * and Uzbeks leave out the apostrophe of TO'XTAT. Keyword matching folds
 * both sides, the flow's keyword and the person's first word, to one form:
 * capitals, each look-alike letter replaced by what a Russian or Latin
 * keyboard has in its place (a Latin I in a Cyrillic word as И),
 * apostrophes left out inside a word (TO'XTAT is TOXTAT) and written ' at
 * its end (QAT' is not QAT, a word of its own). The look-alike letters are
 * declared once, in one table in keyfold.c whose rows name the languages
 * that write each letter.
 *
 * Lifecycle: none. Pure: const tables only, no I/O, no state; safe from
 * any thread.
 */
#ifndef CHABAR_KEYFOLD_H
#define CHABAR_KEYFOLD_H

#include <stddef.h>
#include <stdint.h>

/* The longest word that can be a keyword, in bytes, folded form included
 * (NUL included). A longer word matches no keyword. */
#define KEYFOLD_MAX 64

/* Writes the folded form of len bytes of UTF-8 into out, NUL-terminated.
 * Returns its length, or -1 if the input is not well-formed UTF-8, holds
 * a NUL or a space, or does not fit. */
int keyfold(const char *word, size_t len, char out[KEYFOLD_MAX]);

/* The first word of a message as a keyword: after any leading white space
 * (a no-break space too), up to the next; a message of one word loses the
 * punctuation a phone user may put after it ("Stop." "STOP!" "СТОП…"), a
 * longer one keeps it ("Стоп, я не понял" is no STOP). Sets *word and
 * returns its length (0: none). */
size_t keyfold_first_word(const char *text, size_t len, const char **word);

/* The letter cp folds to (capital, look-alike replaced), 0 for an
 * apostrophe; for tests. */
uint32_t keyfold_letter(uint32_t cp);

#endif
