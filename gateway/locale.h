/*
 * locale — translation catalogs: every text a person sees, by key (such as
 * "checkin.ask_pin"), in each of the seven catalogs, read at start from the
 * gettext catalogs <dir>/<lang>.po with libgettextpo, so that each session
 * can have its own language (process-wide gettext cannot do that).
 *
 * English (en.po) is the reference: every other catalog has exactly its keys,
 * and each translation uses the same set of {placeholders}. Every problem is
 * reported to a struct diag as file:line and counted; one bad catalog fails
 * the whole load. Entries marked fuzzy are loaded (a native speaker still has
 * to review them) and counted.
 *
 * Lifecycle: locales_load() → a shared, immutable set with one reference →
 * locales_text() / locales_render() … → locales_unref(). Whoever keeps the set
 * (a flow set, a session being served) takes a locales_ref(). Keys and texts
 * returned belong to the set and live as long as it does. Lookups allocate
 * nothing. Loop thread only: libgettextpo keeps global state while it reads.
 *
 * Include it as "locale.h": the build adds gateway/ with -iquote, so
 * <locale.h> is still the C library's.
 */
#ifndef CHABAR_LOCALE_H
#define CHABAR_LOCALE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* The languages, in menu order: code (the catalog's file name and Language:
 * header) and the language's own name for itself. */
#define LOCALE_LANGUAGES(X)                                                                        \
	X(ky, "Кыргызча")                                                                          \
	X(ru, "Русский")                                                                           \
	X(uz, "O'zbekcha")                                                                         \
	X(kk, "Қазақша")                                                                           \
	X(tg, "Тоҷикӣ")                                                                            \
	X(en, "English")                                                                           \
	X(uz_Cyrl, "Ўзбекча")

/* Uzbek comes twice: in the Latin alphabet (uz, the official one) and in
 * Cyrillic (uz_Cyrl), which many Uzbek speakers in southern Kyrgyzstan and
 * Tajikistan read and type. It is last so the menu numbers of the others
 * stay what people learnt. */

/* The catalog every other one is checked against. */
#define LOCALE_REFERENCE "en"

/* Every placeholder a text may hold, with its worst-case value: the longest
 * it can be in practice. The linter renders each text with these to prove it
 * fits a USSD page and its SMS budget in every language. */
#define LOCALE_PLACEHOLDERS(X)                                                                     \
	X(tries, "3")                                                                              \
	X(minutes, "120")                                                                          \
	X(time, "23:59")                                                                           \
	X(date, "31.12.2026")                                                                      \
	X(place, "Октябрьский районный отдел пробации, каб.12")                                    \
	X(next_appointment, "31.12.2026 23:59")                                                    \
	X(receipt, "XXXX-XXXX")                                                                    \
	X(ref, "XXXX-XXXX")                                                                        \
	X(window, "31.12.2026 23:59-23:59")                                                        \
	X(last_checkin, "31.12.2026 23:59")                                                        \
	X(name, "Жылдызкан Абдыкадырова")                                                          \
	X(districts, "1 Октябрьский\n2 Первомайски\n3 Свердловский")                               \
	X(category, "Нужна помощь вернувшемуся")                                                   \
	X(district, "Октябрьский район, с. Кара-Суу, ул. Ленина")                                  \
	X(text, "Описание")                                                                        \
	X(phone, "996555123456")                                                                   \
	X(limit, "1000")                                                                           \
	X(max, "4000")                                                                             \
	X(service, "Центр документов\n0312 621122, пн-пт 9-18\nул. Ленина, 5")

/* A text's own SMS budget: a line "budget: N" among its extracted comments
 * in the reference catalog ("#. budget: 1" above global.help in en.po), N
 * parts at most, 1 <= N <= LOCALES_BUDGET_MAX. The linter holds the text to
 * it and to the flow's budget, whichever is stricter, in every language. */
#define LOCALES_BUDGET_MAX 10

/* A catalog larger than this is refused. */
#define LOCALES_FILE_MAX (256 * 1024)

/* locales_render(): a placeholder had no value; out still holds the whole
 * text, with an empty string in its place. A programming error. */
#define LOCALES_MISSING_VAR (-2)

struct locales;

struct locale_var {
	const char *name;  /* a placeholder name, without braces */
	const char *value; /* UTF-8 */
};

/* Reads and checks <dir>/<lang>.po for every language. NULL (with every
 * problem in d) if a catalog is missing, cannot be parsed, has an empty or
 * malformed text, a key en.po does not have or lacks one it has, an unknown
 * placeholder, unbalanced braces, or placeholders other than en.po's. */
struct locales *locales_load(const char *dir, struct diag *d);

/* Checks one catalog on its own: PO syntax, header, keys, texts, braces and
 * placeholder names (no comparison with en.po). 0, or -1 with the problems in
 * d. What locales_load() does for each file; the fuzz target's entry. */
int locales_check_catalog(const char *path, struct diag *d);

struct locales *locales_ref(struct locales *l);
void locales_unref(struct locales *l); /* NULL is fine */

/* How many entries (all catalogs together) are still marked fuzzy. */
size_t locales_fuzzy_count(const struct locales *l);
/* The SMS parts key's text may take by its own budget (LOCALES_BUDGET_MAX);
 * 0 if it has none or is unknown. */
unsigned locales_budget(const struct locales *l, const char *key);
/* Whether the text of key in lang is marked fuzzy (false if unknown). */
bool locales_is_fuzzy(const struct locales *l, const char *lang, const char *key);

/* The raw text of key in lang, placeholders included; NULL if the language or
 * the key is unknown. */
const char *locales_text(const struct locales *l, const char *lang, const char *key);
bool locales_has_language(const struct locales *l, const char *lang);

/* The keys, sorted (the same in every language): i < locales_key_count(). */
size_t locales_key_count(const struct locales *l);
const char *locales_key(const struct locales *l, size_t i); /* NULL past the end */

/* The fixed language table: codes in menu order, and each one's own name. */
size_t locales_language_count(void);
const char *locales_language_code(size_t i);         /* NULL past the end */
const char *locales_language_name(const char *lang); /* NULL if unknown */
/* The code of the language len bytes of name spell, in any case ("RU",
 * "uz_cyrl"); NULL if none. */
const char *locales_language_find(const char *name, size_t len);

/* Appends the text of key in lang to out with each {name} replaced by the
 * value of the var of that name (vars: n of them). 0; -1 if the language or
 * key is unknown or out overflowed; LOCALES_MISSING_VAR if a placeholder had
 * no var (then it rendered as an empty string). */
int locales_render(const struct locales *l, const char *lang, const char *key,
		   const struct locale_var *vars, size_t n, struct buf *out);
/* The same with the worst-case values of LOCALE_PLACEHOLDERS (for the linter). */
int locales_render_worst(const struct locales *l, const char *lang, const char *key,
			 struct buf *out);

#endif
