/*
 * translit — Cyrillic to Latin for one person's language, so that a reply
 * goes as GSM-7 instead of UCS-2: 160 instead of 70 characters an SMS part
 * and 182 instead of 80 a USSD page, which roughly halves what a person
 * pays for. Each language's rules are the tables in translit.c.
 *
 * Lifecycle: none; the caller owns out (buf.h). Pure: const tables only, no
 * I/O, no state; safe from any thread.
 */
#ifndef CHABAR_TRANSLIT_H
#define CHABAR_TRANSLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends the transliteration of len bytes of UTF-8 to out. lang is "ky",
 * "kk", "tg", "ru", "uz", "uz_Cyrl" or "en"; NULL or another code gets the Russian
 * rules. Characters already in GSM-7 pass through unchanged, so Latin text
 * (Uzbek, English) stays as it is; other characters become a close stand-in
 * (« » → ", ʻ ’ → ', … → ...), or '?'. The appended text always measures as
 * GSM-7 (gsm_measure) and is at most 2 * len bytes.
 *
 * Returns 0, or -1 if the input is not well-formed UTF-8 (out untouched) or
 * out passed its maximum (out is then marked overflowed and keeps a prefix). */
int translit_to_latin(const char *lang, const char *utf8, size_t len, struct buf *out);

/* For a person who asked for Latin letters (latin), text becomes its
 * Latin form (at most max bytes); unchanged if not asked or it cannot be. */
void translit_if_asked(bool latin, const char *lang, struct buf *text, size_t max);

#endif
