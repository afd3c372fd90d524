/* Unit tests for gateway/keyfold.c: every look-alike letter folds to what a
 * Russian-only or Latin-only keyboard types, case folds for Latin and
 * Cyrillic, apostrophes are left out, errors, and the first word of a
 * message. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "keyfold.h"
#include "tap.h"
#include "utf.h"

static char got[KEYFOLD_MAX];

/* The folded form of s, or "(error)". */
static const char *fold(const char *s)
{
	if (keyfold(s, strlen(s), got) < 0)
		snprintf(got, sizeof got, "(error)");
	return got;
}

struct row {
	const char *typed, *canonical;
};

/* Each pair folds to the same form: what the issue saw people type, and
 * the keyword as shipped. */
static void test_russian_keyboard(void)
{
	static const struct row rows[] = {
	    {"ТОКТАТ", "ТОҚТАТ"}, {"БЕЛГИ", "БЕЛГІ"},     {"КЕЛЕСИ", "КЕЛЕСІ"}, {"КОМЕК", "КӨМЕК"},
	    {"КАЙД", "ҚАЙД"},     {"НАВБАТИ", "НАВБАТӢ"}, {"ОГОЗ", "ОҒОЗ"},     {"КАТЪ", "ҚАТЪ"},
	    {"ЕРДАМ", "ЁРДАМ"},   {"ТУХТАТ", "ТЎХТАТ"},   {"БАСТАУ", "БАСТАУ"}, {"АНА", "ӘНА"},
	    {"ХАЛ", "ҺАЛ"},       {"ЧОН", "ҶОН"},         {"ХАМА", "ҲАМА"},     {"УЙ", "ҮЙ"},
	    {"УЛ", "ҰЛ"},         {"МУН", "МӮН"},         {"ЖАНЫ", "ЖАҢЫ"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char want[KEYFOLD_MAX];
		snprintf(want, sizeof want, "%s", fold(rows[i].canonical));
		is_str(fold(rows[i].typed), want, "%s is typed for %s", rows[i].typed,
		       rows[i].canonical);
	}
}

static void test_latin(void)
{
	is_str(fold("TOXTAT"), "TOXTAT", "Uzbek without the apostrophe");
	is_str(fold("TO'XTAT"), "TOXTAT", "with '");
	is_str(fold("to\xe2\x80\x98xtat"), "TOXTAT", "with ‘ and small letters");
	is_str(fold("TO\xca\xbbXTAT"), "TOXTAT", "with ʻ");
	is_str(fold("to\xe2\x80\x99xtat"), "TOXTAT", "with ’");
	is_str(fold("TO`XTAT"), "TOXTAT", "with `");
	is_str(fold("qat\xe2\x80\x99"), "QAT'", "an apostrophe ending a word stays, as '");
	is_str(fold("QAT`"), "QAT'", "any apostrophe");
	is_str(fold("K\xc3\xb6m\xc3\xbc\x6b"), "KOMUK", "ö ü (Kyrgyz in chabar's Latin)");
	is_str(fold("\xc4\x9f\xc5\x9f\xc4\xb1\xc4\xb0"), "GSII", "ğ ş ı İ");
	is_str(fold("Checkin"), "CHECKIN", "any case");
	is_str(fold("\xc3\xa4\xc3\xb1\xc3\xa7"), "ANC", "ä ñ ç");
	is_str(fold("\xc3\xa1\xc3\xb3\xc3\xba\xc3\xbd\xc7\xb5\xc5\x84"), "AOUYGN",
	       "Kazakh Latin of 2018: á ó ú ý ǵ ń");
	is_str(fold("NAVBAT\xc4\xaa"), "NAVBATI", "Tajik Latin Ī");
	is_str(fold("БЕЛГI"), "БЕЛГИ", "a Latin I in a Cyrillic word is И");
	is_str(fold("белгi"), "БЕЛГИ", "a small one too");
	is_str(fold("CHECKIN"), "CHECKIN", "but I stays I in a Latin word");
}

static void test_case(void)
{
	is_str(fold("отметка"), "ОТМЕТКА", "Russian small letters");
	is_str(fold("ёрдам"), fold("ЕРДАМ"), "ё");
	is_str(fold("қайд"), "КАЙД", "қ small");
	is_str(fold("тоқтат"), fold("ТОКТАТ"), "Kazakh small");
	is_str(fold("ҳҷӣӯғ"), "ХЧИУГ", "Tajik small letters");
	is_str(fold("әіңүұөһ"), "АИНУУОХ", "Kazakh small letters");
	is_str(fold("ў"), "У", "Uzbek ў");
	is_str(fold("ӏ"), "Ӏ", "palochka: small to capital");
	is_str(fold("ӂ"), "Ӂ", "a pair with its capital second");
	is_str(fold("123"), "123", "digits stay");
	is_str(fold("Ωω"), "Ωω", "other scripts as they are");
}

/* Every look-alike letter, capital and small, folds to a letter every
 * Russian or Latin keyboard has: the table is sorted and complete. */
static void test_every_letter(void)
{
	static const uint32_t lookalike[] = {
	    0x04d8, 0x0492, 0x049a, 0x04a2, 0x04e8, 0x04b0, 0x04ae, 0x04ba, 0x0406, 0x04e2,
	    0x04ee, 0x04b2, 0x04b6, 0x040e, 0x0401, 0x00c4, 0x00d6, 0x00dc, 0x00d1, 0x00c7,
	    0x011e, 0x015e, 0x0130, 0x016a, 0x00e4, 0x00f6, 0x00fc, 0x00f1, 0x00e7, 0x011f,
	    0x015f, 0x0131, 0x016b, 0x04d9, 0x0493, 0x049b, 0x04a3, 0x04e9, 0x04b1, 0x04af,
	    0x04bb, 0x0456, 0x04e3, 0x04ef, 0x04b3, 0x04b7, 0x045e, 0x0451,
	};
	for (size_t i = 0; i < sizeof lookalike / sizeof lookalike[0]; i++) {
		uint32_t to = keyfold_letter(lookalike[i]);
		bool russian = to >= 0x0410 && to <= 0x042f;
		ok(russian || (to >= 'A' && to <= 'Z'), "U+%04X folds to a key every keyboard has",
		   (unsigned)lookalike[i]);
	}
	static const uint32_t apostrophes[] = {'\'', '`', 0xb4, 0x2bb, 0x2bc, 0x2018, 0x2019};
	for (size_t i = 0; i < sizeof apostrophes / sizeof apostrophes[0]; i++)
		is_int(keyfold_letter(apostrophes[i]), 0, "U+%04X is left out",
		       (unsigned)apostrophes[i]);
	is_int(keyfold_letter(0x042c), 0x042c, "Ь stays");
	is_int(keyfold_letter(0x044a), 0x042a, "ъ is Ъ");
}

static void test_errors(void)
{
	is_str(fold("\xff"), "(error)", "not UTF-8");
	ok(keyfold("A\0B", 3, got) < 0, "a NUL");
	is_str(fold("A B"), "(error)", "a space");
	char long_word[KEYFOLD_MAX + 1];
	memset(long_word, 'A', KEYFOLD_MAX);
	long_word[KEYFOLD_MAX] = '\0';
	is_str(fold(long_word), "(error)", "%d letters do not fit", KEYFOLD_MAX);
	long_word[KEYFOLD_MAX - 1] = '\0';
	is_int((int)strlen(fold(long_word)), KEYFOLD_MAX - 1, "%d letters fit", KEYFOLD_MAX - 1);
	is_str(fold(""), "", "empty");
	is_str(fold("'"), "'", "an apostrophe alone is an apostrophe");
	is_str(fold("КАТ"), "КАТ", "КАТ is not КАТЪ: Russian keyboards have Ъ");
}

static void check_first(const char *text, const char *want)
{
	const char *word;
	size_t n = keyfold_first_word(text, strlen(text), &word);
	char shown[64], quoted[64];
	snprintf(shown, sizeof shown, "%.*s", (int)n, word);
	snprintf(quoted, sizeof quoted, "%s", text);
	for (char *c = quoted; *c; c++)
		if (*c == '\r' || *c == '\n' || *c == '\t')
			*c = '~'; /* one TAP line */
	is_str(shown, want, "first word of \"%s\"", quoted);
}

static void test_first_word(void)
{
	check_first("STOP", "STOP");
	check_first("  \tstop please", "stop");
	check_first("Stop.", "Stop");
	check_first("HELP?!", "HELP");
	check_first("LANG RU", "LANG");
	check_first("ТОКТАТ,", "ТОКТАТ");
	check_first("TO'XTAT", "TO'XTAT");
	check_first("", "");
	check_first("   ", "");
	check_first("...", "");
	check_first("\r\nNEXT\r\n", "NEXT");
	check_first("Стоп, я не понял", "Стоп,");
	check_first("STOP. Thanks", "STOP.");
	check_first("СТОП\xe2\x80\xa6", "СТОП");
	check_first("stop!!", "stop");
	check_first("STOP\xc2\xa0", "STOP");
	check_first("\xc2\xa0STOP\xc2\xa0please", "STOP");
}

int main(void)
{
	test_russian_keyboard();
	test_latin();
	test_case();
	test_every_letter();
	test_errors();
	test_first_word();
	return tap_done();
}
