/* Unit tests for gateway/locale.c: the shipped catalogs (every key in every
 * language, every text and menu fits a USSD page with worst-case values),
 * rendering, and every load error, reported as file:line and all counted. */
#include <stdlib.h>
#include <unistd.h>

#include "flow.h"
#include "gsm.h"
#include "locale.h"
#include "tap.h"

#ifndef LOCALES_DIR
#error "LOCALES_DIR must name the locales directory"
#endif

/* The keys flows/ and the conversation engine use: exactly these, no more. */
static const char *const expected_keys[] = {
    "alert.cannot_come",
    "alert.escalated",
    "alert.missed_checkin",
    "alert.pin_locked",
    "alert.reschedule",
    "appointment.cancelled",
    "appointment.moved",
    "appointment.next",
    "checkin.window",
    "officer.acknowledged",
    "officer.help",
    "officer.unknown_ref",
    "officer.unlocked",
    "appointment.none",
    "checkin.ask_pin",
    "checkin.at_home",
    "checkin.at_work",
    "checkin.done",
    "checkin.elsewhere",
    "checkin.locked",
    "checkin.pin_format",
    "checkin.pin_wrong",
    "checkin.timed_out",
    "checkin.where",
    "checkin.where_invalid",
    "global.cancelled",
    "global.error",
    "global.expired",
    "global.help",
    "global.not_enrolled",
    "global.opted_out",
    "global.started",
    "global.stopped",
    "global.try_later",
    "global.unavailable",
    "global.unknown",
    "global.ussd_lost",
    "language.en",
    "language.invalid",
    "language.kk",
    "language.ky",
    "language.menu",
    "language.ru",
    "language.set",
    "language.tg",
    "language.uz",
    "language.uz_cyrl",
    "reminder.appointment",
    "reminder.choose",
    "reminder.confirmed",
    "reminder.declined",
    "reminder.none",
    "reminder.rescheduling",
    "ussd.back",
    "ussd.more",
    "tip.category",
    "tip.cat_recruitment",
    "tip.cat_threat",
    "tip.cat_returnee",
    "tip.cat_violence",
    "tip.cat_other",
    "tip.category_again",
    "tip.where",
    "tip.where_again",
    "tip.place",
    "tip.consent",
    "tip.anonymous",
    "tip.call_me",
    "tip.consent_again",
    "tip.describe",
    "tip.thanks",
    "tip.thanks_more",
    "tip.added",
    "tip.forwarded",
    "tip.full",
    "tip.unknown_ref",
    "tip.followup_help",
    "tip.limit",
    "tip.refused",
    "tip.alert",
    "tip.alert_liaison",
    "tip.alert_callback",
    "tip.from_reporter",
    "tip.police_reply",
    "officer.tip_help",
    "tip.acknowledged",
    "tip.relayed",
    "tip.unreachable",
    "tip.closed",
    "tip.blocked_sender",
    "tip.no_such",
    "tip.busy",
    "services.menu",
    "services.documents",
    "services.work",
    "services.health",
    "services.family",
    "services.menu_again",
    "services.item",
    "services.next",
    "services.list",
    "services.none",
    "services.last",
    "services.bye",
};

/* Texts only ever sent by SMS: not held to a USSD page. */
static bool sms_only(const char *key)
{
	static const char *const keys[] = {
#define X(key) key,
	    FLOW_SMS_KEYS(X)
#undef X
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	/* the reminder's and the officers' flows are SMS only */
	return strncmp(key, "reminder.", 9) == 0 || strncmp(key, "officer.", 8) == 0;
}
#define EXPECTED_COUNT (sizeof expected_keys / sizeof expected_keys[0])

/* Menus as the flows render them: the title, then "N option" per line. */
static const char *const where_menu[] = {"checkin.where", "checkin.at_home", "checkin.at_work",
					 "checkin.elsewhere", NULL};
static const char *const language_menu[] = {"language.menu", "language.ky",      "language.ru",
					    "language.uz",   "language.kk",      "language.tg",
					    "language.en",   "language.uz_cyrl", NULL};

static struct locales *load_dir(const char *dir, struct diag *d, char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	setvbuf(f, NULL, _IONBF, 0);
	diag_init(d, f);
	struct locales *l = locales_load(dir, d);
	fclose(f);
	return l;
}

static int check_file(const char *path, struct diag *d, char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	setvbuf(f, NULL, _IONBF, 0);
	diag_init(d, f);
	int rc = locales_check_catalog(path, d);
	fclose(f);
	return rc;
}

static void has_line(const char *out, const char *want, const char *what)
{
	if (!ok(strstr(out, want) != NULL, "%s", what))
		printf("#   want \"%s\" in:\n# %s\n", want, out);
}

/* Whether the rendered text fits one USSD page; *units, *limit for reports. */
static bool fits(const char *text, size_t *units, size_t *limit)
{
	struct gsm_fit fit;
	if (gsm_measure(text, strlen(text), &fit) < 0)
		return false;
	*units = fit.units;
	*limit = fit.coding == GSM_CODING_GSM7 ? GSM_USSD_DEFAULT.gsm7_chars
					       : GSM_USSD_DEFAULT.ucs2_chars;
	return gsm_fits_ussd(&fit, NULL);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void test_shipped(void)
{
	char out[8192] = "";
	struct diag d;
	struct locales *l = load_dir(LOCALES_DIR, &d, out, sizeof out);
	ok(l != NULL, "the shipped catalogs load");
	is_int(d.errors, 0, "with no errors");
	if (!l) {
		printf("# %s\n", out);
		return;
	}
	is_int(locales_key_count(l), EXPECTED_COUNT, "%zu keys", EXPECTED_COUNT);
	size_t langs = locales_language_count();
	is_int(langs, 7, "seven catalogs: six languages, Uzbek in both scripts");
	is_int(locales_fuzzy_count(l), (langs - 1) * EXPECTED_COUNT,
	       "every translation is fuzzy until reviewed, English none");

	int missing = 0;
	for (size_t i = 0; i < EXPECTED_COUNT; i++)
		for (size_t j = 0; j < langs; j++)
			if (!locales_text(l, locales_language_code(j), expected_keys[i])) {
				printf("#   %s missing in %s\n", expected_keys[i],
				       locales_language_code(j));
				missing++;
			}
	is_int(missing, 0, "every key in every language");
	for (size_t i = 0; i < locales_key_count(l); i++)
		if (i > 0 && strcmp(locales_key(l, i - 1), locales_key(l, i)) >= 0)
			missing++;
	is_int(missing, 0, "keys iterate sorted");
	ok(locales_key(l, locales_key_count(l)) == NULL, "no key past the end");

	/* Each language's name is the same in every catalog, and the table's. */
	int names = 0;
	for (size_t j = 0; j < langs; j++) {
		const char *code = locales_language_code(j);
		char key[32];
		snprintf(key, sizeof key, "language.%s", code);
		for (char *c = key; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c); /* uz_Cyrl: uz_cyrl */
		for (size_t k = 0; k < langs; k++)
			names += strcmp(locales_text(l, locales_language_code(k), key),
					locales_language_name(code)) == 0;
	}
	is_int(names, langs * langs, "language names are each language's own, everywhere");

	/* Every text, rendered with the worst cases, fits one USSD page (but
	 * those only ever sent by SMS: the linter holds them to their SMS
	 * budget). */
	struct buf b;
	buf_init(&b, 4096);
	int too_long = 0, render_errors = 0;
	size_t tightest = 0;
	for (size_t j = 0; j < langs; j++) {
		const char *lang = locales_language_code(j);
		for (size_t i = 0; i < locales_key_count(l); i++) {
			const char *key = locales_key(l, i);
			b.len = 0;
			if (sms_only(key))
				continue;
			if (locales_render_worst(l, lang, key, &b) != 0) {
				render_errors++;
				continue;
			}
			size_t units = 0, limit = 0;
			if (!fits(b.data, &units, &limit)) {
				printf("#   %s %s: %zu of %zu: %s\n", lang, key, units, limit,
				       b.data);
				too_long++;
			}
			if (limit == 80 && units > tightest)
				tightest = units;
			if (limit == 80 && units >= 78)
				printf("#   tight: %s %s %zu/80 (%zu characters)\n", lang, key,
				       units, utf8_chars(b.data));
		}
	}
	is_int(render_errors, 0, "every text renders with the worst cases");
	is_int(too_long, 0, "every text fits one USSD page (80 UCS-2 or 182 GSM-7)");
	ok(tightest <= 80, "the longest Cyrillic text is %zu characters", tightest);

	/* Every menu, title plus "N option" lines, fits one page too. */
	const char *const *menus[] = {where_menu, language_menu};
	too_long = 0;
	for (size_t m = 0; m < 2; m++) {
		for (size_t j = 0; j < langs; j++) {
			const char *lang = locales_language_code(j);
			b.len = 0;
			locales_render_worst(l, lang, menus[m][0], &b);
			for (size_t o = 1; menus[m][o]; o++) {
				buf_printf(&b, "\n%zu ", o);
				locales_render_worst(l, lang, menus[m][o], &b);
			}
			size_t units = 0, limit = 0;
			if (!fits(b.data, &units, &limit)) {
				printf("#   menu %s in %s: %zu of %zu\n", menus[m][0], lang, units,
				       limit);
				too_long++;
			}
		}
	}
	is_int(too_long, 0, "both menus fit one USSD page in every language");
	buf_cleanup(&b);

	struct locales *again = locales_ref(l);
	ok(again == l, "ref returns the same set");
	locales_unref(again);
	ok(locales_text(l, "ru", "global.cancelled") != NULL, "still usable after one unref");
	locales_unref(l);
	locales_unref(NULL);
}

static void test_lookup_and_render(void)
{
	char out[4096] = "";
	struct diag d;
	struct locales *l = load_dir(LOCALES_DIR, &d, out, sizeof out);
	if (!ok(l != NULL, "catalogs for rendering"))
		return;
	is_str(locales_text(l, "en", "checkin.where"), "Where are you?", "raw English text");
	ok(locales_text(l, "xx", "checkin.where") == NULL, "unknown language: NULL");
	ok(locales_text(l, NULL, "checkin.where") == NULL, "NULL language: NULL");
	ok(locales_text(l, "en", "checkin.nothing") == NULL, "unknown key: NULL");
	ok(locales_has_language(l, "tg"), "has Tajik");
	ok(!locales_has_language(l, "de"), "has no German");
	is_str(locales_language_name("uz"), "O'zbekcha", "Uzbek's own name");
	ok(locales_language_name("xx") == NULL, "no name for an unknown code");
	is_str(locales_language_code(0), "ky", "Kyrgyz is first in the menu");
	is_str(locales_language_code(6), "uz_Cyrl", "Cyrillic Uzbek is last");
	ok(locales_language_code(7) == NULL, "no eighth catalog");
	is_str(locales_language_find("RU", 2), "ru", "a code in capitals");
	is_str(locales_language_find("UZ_CYRL", 7), "uz_Cyrl", "Cyrillic Uzbek in any case");
	ok(locales_language_find("uz_", 3) == NULL, "a part of a code is none");
	ok(locales_language_find("de", 2) == NULL, "an unknown code is none");
	is_int(locales_budget(l, "global.help"), 1, "HELP has a budget of one SMS");
	is_int(locales_budget(l, "checkin.where"), 0, "a text without a budget");
	ok(locales_is_fuzzy(l, "ru", "global.help"), "Russian help is fuzzy");
	ok(!locales_is_fuzzy(l, "en", "global.help"), "English is not");

	struct buf b;
	buf_init(&b, 1024);
	struct locale_var tries = {"tries", "2"};
	is_int(locales_render(l, "en", "checkin.pin_wrong", &tries, 1, &b), 0, "render one var");
	is_str(b.data, "Wrong PIN. Tries left: 2", "the value replaces {tries}");

	b.len = 0;
	struct locale_var vars[] = {
	    {"place", "Каб. 3"}, {"time", "09:30"}, {"date", "05.01.2027"}, {"tries", "1"}};
	is_int(locales_render(l, "en", "appointment.next", vars, 4, &b), 0, "render three vars");
	is_str(b.data, "Next appointment: 05.01.2027 09:30, Каб. 3", "in any order of vars");

	b.len = 0;
	buf_append(&b, "> ", 2);
	is_int(locales_render(l, "en", "global.cancelled", NULL, 0, &b), 0, "no placeholders");
	is_str(b.data, "> Cancelled.", "appends to what the buffer had");

	b.len = 0;
	is_int(locales_render(l, "en", "appointment.next", vars, 1, &b), LOCALES_MISSING_VAR,
	       "a placeholder without a var is reported");
	is_str(b.data, "Next appointment:  , Каб. 3", "and renders as empty");

	b.len = 0;
	struct locale_var null_value = {"tries", NULL};
	is_int(locales_render(l, "en", "checkin.pin_wrong", &null_value, 1, &b),
	       LOCALES_MISSING_VAR, "a var without a value counts as missing");

	b.len = 0;
	struct locale_var prefix = {"time_zone", "x"};
	is_int(locales_render(l, "en", "checkin.done", &prefix, 1, &b), LOCALES_MISSING_VAR,
	       "a var whose name only starts like a placeholder does not match");

	b.len = 0;
	is_int(locales_render(l, "ru", "nothing.here", NULL, 0, &b), -1, "unknown key: -1");
	is_int(locales_render(l, "de", "global.help", NULL, 0, &b), -1, "unknown language: -1");

	b.len = 0;
	is_int(locales_render_worst(l, "en", "appointment.next", &b), 0, "worst-case render");
	is_str(b.data,
	       "Next appointment: 31.12.2026 23:59, Октябрьский районный отдел пробации, каб.12",
	       "the worst cases from LOCALE_PLACEHOLDERS");
	is_int(utf8_chars(b.data), 79, "79 characters: one to spare");

	b.len = 0;
	is_int(locales_render_worst(l, "ru", "checkin.done", &b), 0, "Russian worst case");
	is_str(b.data, "Отметка принята в 23:59. Код XXXX-XXXX. Следующая явка: 31.12.2026 23:59",
	       "Russian check-in confirmation");
	buf_cleanup(&b);

	struct buf small;
	buf_init(&small, 10);
	is_int(locales_render(l, "en", "global.help", NULL, 0, &small), -1,
	       "a text longer than the buffer's maximum: -1");
	ok(small.overflowed, "the buffer says so");
	buf_cleanup(&small);
	locales_unref(l);
}

/* --- catalogs written to a temporary directory ------------------------- */

static char tmp[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Lines 1-4 are the header, so a body's first line is line 6. */
static void write_po(const char *lang, const char *body)
{
	char text[2048], name[16];
	snprintf(text, sizeof text,
		 "msgid \"\"\n"
		 "msgstr \"\"\n"
		 "\"Language: %s\\n\"\n"
		 "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
		 "\n%s",
		 lang, body);
	snprintf(name, sizeof name, "%s.po", lang);
	write_file(name, text);
}

/* The good body: a.one on line 6, a.two on 9, a.three on 12. */
#define BODY                                                                                       \
	"msgid \"a.one\"\nmsgstr \"Hello\"\n\n"                                                    \
	"msgid \"a.two\"\nmsgstr \"Tries left: {tries}\"\n\n"                                      \
	"msgid \"a.three\"\nmsgstr \"At {time}, {date} {time}\"\n"

static const char *const langs[] = {"ky", "ru", "uz", "kk", "tg", "en", "uz_Cyrl"};
#define LANGS (sizeof langs / sizeof langs[0])

static void write_all_good(void)
{
	for (size_t i = 0; i < LANGS; i++)
		write_po(langs[i], BODY);
}

static void test_good_tmp(void)
{
	char out[4096] = "";
	struct diag d;
	write_all_good();
	write_po("ru", "#. en: Hello\n#, fuzzy\nmsgid \"a.one\"\nmsgstr \"Привет\"\n\n"
		       "#, fuzzy\nmsgid \"a.two\"\nmsgstr \"Осталось: {tries}\"\n\n"
		       "msgid \"a.three\"\nmsgstr \"{date} {time}\"\n\n"
		       "#~ msgid \"a.old\"\n#~ msgstr \"Старое\"\n");
	struct locales *l = load_dir(tmp, &d, out, sizeof out);
	ok(l != NULL && d.errors == 0, "a minimal set loads (obsolete #~ entries ignored)");
	if (!l) {
		printf("# %s\n", out);
		return;
	}
	is_int(locales_fuzzy_count(l), 2, "two fuzzy entries counted");
	ok(locales_is_fuzzy(l, "ru", "a.two"), "a.two is fuzzy in ru");
	ok(!locales_is_fuzzy(l, "ru", "a.three"), "a.three is not");
	is_str(locales_text(l, "ru", "a.one"), "Привет", "the fuzzy text is loaded");
	ok(locales_text(l, "ru", "a.old") == NULL, "the obsolete one is not");
	struct buf b;
	buf_init(&b, 256);
	struct locale_var v[] = {{"time", "10:00"}, {"date", "01.02.2027"}};
	is_int(locales_render(l, "en", "a.three", v, 2, &b), 0, "a placeholder twice");
	is_str(b.data, "At 10:00, 01.02.2027 10:00", "both replaced");
	buf_cleanup(&b);
	locales_unref(l);
}

/* Every kind of error at once: each reported where it is, all counted. */
static void test_all_errors(void)
{
	char out[8192] = "";
	struct diag d;
	write_all_good();
	/* ky: an empty text (a.one, line 6) */
	write_po("ky", "msgid \"a.one\"\nmsgstr \"\"\n\n"
		       "msgid \"a.two\"\nmsgstr \"Калган аракет: {tries}\"\n\n"
		       "msgid \"a.three\"\nmsgstr \"{date} {time}\"\n");
	/* ru: a.three missing; a.two with an unbalanced brace (line 9) */
	write_po("ru", "msgid \"a.one\"\nmsgstr \"Привет\"\n\n"
		       "msgid \"a.two\"\nmsgstr \"Осталось: {tries\"\n");
	/* uz: an unknown placeholder (a.two, line 9) */
	write_po("uz", "msgid \"a.one\"\nmsgstr \"Salom\"\n\n"
		       "msgid \"a.two\"\nmsgstr \"Qolgan: {count}\"\n\n"
		       "msgid \"a.three\"\nmsgstr \"{date} {time}\"\n");
	/* kk: a key en.po does not have (a.four, line 15) */
	write_po("kk", BODY "\nmsgid \"a.four\"\nmsgstr \"Артық\"\n");
	/* tg: other placeholders than English (a.two, line 9; a.three, line 12) */
	write_po("tg", "msgid \"a.one\"\nmsgstr \"Салом\"\n\n"
		       "msgid \"a.two\"\nmsgstr \"Кӯшиш боқӣ нест\"\n\n"
		       "msgid \"a.three\"\nmsgstr \"{date} {minutes}\"\n");
	struct locales *l = load_dir(tmp, &d, out, sizeof out);
	ok(l == NULL, "a set with errors is refused");
	has_line(out, "/ky.po:6: a.one: the text (msgstr) is empty", "empty msgstr, file:line");
	has_line(out, "/ru.po: a.three is missing (en.po has it)", "missing key, in ru.po");
	has_line(out, "/ru.po:9: a.two: '{' without '}'", "unbalanced brace, file:line");
	has_line(out, "/uz.po:9: a.two: unknown placeholder {count}", "unknown placeholder");
	has_line(out, "/kk.po:15: a.four is not in en.po", "extra key, file:line");
	has_line(out, "/tg.po:9: a.two: placeholders none, but en.po has {tries}",
		 "a placeholder dropped");
	has_line(out,
		 "/tg.po:12: a.three: placeholders {minutes} {date}, but en.po has {time} "
		 "{date}",
		 "a placeholder changed");
	is_int(d.errors, 7, "all seven counted: the loader does not stop at the first");
	if (d.errors != 7)
		printf("# %s\n", out);
}

static void test_file_errors(void)
{
	char out[8192] = "";
	struct diag d;
	write_all_good();
	/* kk: PO syntax errors on lines 10 (a string not closed) and 12 */
	write_po("kk", "msgid \"a.one\"\nmsgstr \"Сәлем\"\n\n"
		       "msgid \"a.two\"\nmsgstr \"Қалды: {tries}\n\n"
		       "msgid \"a.three\" msgstr\nmsgstr \"{date} {time}\"\n");
	/* uz: the header says another language */
	write_file("uz.po", "msgid \"\"\nmsgstr \"Language: ru\\nContent-Type: text/plain; "
			    "charset=UTF-8\\n\"\n\n" BODY);
	/* tg: no file at all */
	char path[512];
	snprintf(path, sizeof path, "%s/tg.po", tmp);
	unlink(path);
	/* ky: a key defined twice (lines 6 and 15) */
	write_po("ky", BODY "\nmsgid \"a.one\"\nmsgstr \"Дагы\"\n");
	struct locales *l = load_dir(tmp, &d, out, sizeof out);
	ok(l == NULL, "refused");
	/* gettext (msgfmt too) puts an unterminated string on the line after it. */
	has_line(out, "/kk.po:11: end-of-line within string", "PO syntax error: file:line");
	has_line(out, "/kk.po:13: syntax error", "and the next one too");
	has_line(out, "/uz.po:1: the header says Language: ru, not uz", "wrong Language: header");
	has_line(out, "/tg.po: cannot open: No such file or directory", "missing file");
	has_line(out, "/ky.po:15: duplicate message definition", "a key defined twice");
	if (!ok(d.errors >= 5, "every one counted (%d)", d.errors))
		printf("# %s", out);

	/* en.po missing: the others are still read and checked on their own. */
	write_all_good();
	snprintf(path, sizeof path, "%s/en.po", tmp);
	unlink(path);
	write_po("ru", "msgid \"a.one\"\nmsgstr \"}\"\n");
	out[0] = '\0';
	l = load_dir(tmp, &d, out, sizeof out);
	ok(l == NULL, "no reference catalog: refused");
	has_line(out, "/en.po: cannot open", "en.po missing");
	has_line(out, "/ru.po:6: a.one: '}' without '{'", "other catalogs still checked");
	is_int(d.errors, 2, "no missing-key noise without a reference");
}

static void test_check_catalog(void)
{
	char out[4096] = "", path[512];
	struct diag d;
	snprintf(path, sizeof path, "%s/one.po", tmp);

	write_file("one.po", "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
			     "msgid \"x.y\"\nmsgstr \"{tries} and {name}\"\n");
	is_int(check_file(path, &d, out, sizeof out), 0, "one good catalog");

	struct {
		const char *text, *want, *what;
	} cases[] = {
	    {"", ": empty: a catalog needs", "an empty file"},
	    {"  \n\n", ": empty: a catalog needs", "a blank file"},
	    {"msgid \"x.y\"\nmsgstr \"Hi\"\n", ": no header entry", "no header"},
	    {"\xef\xbb\xbfmsgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n",
	     ":1: starts with a byte order mark", "a byte order mark"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=KOI8-R\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"Hi\"\n",
	     ":1: the header must say Content-Type: text/plain; charset=UTF-8", "not UTF-8"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"caf\xe9\"\n",
	     ":5: not valid UTF-8", "a line of broken UTF-8"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"\\377\"\n",
	     ":4: x.y: the text is not valid UTF-8", "broken UTF-8 through an escape"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"a\\tb\"\n",
	     ":4: x.y: the text has a control character", "a tab in a text"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "#. budget: 0\nmsgid \"x.y\"\nmsgstr \"Hi\"\n",
	     ":5: x.y: write the budget as \"#. budget: N\", N in 1..10", "a budget of 0 parts"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "#. en: Hi\n#. budget: 1 SMS\nmsgid \"x.y\"\nmsgstr \"Hi\"\n",
	     ":6: x.y: write the budget as", "a budget with words after it"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "#. budget:\nmsgid \"x.y\"\nmsgstr \"Hi\"\n",
	     ":5: x.y: write the budget as", "a budget without a number"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"Check in\"\nmsgstr \"Hi\"\n",
	     ":4: \"Check in\" is not a key", "an English sentence as msgid"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgid_plural \"x.ys\"\nmsgstr[0] \"a\"\nmsgstr[1] \"b\"\n",
	     ":4: x.y: plural forms are not used", "plural forms"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"{}\"\n",
	     ":4: x.y: unknown placeholder {}", "empty braces"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"{a{tries}\"\n",
	     ":4: x.y: '{' without '}'", "a brace inside a placeholder"},
	    {"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	     "msgid \"x.y\"\nmsgstr \"a\nmsgid \"x.z\"\nmsgstr \"b\"\n",
	     ":6: end-of-line within string", "an unterminated string (line 5, as msgfmt says)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file("one.po", cases[i].text);
		out[0] = '\0';
		int rc = check_file(path, &d, out, sizeof out);
		ok(rc == -1 && d.errors > 0, "%s: refused", cases[i].what);
		has_line(out, cases[i].want, cases[i].what);
	}

	out[0] = '\0';
	is_int(check_file(tmp, &d, out, sizeof out), -1, "a directory is refused");
	has_line(out, ": not a regular file", "before libgettextpo sees it");

	/* Three problems in one file: all reported. */
	write_file("one.po", "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
			     "msgid \"x.a\"\nmsgstr \"\"\n\n"
			     "msgid \"x.b\"\nmsgstr \"{oops} }\"\n");
	out[0] = '\0';
	check_file(path, &d, out, sizeof out);
	is_int(d.errors, 3, "three problems, three errors");
	unlink(path);
}

int main(void)
{
	test_shipped();
	test_lookup_and_render();

	snprintf(tmp, sizeof tmp, "%s/t_locale.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	test_good_tmp();
	test_all_errors();
	test_file_errors();
	test_check_catalog();
	for (size_t i = 0; i < LANGS; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s.po", tmp, langs[i]);
		unlink(path);
	}
	rmdir(tmp);
	return tap_done();
}
