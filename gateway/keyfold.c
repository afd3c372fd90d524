/* keyfold — see keyfold.h. */
#include "keyfold.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "utf.h"

/* A letter some keyboard lacks and what people type in its place (the
 * comment names the languages that write it). One row per letter (a
 * capital: case is folded first), sorted by code point, so no letter can
 * fold two ways. */
struct lookalike {
	uint32_t letter;
	uint32_t typed; /* 0: left out */
};

static const struct lookalike lookalikes[] = {
    {0x0027, 0},      /* '  Uzbek o' g' and tutuq belgisi, typed with any */
    {0x0060, 0},      /* `  apostrophe or none: TO'XTAT, TO‘XTAT, TOXTAT */
    {0x00b4, 0},      /* ´ */
    {0x00c1, 'A'},    /* Á  Latin letters a Latin-only keyboard lacks: the */
    {0x00c4, 'A'},    /* Ä  Kazakh (2018, 2021), Uzbek and Tajik Latin */
    {0x00c7, 'C'},    /* Ç  alphabets, and Kyrgyz as chabar transliterates */
    {0x00d1, 'N'},    /* Ñ  it (ö ü) */
    {0x00d3, 'O'},    /* Ó  kk */
    {0x00d6, 'O'},    /* Ö  ky kk */
    {0x00da, 'U'},    /* Ú  kk */
    {0x00dc, 'U'},    /* Ü  ky kk */
    {0x00dd, 'Y'},    /* Ý  kk */
    {0x011e, 'G'},    /* Ğ  kk uz */
    {0x012a, 'I'},    /* Ī  tg */
    {0x0130, 'I'},    /* İ  kk (and ı, whose capital is I) */
    {0x0143, 'N'},    /* Ń  kk */
    {0x015e, 'S'},    /* Ş  kk uz */
    {0x016a, 'U'},    /* Ū  kk tg */
    {0x01f4, 'G'},    /* Ǵ  kk */
    {0x02bb, 0},      /* ʻ  uz */
    {0x02bc, 0},      /* ʼ  uz */
    {0x0401, 0x0415}, /* Ё → Е  ru tg uz_Cyrl: Cyrillic letters a Russian */
    {0x0406, 0x0418}, /* І → И  kk               keyboard lacks or hides */
    {0x040e, 0x0423}, /* Ў → У  uz_Cyrl */
    {0x0492, 0x0413}, /* Ғ → Г  kk tg uz_Cyrl */
    {0x049a, 0x041a}, /* Қ → К  kk tg uz_Cyrl */
    {0x04a2, 0x041d}, /* Ң → Н  ky kk */
    {0x04ae, 0x0423}, /* Ү → У  ky kk */
    {0x04b0, 0x0423}, /* Ұ → У  kk */
    {0x04b2, 0x0425}, /* Ҳ → Х  tg uz_Cyrl */
    {0x04b6, 0x0427}, /* Ҷ → Ч  tg */
    {0x04ba, 0x0425}, /* Һ → Х  kk */
    {0x04d8, 0x0410}, /* Ә → А  kk */
    {0x04e2, 0x0418}, /* Ӣ → И  tg */
    {0x04e8, 0x041e}, /* Ө → О  ky kk */
    {0x04ee, 0x0423}, /* Ӯ → У  tg */
    {0x2018, 0},      /* ‘  uz */
    {0x2019, 0},      /* ’  uz */
};
#define LOOKALIKE_COUNT (sizeof lookalikes / sizeof lookalikes[0])

/* The capital of a Latin or Cyrillic letter; anything else as it is. */
static uint32_t capital(uint32_t cp)
{
	if (cp >= 'a' && cp <= 'z')
		return cp - 32;
	if (cp >= 0x00e0 && cp <= 0x00fe && cp != 0x00f7) /* à … þ */
		return cp - 32;
	if (cp == 0x0131) /* ı: its capital is I, not İ */
		return 'I';
	if ((cp >= 0x0100 && cp <= 0x0137) || (cp >= 0x014a && cp <= 0x0177))
		return cp & ~1u; /* Latin Extended-A pairs, capital first */
	if (cp == 0x01f5)        /* ǵ */
		return 0x01f4;
	if ((cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017e))
		return cp % 2 ? cp : cp - 1; /* … and the pairs with capital second */
	if (cp >= 0x0430 && cp <= 0x044f)    /* а … я */
		return cp - 0x20;
	if (cp >= 0x0450 && cp <= 0x045f) /* ѐ … џ */
		return cp - 0x50;
	if ((cp >= 0x0460 && cp <= 0x0481) || (cp >= 0x048a && cp <= 0x04bf) ||
	    (cp >= 0x04d0 && cp <= 0x052f))
		return cp & ~1u; /* Cyrillic pairs, capital first */
	if (cp >= 0x04c1 && cp <= 0x04ce)
		return cp % 2 ? cp : cp - 1;
	if (cp == 0x04cf) /* ӏ */
		return 0x04c0;
	return cp;
}

static int by_letter(const void *key, const void *row)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct lookalike *)row)->letter;
	return a < b ? -1 : a > b;
}

uint32_t keyfold_letter(uint32_t cp)
{
	cp = capital(cp);
	const struct lookalike *l =
	    bsearch(&cp, lookalikes, LOOKALIKE_COUNT, sizeof lookalikes[0], by_letter);
	return l ? l->typed : cp;
}

static bool has_cyrillic(const char *word, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp = utf8_next(word, &i);
		if (cp >= 0x0400 && cp <= 0x04ff)
			return true;
	}
	return false;
}

int keyfold(const char *word, size_t len, char out[KEYFOLD_MAX])
{
	if (!utf8_valid(word, len))
		return -1;
	/* Kazakh phones without І put a Latin I in a Cyrillic word: БЕЛГI */
	bool cyrillic = has_cyrillic(word, len);
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp = utf8_next(word, &i);
		if (cp == 0 || cp == ' ')
			return -1;
		cp = cyrillic && (cp == 'I' || cp == 'i') ? 0x0418 : keyfold_letter(cp);
		if (!cp && i < len)
			continue; /* TO'XTAT is TOXTAT */
		if (!cp)
			cp = '\''; /* but QAT' (Tajik ҚАТЪ) is not QAT, a word of its own */
		char one[4];
		size_t k = utf8_put(cp, one);
		if (n + k >= KEYFOLD_MAX)
			return -1;
		memcpy(out + n, one, k);
		n += k;
	}
	out[n] = '\0';
	return (int)n;
}

/* The length of the white space at text[i] (a no-break space too), 0 if
 * there is none. */
static size_t space_at(const char *text, size_t len, size_t i)
{
	char c = text[i];
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return 1;
	return i + 1 < len && c == '\xc2' && text[i + 1] == '\xa0' ? 2 : 0;
}

/* The length of the punctuation ending text[..end), 0 if none. */
static size_t mark_before(const char *text, size_t end)
{
	static const char marks[] = ".,!?;:";
	if (end && memchr(marks, text[end - 1], sizeof marks - 1))
		return 1;
	return end >= 3 && memcmp(text + end - 3, "\xe2\x80\xa6", 3) == 0 ? 3 : 0; /* … */
}

size_t keyfold_first_word(const char *text, size_t len, const char **word)
{
	size_t start = 0, n;
	while (start < len && (n = space_at(text, len, start)))
		start += n;
	size_t end = start;
	while (end < len && !space_at(text, len, end))
		end++;
	size_t rest = end;
	while (rest < len && (n = space_at(text, len, rest)))
		rest += n;
	/* "Stop." and "STOP!" alone are STOP; "Стоп, я не понял" is a sentence */
	while (rest == len && end > start && (n = mark_before(text, end)))
		end -= n;
	*word = text + start;
	return end - start;
}
