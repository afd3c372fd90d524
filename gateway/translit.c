/* translit — see translit.h. */
#include "translit.h"

#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "gsm.h"
#include "utf.h"

/* A Cyrillic letter: its capital and small code points and their Latin. A
 * capital gets the capitalised form (Ж → Zh, Щ → Shch), or all capitals
 * inside a word in capitals (ЖАҢЫ → JANGY; see latin_for).
 * Every Latin string here is GSM-7 and at most twice the letter's 2 bytes. */
struct letter {
	uint16_t upper, lower;
	const char *up, *lo;
};

/*
 * Russian, and the base of every language: the common passport-style scheme
 * (Russian passports before 2013, close to BGN/PCGN), without diacritics.
 * е is always e (no "ye" after a vowel), й is y, ъ and ь are dropped.
 */
static const struct letter russian[] = {
    {0x0410, 0x0430, "A", "a"},       /* А а */
    {0x0411, 0x0431, "B", "b"},       /* Б б */
    {0x0412, 0x0432, "V", "v"},       /* В в */
    {0x0413, 0x0433, "G", "g"},       /* Г г */
    {0x0414, 0x0434, "D", "d"},       /* Д д */
    {0x0415, 0x0435, "E", "e"},       /* Е е */
    {0x0401, 0x0451, "Yo", "yo"},     /* Ё ё */
    {0x0416, 0x0436, "Zh", "zh"},     /* Ж ж */
    {0x0417, 0x0437, "Z", "z"},       /* З з */
    {0x0418, 0x0438, "I", "i"},       /* И и */
    {0x0419, 0x0439, "Y", "y"},       /* Й й */
    {0x041a, 0x043a, "K", "k"},       /* К к */
    {0x041b, 0x043b, "L", "l"},       /* Л л */
    {0x041c, 0x043c, "M", "m"},       /* М м */
    {0x041d, 0x043d, "N", "n"},       /* Н н */
    {0x041e, 0x043e, "O", "o"},       /* О о */
    {0x041f, 0x043f, "P", "p"},       /* П п */
    {0x0420, 0x0440, "R", "r"},       /* Р р */
    {0x0421, 0x0441, "S", "s"},       /* С с */
    {0x0422, 0x0442, "T", "t"},       /* Т т */
    {0x0423, 0x0443, "U", "u"},       /* У у */
    {0x0424, 0x0444, "F", "f"},       /* Ф ф */
    {0x0425, 0x0445, "Kh", "kh"},     /* Х х */
    {0x0426, 0x0446, "Ts", "ts"},     /* Ц ц */
    {0x0427, 0x0447, "Ch", "ch"},     /* Ч ч */
    {0x0428, 0x0448, "Sh", "sh"},     /* Ш ш */
    {0x0429, 0x0449, "Shch", "shch"}, /* Щ щ */
    {0x042a, 0x044a, "", ""},         /* Ъ ъ: dropped */
    {0x042b, 0x044b, "Y", "y"},       /* Ы ы */
    {0x042c, 0x044c, "", ""},         /* Ь ь: dropped */
    {0x042d, 0x044d, "E", "e"},       /* Э э */
    {0x042e, 0x044e, "Yu", "yu"},     /* Ю ю */
    {0x042f, 0x044f, "Ya", "ya"},     /* Я я */
};

/*
 * Kyrgyz: Russian, and
 * - ж is j, as Kyrgyz names are written in Latin (Jalal-Abad, Jogorku
 *   Kengesh): Kyrgyz ж is [dʒ], and Kyrgyz has no other j to confuse it with;
 * - ң is ng;
 * - ө and ү are ö and ü. Both are in the GSM-7 default alphabet (one septet,
 *   on every phone), read as in Turkish, and keep үй "house" apart from уй
 *   "cow", which plain o and u would merge. ("oe"/"ue" would cost a septet
 *   more each and read worse.)
 */
static const struct letter kyrgyz[] = {
    {0x0416, 0x0436, "J", "j"},   /* Ж ж */
    {0x04a2, 0x04a3, "Ng", "ng"}, /* Ң ң */
    {0x04e8, 0x04e9, "Ö", "ö"},   /* Ө ө */
    {0x04ae, 0x04af, "Ü", "ü"},   /* Ү ү */
};

/*
 * Kazakh: Russian (ж stays zh, as in Zhambyl), and the Kazakh letters
 * without diacritics: қ is q as in the Latin alphabets of 2017-2021
 * (Qazaqstan), ң is ng, ә ө ұ ү lose their marks (ә → a, ө → o, ұ ү → u),
 * ғ is g, һ is h, і is i.
 */
static const struct letter kazakh[] = {
    {0x04d8, 0x04d9, "A", "a"},   /* Ә ә */
    {0x0492, 0x0493, "G", "g"},   /* Ғ ғ */
    {0x049a, 0x049b, "Q", "q"},   /* Қ қ */
    {0x04a2, 0x04a3, "Ng", "ng"}, /* Ң ң */
    {0x04e8, 0x04e9, "O", "o"},   /* Ө ө */
    {0x04b0, 0x04b1, "U", "u"},   /* Ұ ұ */
    {0x04ae, 0x04af, "U", "u"},   /* Ү ү */
    {0x04ba, 0x04bb, "H", "h"},   /* Һ һ */
    {0x0406, 0x0456, "I", "i"},   /* І і */
};

/*
 * Tajik: Russian (ж stays zh, since ҷ is j), and the Tajik letters as in
 * the usual Tajik Latin spelling (Jumhurii Tojikiston): ғ gh, ӣ i, қ q,
 * ӯ u, ҳ h, ҷ j. ъ is the glottal stop in Tajik (маъно "meaning"), so it
 * is kept as an apostrophe: ma'no.
 */
static const struct letter tajik[] = {
    {0x0492, 0x0493, "Gh", "gh"}, /* Ғ ғ */
    {0x04e2, 0x04e3, "I", "i"},   /* Ӣ ӣ */
    {0x049a, 0x049b, "Q", "q"},   /* Қ қ */
    {0x04ee, 0x04ef, "U", "u"},   /* Ӯ ӯ */
    {0x04b2, 0x04b3, "H", "h"},   /* Ҳ ҳ */
    {0x04b6, 0x04b7, "J", "j"},   /* Ҷ ҷ */
    {0x042a, 0x044a, "'", "'"},   /* Ъ ъ */
};

/*
 * Uzbek: text in the Latin alphabet passes through; the apostrophe letters
 * ʻ ʼ ‘ ’ (not GSM-7) become ' like every other language's (see stand_ins).
 * Uzbek Cyrillic gets the official Latin alphabet (1995), with ' for ʻ:
 * ў o', ғ g', қ q, ҳ h, х x, ж j, ъ '; the rest as in Russian (ц ts, ч ch,
 * ш sh, ё yo, ю yu, я ya; е is always e).
 */
static const struct letter uzbek[] = {
    {0x040e, 0x045e, "O'", "o'"}, /* Ў ў */
    {0x0492, 0x0493, "G'", "g'"}, /* Ғ ғ */
    {0x049a, 0x049b, "Q", "q"},   /* Қ қ */
    {0x04b2, 0x04b3, "H", "h"},   /* Ҳ ҳ */
    {0x0425, 0x0445, "X", "x"},   /* Х х */
    {0x0416, 0x0436, "J", "j"},   /* Ж ж */
    {0x042a, 0x044a, "'", "'"},   /* Ъ ъ */
};

/*
 * Any language, after its own letters and Russian: the other languages'
 * letters without marks, and Ukrainian and Belarusian ones, so that a word
 * from a neighbour's alphabet still reads rather than turning into '?'.
 */
static const struct letter other_cyrillic[] = {
    {0x04d8, 0x04d9, "A", "a"},   /* Ә ә */
    {0x0492, 0x0493, "G", "g"},   /* Ғ ғ */
    {0x049a, 0x049b, "Q", "q"},   /* Қ қ */
    {0x04a2, 0x04a3, "Ng", "ng"}, /* Ң ң */
    {0x04e8, 0x04e9, "O", "o"},   /* Ө ө */
    {0x04b0, 0x04b1, "U", "u"},   /* Ұ ұ */
    {0x04ae, 0x04af, "U", "u"},   /* Ү ү */
    {0x04ba, 0x04bb, "H", "h"},   /* Һ һ */
    {0x0406, 0x0456, "I", "i"},   /* І і */
    {0x04e2, 0x04e3, "I", "i"},   /* Ӣ ӣ */
    {0x04ee, 0x04ef, "U", "u"},   /* Ӯ ӯ */
    {0x04b2, 0x04b3, "H", "h"},   /* Ҳ ҳ */
    {0x04b6, 0x04b7, "J", "j"},   /* Ҷ ҷ */
    {0x040e, 0x045e, "U", "u"},   /* Ў ў */
    {0x0407, 0x0457, "Yi", "yi"}, /* Ї ї */
    {0x0404, 0x0454, "Ye", "ye"}, /* Є є */
    {0x0490, 0x0491, "G", "g"},   /* Ґ ґ */
};

struct scheme {
	const char *lang;
	const struct letter *letters;
	size_t count;
};

#define SCHEME(lang, table)                                                                        \
	{                                                                                          \
		lang, table, sizeof table / sizeof table[0]                                        \
	}

/* Russian rules for "ru", "en" and any language not listed. */
static const struct scheme schemes[] = {
    SCHEME("ky", kyrgyz), SCHEME("kk", kazakh),     SCHEME("tg", tajik),
    SCHEME("uz", uzbek),  SCHEME("uz_Cyrl", uzbek),
};

/* Stand-ins for characters that are neither GSM-7 nor Cyrillic, sorted by
 * code point. Each string is GSM-7 and at most twice the character's UTF-8
 * length. */
struct stand_in {
	uint32_t cp;
	const char *s;
};

static const struct stand_in stand_ins[] = {
    {0x0009, " "},   /* tab */
    {0x0060, "'"},   /* ` */
    {0x00a0, " "},   /* no-break space */
    {0x00a2, "c"},   /* ¢ */
    {0x00a9, "(c)"}, /* © */
    {0x00ab, "\""},  /* « */
    {0x00ad, ""},    /* soft hyphen */
    {0x00ae, "(R)"}, /* ® */
    {0x00b0, ""},    /* °: +5°C reads as +5C */
    {0x00b1, "+-"},  /* ± */
    {0x00b2, "2"},   /* ² */
    {0x00b3, "3"},   /* ³ */
    {0x00b4, "'"},   /* ´ */
    {0x00b7, "."},   /* · */
    {0x00b9, "1"},   /* ¹ */
    {0x00bb, "\""},  /* » */
    {0x00bc, "1/4"}, /* ¼ */
    {0x00bd, "1/2"}, /* ½ */
    {0x00be, "3/4"}, /* ¾ */
    {0x0132, "IJ"},  /* Ĳ */
    {0x0133, "ij"},  /* ĳ */
    {0x0149, "'n"},  /* ŉ */
    {0x0152, "OE"},  /* Œ */
    {0x0153, "oe"},  /* œ */
    {0x02b9, "'"},   /* ʹ modifier prime */
    {0x02bb, "'"},   /* ʻ Uzbek o' g' */
    {0x02bc, "'"},   /* ʼ Uzbek ъ */
    {0x02bd, "'"},   /* ʽ */
    {0x2010, "-"},   /* ‐ hyphen */
    {0x2011, "-"},   /* ‑ non-breaking hyphen */
    {0x2012, "-"},   /* ‒ figure dash */
    {0x2013, "-"},   /* – */
    {0x2014, "-"},   /* — */
    {0x2015, "-"},   /* ― */
    {0x2018, "'"},   /* ‘ */
    {0x2019, "'"},   /* ’ */
    {0x201a, "'"},   /* ‚ */
    {0x201b, "'"},   /* ‛ */
    {0x201c, "\""},  /* “ */
    {0x201d, "\""},  /* ” */
    {0x201e, "\""},  /* „ */
    {0x201f, "\""},  /* ‟ */
    {0x2022, "*"},   /* • */
    {0x2026, "..."}, /* … */
    {0x2028, "\n"},  /* line separator */
    {0x2029, "\n"},  /* paragraph separator */
    {0x202f, " "},   /* narrow no-break space */
    {0x2032, "'"},   /* ′ */
    {0x2033, "\""},  /* ″ */
    {0x2039, "'"},   /* ‹ */
    {0x203a, "'"},   /* › */
    {0x2043, "-"},   /* ⁃ */
    {0x2044, "/"},   /* ⁄ */
    {0x205f, " "},   /* medium mathematical space */
    {0x2060, ""},    /* word joiner */
    {0x20b8, "KZT"}, /* ₸ tenge */
    {0x20bd, "RUB"}, /* ₽ rouble */
    {0x20c0, "KGS"}, /* ⃀ som */
    {0x2116, "No"},  /* № */
    {0x2122, "TM"},  /* ™ */
    {0x2212, "-"},   /* − minus */
    {0x2264, "<="},  /* ≤ */
    {0x2265, ">="},  /* ≥ */
    {0xfe0e, ""},    /* text variation selector */
    {0xfe0f, ""},    /* emoji variation selector: the emoji before it is '?' */
    {0xfeff, ""},    /* zero-width no-break space, byte order mark */
};

/* Latin-1 letters U+00C0-U+00FF without their marks, for those GSM-7 lacks
 * (the GSM-7 ones, such as é or Ö, pass through before this is read). */
static const char latin1_letters[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTs"  /* À-ß */
				     "aaaaaaaceeeeiiiidnooooo/ouuuuyty"; /* à-ÿ */

/* Latin Extended-A U+0100-U+017F without marks (Kazakh Latin ğ ş ū ı,
 * Turkish, Central European); the ligatures are stand_ins. */
static const char latin_ext_a_letters[] = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGg" /* Ā-ģ */
					  "HhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNn"  /* Ĥ-ņ */
					  "NnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTt"    /* Ň-ŧ */
					  "UuUuUuUuUuUuWwYyYZzZzZzs";            /* Ũ-ſ */

_Static_assert(sizeof latin1_letters == 0x40 + 1, "one letter for each of U+00C0-U+00FF");
_Static_assert(sizeof latin_ext_a_letters == 0x80 + 1, "one letter for each of U+0100-U+017F");

static const struct letter *find_letter(const struct letter *t, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].upper == cp || t[i].lower == cp)
			return &t[i];
	return NULL;
}

static const struct stand_in *find_stand_in(uint32_t cp)
{
	size_t lo = 0, hi = sizeof stand_ins / sizeof stand_ins[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (stand_ins[mid].cp == cp)
			return &stand_ins[mid];
		if (stand_ins[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The table entry of a Cyrillic letter under scheme (NULL: Russian). */
static const struct letter *letter_for(const struct scheme *scheme, uint32_t cp)
{
	const struct letter *l = NULL;
	if (scheme)
		l = find_letter(scheme->letters, scheme->count, cp);
	if (!l)
		l = find_letter(russian, sizeof russian / sizeof russian[0], cp);
	if (!l)
		l = find_letter(other_cyrillic, sizeof other_cyrillic / sizeof other_cyrillic[0],
				cp);
	return l;
}

/* 1 for a capital letter, -1 for a small one, 0 for anything else. */
static int letter_case(const struct scheme *scheme, uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return 1;
	if (cp >= 'a' && cp <= 'z')
		return -1;
	const struct letter *l = letter_for(scheme, cp);
	return !l ? 0 : cp == l->upper ? 1 : -1;
}

/* The Latin for cp, which is not GSM-7, under scheme (NULL: Russian). In a
 * word in capitals (shout), a capital's Latin is all capitals: ЩИТ is SHCHIT,
 * not ShchIT. */
static const char *latin_for(const struct scheme *scheme, uint32_t cp, bool shout, char one[8])
{
	const struct letter *l = letter_for(scheme, cp);
	if (l && cp == l->upper && shout) {
		size_t n = strlen(l->up);
		for (size_t k = 0; k <= n && k < 7; k++)
			one[k] =
			    l->up[k] >= 'a' && l->up[k] <= 'z' ? (char)(l->up[k] - 32) : l->up[k];
		one[7] = '\0';
		return one;
	}
	if (l)
		return cp == l->upper ? l->up : l->lo;

	const struct stand_in *s = find_stand_in(cp);
	if (s)
		return s->s;
	if (cp >= 0x0300 && cp <= 0x036f)
		return ""; /* combining marks: и + ◌̆ reads as i */
	if (cp >= 0x2000 && cp <= 0x200a)
		return " "; /* the typographic spaces */
	if (cp >= 0x200b && cp <= 0x200d)
		return ""; /* zero-width space, non-joiner, joiner */
	one[1] = '\0';
	if (cp >= 0x00c0 && cp <= 0x00ff)
		one[0] = latin1_letters[cp - 0x00c0];
	else if (cp >= 0x0100 && cp <= 0x017f)
		one[0] = latin_ext_a_letters[cp - 0x0100];
	else
		one[0] = '?';
	return one;
}

int translit_to_latin(const char *lang, const char *utf8, size_t len, struct buf *out)
{
	if (!out || (len && !utf8) || !utf8_valid(utf8, len))
		return -1;
	const struct scheme *scheme = NULL;
	for (size_t i = 0; lang && i < sizeof schemes / sizeof schemes[0]; i++)
		if (strcmp(lang, schemes[i].lang) == 0)
			scheme = &schemes[i];

	size_t i = 0;
	int before = 0; /* the case of the character before this one */
	while (i < len) {
		size_t start = i;
		uint32_t cp = utf8_next(utf8, &i);
		size_t peek = i;
		int after = i < len ? letter_case(scheme, utf8_next(utf8, &peek)) : 0;
		int now = letter_case(scheme, cp);
		bool shout = now > 0 && (after > 0 || (before > 0 && after == 0));
		before = now;
		if (gsm_char_septets(cp) > 0) {
			if (buf_append(out, utf8 + start, i - start) < 0)
				return -1;
			continue;
		}
		char one[8];
		const char *latin = latin_for(scheme, cp, shout, one);
		if (buf_append(out, latin, strlen(latin)) < 0)
			return -1;
	}
	return out->overflowed ? -1 : 0;
}

void translit_if_asked(bool latin, const char *lang, struct buf *text, size_t max)
{
	if (!latin)
		return;
	struct buf out;
	buf_init(&out, max);
	if (translit_to_latin(lang, text->data, text->len, &out) == 0) {
		buf_cleanup(text);
		*text = out;
	} else {
		buf_cleanup(&out);
	}
}
