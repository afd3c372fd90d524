/* Unit tests for gateway/gsm.c: the GSM-7 alphabet, coding, septet and
 * UTF-16 counts, SMS parts at their boundaries and the USSD budget. Every
 * expected number below is counted by hand in the comment beside it. */
#include <stdint.h>

#include "gsm.h"
#include "tap.h"

/* Room for the longest text built here: 153 three-byte characters. */
static char text[2048];
static size_t text_len;

static void clear(void)
{
	text_len = 0;
	text[0] = '\0';
}

/* Appends n copies of the UTF-8 string unit to text. */
static void add(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	for (size_t i = 0; i < n && text_len + u < sizeof text; i++) {
		memcpy(text + text_len, unit, u);
		text_len += u;
	}
	text[text_len] = '\0';
}

/* Measures text and compares every field of the result. */
static void check(const char *what, enum gsm_coding coding, size_t chars, size_t units,
		  size_t segments)
{
	struct gsm_fit f;
	int rc = gsm_measure(text, text_len, &f);
	if (!ok(rc == 0 && f.coding == coding && f.chars == chars && f.units == units &&
		    f.segments == segments,
		"%s: %s, %zu chars, %zu units, %zu segments", what, gsm_coding_name(coding), chars,
		units, segments)) {
		if (rc != 0)
			printf("#   gsm_measure returned %d\n", rc);
		else
			printf("#   got %s, %zu chars, %zu units, %zu segments\n",
			       gsm_coding_name(f.coding), f.chars, f.units, f.segments);
	}
}

static void test_ascii_septets(void)
{
	/* By hand from TS 23.038: every printable ASCII character is in the
	 * default alphabet except ` (nowhere) and [ \ ] ^ { | } ~ (extension);
	 * of the controls only LF and CR are, and form feed is an extension. */
	int want[128];
	for (int c = 0; c < 128; c++)
		want[c] = c >= 0x20 && c < 0x7f ? 1 : 0;
	want['\n'] = want['\r'] = 1;
	want['\f'] = 2;
	want['`'] = 0;
	want['['] = want['\\'] = want[']'] = want['^'] = 2;
	want['{'] = want['|'] = want['}'] = want['~'] = 2;
	int wrong = 0;
	for (int c = 0; c < 128; c++)
		if (gsm_char_septets((uint32_t)c) != want[c]) {
			printf("#   U+%04X: got %d, want %d\n", c, gsm_char_septets((uint32_t)c),
			       want[c]);
			wrong++;
		}
	is_int(wrong, 0, "all 128 ASCII code points have the septet count TS 23.038 gives");
	is_int(gsm_char_septets('@'), 1, "@ (septet 0x00)");
	is_int(gsm_char_septets('$'), 1, "$ (septet 0x02)");
	is_int(gsm_char_septets('_'), 1, "_ (septet 0x11)");
	is_int(gsm_char_septets(0), 0, "U+0000 is not GSM-7 (0x00 is @)");
	is_int(gsm_char_septets(0x1b), 0, "ESC is not a character");
	is_int(gsm_char_septets('\t'), 0, "tab is not GSM-7");
	is_int(gsm_char_septets(0x7f), 0, "DEL is not GSM-7");
}

static void test_other_septets(void)
{
	/* The 128 - 1 (ESC) default-alphabet characters, as UTF-8. */
	static const char *const defaults =
	    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
	    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
	clear();
	add(defaults, 1);
	check("the whole default alphabet", GSM_CODING_GSM7, 127, 127, 1);
	clear();
	add("^{}\\[~]|€\f", 1);
	check("the whole extension table", GSM_CODING_GSM7, 10, 20, 1);

	is_int(gsm_char_septets(0x20ac), 2, "€ takes 2 septets");
	is_int(gsm_char_septets(0x00a3), 1, "£ is GSM-7");
	is_int(gsm_char_septets(0x00e9), 1, "é is GSM-7");
	is_int(gsm_char_septets(0x00c7), 1, "Ç is GSM-7");
	is_int(gsm_char_septets(0x0394), 1, "Δ is GSM-7");
	is_int(gsm_char_septets(0x00e1), 0, "á is not GSM-7");
	is_int(gsm_char_septets(0x00e7), 0, "ç is not GSM-7 (only Ç)");
	is_int(gsm_char_septets(0x03b1), 0, "Greek small α is not GSM-7");
	is_int(gsm_char_septets(0x00a0), 0, "no-break space is not GSM-7");
	is_int(gsm_char_septets(0x0436), 0, "Cyrillic ж is not GSM-7");
	is_int(gsm_char_septets(0x1f600), 0, "an emoji is not GSM-7");
	is_int(gsm_char_septets(0x110000), 0, "beyond Unicode is not GSM-7");
}

static void test_small_texts(void)
{
	clear();
	check("empty text", GSM_CODING_GSM7, 0, 0, 1);
	clear();
	add("Hello", 1);
	check("Hello", GSM_CODING_GSM7, 5, 5, 1);
	clear();
	add("£5 é", 1);
	check("£5 é", GSM_CODING_GSM7, 4, 4, 1);
	clear();
	add("á", 1);
	check("á needs UCS-2", GSM_CODING_UCS2, 1, 1, 1);
	clear();
	add("a\r\nb", 1);
	check("CR LF are GSM-7", GSM_CODING_GSM7, 4, 4, 1);
	clear();
	add("€", 1);
	check("€ counts 2 septets", GSM_CODING_GSM7, 1, 2, 1);
	clear();
	add("{x}", 1);
	check("{x} counts 5 septets", GSM_CODING_GSM7, 3, 5, 1);
	clear();
	add("\xf0\x9f\x98\x80", 1);
	check("an emoji counts 2 UTF-16 units", GSM_CODING_UCS2, 1, 2, 1);
	clear();
	add("Привет", 1);
	check("Привет", GSM_CODING_UCS2, 6, 6, 1);
	clear();
	add("a\tb", 1);
	check("a tab needs UCS-2", GSM_CODING_UCS2, 3, 3, 1);
	clear();
	add("€ ж", 1);
	check("€ in a UCS-2 text counts 1", GSM_CODING_UCS2, 3, 3, 1);

	struct gsm_fit f;
	ok(gsm_measure("a\0b", 3, &f) == 0 && f.coding == GSM_CODING_UCS2 && f.chars == 3,
	   "a NUL is a character, not GSM-7");
	ok(gsm_measure(NULL, 0, &f) == 0 && f.chars == 0 && f.segments == 1,
	   "NULL with length 0 is the empty text");
	ok(!gsm_needs_ucs2("Check-in at 10:00", 17), "GSM-7 text goes as 7-bit");
	ok(gsm_needs_ucs2("Привет", strlen("Привет")), "Cyrillic needs UCS-2");
	ok(gsm_needs_ucs2("\xff", 1), "bytes that are not UTF-8 never go as 7-bit");
}

static void test_gsm7_parts(void)
{
	/* 160 fit one SMS; beyond that, parts of 153. */
	static const struct {
		size_t n, segments;
	} a[] = {
	    {1, 1}, {153, 1}, {160, 1}, {161, 2}, {306, 2}, {307, 3}, {459, 3}, {460, 4},
	};
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
		char what[32];
		snprintf(what, sizeof what, "%zu a", a[i].n);
		clear();
		add("a", a[i].n);
		check(what, GSM_CODING_GSM7, a[i].n, a[i].n, a[i].segments);
	}

	/* Extension pairs. */
	clear();
	add("€", 80);
	check("80 € = 160 septets, one SMS", GSM_CODING_GSM7, 80, 160, 1);
	clear();
	add("€", 81);
	check("81 € = 162 septets: parts of 76 pairs", GSM_CODING_GSM7, 81, 162, 2);
	clear();
	add("a", 152);
	add("€", 1);
	check("152 a + € = 154 septets, still one SMS", GSM_CODING_GSM7, 153, 154, 1);
	clear();
	add("a", 159);
	add("€", 1);
	check("159 a + € = 161 septets: 153 | 6 + 2", GSM_CODING_GSM7, 160, 161, 2);
	clear();
	add("a", 152);
	add("{", 1);
	add("a", 7);
	check("152 a { 7 a = 161: { would be septets 153-154, moves: 152 | 2 + 7", GSM_CODING_GSM7,
	      160, 161, 2);
	clear();
	add("a", 152);
	add("{", 1);
	add("a", 152);
	check("152 a { 152 a = 306 septets: 152 | 2 + 151 | 1, not 2 parts", GSM_CODING_GSM7, 305,
	      306, 3);
	clear();
	add("a", 151);
	add("{", 1);
	add("a", 153);
	check("151 a { 153 a = 306: { is septets 152-153, fits: 153 | 153", GSM_CODING_GSM7, 305,
	      306, 2);
	clear();
	add("€", 153);
	check("153 € = 306 septets: 76 pairs a part, 76 | 76 | 1", GSM_CODING_GSM7, 153, 306, 3);
	clear();
	add("a", 100);
	add("\f", 1);
	add("a", 60);
	check("a form feed counts 2 too: 162 septets", GSM_CODING_GSM7, 161, 162, 2);
}

static void test_ucs2_parts(void)
{
	static const struct {
		size_t n, segments;
	} cyr[] = {
	    {1, 1}, {67, 1}, {70, 1}, {71, 2}, {134, 2}, {135, 3}, {201, 3}, {202, 4},
	};
	for (size_t i = 0; i < sizeof cyr / sizeof cyr[0]; i++) {
		char what[32];
		snprintf(what, sizeof what, "%zu Cyrillic", cyr[i].n);
		clear();
		add("ж", cyr[i].n);
		check(what, GSM_CODING_UCS2, cyr[i].n, cyr[i].n, cyr[i].segments);
	}

	/* Surrogate pairs. */
	const char *emoji = "\xf0\x9f\x98\x80";
	clear();
	add(emoji, 35);
	check("35 emoji = 70 units, one SMS", GSM_CODING_UCS2, 35, 70, 1);
	clear();
	add(emoji, 36);
	check("36 emoji = 72 units: 33 pairs a part", GSM_CODING_UCS2, 36, 72, 2);
	clear();
	add(emoji, 67);
	check("67 emoji = 134 units: 33 | 33 | 1, not 2 parts", GSM_CODING_UCS2, 67, 134, 3);
	clear();
	add("ж", 66);
	add(emoji, 1);
	add("ж", 66);
	check("66 ж, emoji, 66 ж = 134 units: the pair moves: 66 | 2 + 65 | 1", GSM_CODING_UCS2,
	      133, 134, 3);
	clear();
	add("ж", 65);
	add(emoji, 1);
	add("ж", 67);
	check("65 ж, emoji, 67 ж = 134 units: the pair is units 66-67: 67 | 67", GSM_CODING_UCS2,
	      133, 134, 2);

	/* One character outside GSM-7 makes the whole text UCS-2. */
	clear();
	add("a", 100);
	add("ж", 1);
	check("100 a + ж = 101 UCS-2 units", GSM_CODING_UCS2, 101, 101, 2);
	clear();
	add("a", 69);
	add("ж", 1);
	check("69 a + ж = 70 UCS-2 units", GSM_CODING_UCS2, 70, 70, 1);
	clear();
	add("€", 40);
	add("ж", 31);
	check("40 € + 31 ж = 71 UCS-2 units, € counts 1", GSM_CODING_UCS2, 71, 71, 2);
}

static void test_invalid(void)
{
	static const struct {
		const char *s;
		const char *what;
	} bad[] = {
	    {"\xff", "byte FF"},
	    {"abc\xd0", "a truncated 2-byte sequence"},
	    {"\xc0\xaf", "an overlong /"},
	    {"\xed\xa0\x80", "a surrogate"},
	    {"\xf4\x90\x80\x80", "beyond U+10FFFF"},
	    {"\x80", "a lone continuation byte"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct gsm_fit f = {GSM_CODING_UCS2, 7, 7, 7};
		int rc = gsm_measure(bad[i].s, strlen(bad[i].s), &f);
		ok(rc == -1 && f.chars == 7 && f.units == 7 && f.segments == 7,
		   "invalid UTF-8 (%s) is -1 and leaves out alone", bad[i].what);
	}
	struct gsm_fit f;
	is_int(gsm_measure(NULL, 1, &f), -1, "NULL text with a length is -1");
	is_int(gsm_measure("ab\xd0\x96", 3, &f), -1, "a length that cuts a character is -1");
}

static bool fits(const struct gsm_ussd_budget *b)
{
	struct gsm_fit f;
	return gsm_measure(text, text_len, &f) == 0 && gsm_fits_ussd(&f, b);
}

static void test_ussd(void)
{
	struct gsm_ussd_budget def = GSM_USSD_DEFAULT;
	is_int(def.gsm7_chars, 182, "GSM_USSD_DEFAULT: 182 GSM-7 characters");
	is_int(def.ucs2_chars, 80, "GSM_USSD_DEFAULT: 80 UCS-2 characters");

	clear();
	add("a", 182);
	ok(fits(&GSM_USSD_DEFAULT), "182 GSM-7 characters fit a USSD page");
	add("a", 1);
	ok(!fits(&GSM_USSD_DEFAULT), "183 GSM-7 characters do not");
	clear();
	add("ж", 80);
	ok(fits(&GSM_USSD_DEFAULT), "80 Cyrillic characters fit");
	add("ж", 1);
	ok(!fits(&GSM_USSD_DEFAULT), "81 Cyrillic characters do not");
	clear();
	add("€", 91);
	ok(fits(&GSM_USSD_DEFAULT), "91 € = 182 septets fit");
	add("€", 1);
	ok(!fits(&GSM_USSD_DEFAULT), "92 € = 184 septets do not");
	clear();
	add("a", 181);
	add("€", 1);
	ok(!fits(&GSM_USSD_DEFAULT), "181 a + € = 183 septets do not");
	clear();
	add("\xf0\x9f\x98\x80", 40);
	ok(fits(&GSM_USSD_DEFAULT), "40 emoji = 80 units fit");
	add("\xf0\x9f\x98\x80", 1);
	ok(!fits(&GSM_USSD_DEFAULT), "41 emoji = 82 units do not");
	clear();
	add("a", 183);
	ok(!fits(NULL), "a NULL budget is the default");
	clear();
	ok(fits(&GSM_USSD_DEFAULT), "the empty text fits");

	struct gsm_ussd_budget small = {.gsm7_chars = 10, .ucs2_chars = 5};
	clear();
	add("a", 10);
	ok(fits(&small), "10 GSM-7 characters fit a budget of 10");
	add("a", 1);
	ok(!fits(&small), "11 do not");
	clear();
	add("ж", 5);
	ok(fits(&small), "5 Cyrillic fit a UCS-2 budget of 5");
	add("ж", 1);
	ok(!fits(&small), "6 do not");
}

static void test_names(void)
{
	is_str(gsm_coding_name(GSM_CODING_GSM7), "gsm7", "GSM7 is named gsm7");
	is_str(gsm_coding_name(GSM_CODING_UCS2), "ucs2", "UCS2 is named ucs2");
	is_str(gsm_coding_name((enum gsm_coding)42), "unknown", "anything else is unknown");
}

int main(void)
{
	test_ascii_septets();
	test_other_septets();
	test_small_texts();
	test_gsm7_parts();
	test_ucs2_parts();
	test_invalid();
	test_ussd();
	test_names();
	return tap_done();
}
