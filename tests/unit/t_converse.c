/* Unit tests for gateway/converse.c (with actions.c, session.c and the
 * shipped flows and catalogs) against a real SQLite database: each message
 * goes through converse() inside its own transaction, as chabard's
 * /kannel/mo handler does, and the replies are compared with the catalog
 * texts. Unknown numbers, a whole check-in, PIN lock-out and the officer's
 * alert, appointments, language choice, STOP/START, CANCEL, idle expiry,
 * transliteration, the reply's coding and hostile input. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "actions.h"
#include "converse.h"
#include "flow_load.h"
#include "gsm.h"
#include "pin.h"
#include "db.h"
#include "tap.h"
#include "translit.h"

#define PIN_KEY "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90"

/* 2026-11-25 08:00 UTC, 14:00 in Bishkek (UTC+6). */
#define T0 1795593600
/* The next appointment: 2026-12-01 04:30 UTC, 10:30 in Bishkek. */
#define APPOINTMENT 1796099400
/* One already past: 2026-11-20. */
#define PAST_APPOINTMENT 1795149000

#define OFFICER  "996700000001"
#define AIBEK    "996555000001" /* English, has an appointment */
#define BAKYT    "996555000002" /* English, gets locked out, no appointment */
#define CHOLPON  "996555000003" /* Kyrgyz, Latin letters */
#define DINARA   "996555000004" /* Russian, by her district */
#define ELMIRA   "996555000005" /* a liaison, not supervised */
#define FARIDA   "996555000006" /* enrolled without a PIN yet */
#define GULNARA  "996555000007" /* an appointment at the longest place */
#define STRANGER "996777000009" /* not enrolled */
#define PIN      "1234"

static char dir[] = "/tmp/t_converse.XXXXXX";
static char path[256];
static struct store *store;
static struct cfg *cfg;
static struct flow_set *flows;
static struct locales *locales;
static int64_t now = T0;

/* The last reply. */
static struct {
	int rc;
	char text[CONVERSE_REPLY_MAX + 1];
	size_t len;
	const char *key;
	bool ucs2;
	int64_t message_id;
} got;

/* One inbound message of len bytes (text NULL: not text), ten seconds
 * after the previous one: stored, conversed and committed as the pipeline
 * (inbound.c) does, its session loaded before and saved after (on a clock
 * of the test's own). */
static void sms_len(const char *msisdn, const char *text, size_t len)
{
	now += 10;
	static struct store_session session;
	memset(&session, 0, sizeof session);
	struct converse_ctx ctx = {store, cfg, flows, locales};
	struct converse_input in = {.msisdn = msisdn,
				    .channel = "sms",
				    .text = text,
				    .len = len,
				    .now = now,
				    .idle = 900,
				    .session = &session};
	struct store_message mo = {
	    .channel = "sms",
	    .msisdn = msisdn,
	    .text = text ? text : "",
	    .text_len = text ? len : 0,
	    .text_is_utf8 = text != NULL,
	    .status = "received",
	    .created_at = now,
	};
	struct converse_reply reply = {0};
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	memset(&got, 0, sizeof got);
	got.rc = store_begin(store);
	int found = got.rc == 0 ? store_session_get(store, msisdn, "sms", &session) : -1;
	if (got.rc == 0)
		got.rc = found < 0 ? found : store_add_message(store, &mo, &in.message_id);
	if (got.rc == 0)
		got.rc = converse(&ctx, &in, &reply);
	if (got.rc == 0)
		got.rc = reply.waiting ? store_session_save(store, msisdn, "sms", &session, now)
			 : found == 1  ? store_session_delete(store, msisdn, "sms")
				       : 0;
	if (got.rc == 0) {
		struct store_message mt = {
		    .outbound = true,
		    .channel = "sms",
		    .msisdn = msisdn,
		    .text = reply.text.data ? reply.text.data : "",
		    .text_len = reply.text.len,
		    .text_is_utf8 = true,
		    .coding = reply.ucs2 ? 2 : 0,
		    .status = "replied",
		    .in_reply_to = in.message_id,
		    .created_at = now,
		};
		got.rc = store_add_message(store, &mt, NULL);
	}
	if (got.rc == 0)
		got.rc = store_commit(store);
	if (got.rc != 0) {
		printf("# store failed: %s\n", store_errmsg(store));
		store_rollback(store);
	}
	got.len = reply.text.len < CONVERSE_REPLY_MAX ? reply.text.len : CONVERSE_REPLY_MAX;
	if (reply.text.data)
		memcpy(got.text, reply.text.data, got.len);
	got.text[got.len] = '\0';
	got.key = reply.key;
	got.ucs2 = reply.ucs2;
	got.message_id = in.message_id;
	buf_cleanup(&reply.text);
}

static void sms(const char *msisdn, const char *text)
{
	sms_len(msisdn, text, strlen(text));
}

/* A catalog text rendered with name, value pairs (NULL-terminated); four
 * rotating buffers so several can be used at once. */
static const char *text_in(const char *lang, const char *key, ...)
{
	static char bufs[4][CONVERSE_REPLY_MAX + 1];
	static int next;
	char *out = bufs[next++ % 4];
	struct locale_var vars[8];
	size_t n = 0;
	va_list ap;
	va_start(ap, key);
	for (const char *name; n < 8 && (name = va_arg(ap, const char *)) != NULL; n++)
		vars[n] = (struct locale_var){name, va_arg(ap, const char *)};
	va_end(ap);
	struct buf b;
	buf_init(&b, CONVERSE_REPLY_MAX);
	int rc = locales_render(locales, lang, key, vars, n, &b);
	snprintf(out, CONVERSE_REPLY_MAX + 1, "%s", rc == 0 && b.data ? b.data : "(render failed)");
	buf_cleanup(&b);
	return out;
}

/* The reply is key in lang (rendered as text_in). */
#define expect(lang_, key_, ...)                                                                   \
	do {                                                                                       \
		is_int(got.rc, 0, "converse and commit succeed");                                  \
		is_str(got.key, key_, "answered with %s", key_);                                   \
		is_str(got.text, text_in(lang_, key_, __VA_ARGS__), "  as the %s text", lang_);    \
	} while (0)

static int64_t query_int(const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2
								      : sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	} else {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return n;
}

/* The first column of the first row as text ("" if none). */
static const char *query_text(const char *fmt, ...)
{
	static char out[1024];
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	out[0] = '\0';
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	} else {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return out;
}

static void execute(const char *sql)
{
	sqlite3 *db;
	char *err = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		printf("# %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_close(db);
}

static bool has_session(const char *msisdn)
{
	struct store_session s;
	return store_session_get(store, msisdn, "sms", &s) == 1;
}

/* The linter's worst-case value of a placeholder. */
static const char *worst(const char *name)
{
	static const struct locale_var values[] = {
#define X(n, v) {#n, v},
	    LOCALE_PLACEHOLDERS(X)
#undef X
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (strcmp(values[i].name, name) == 0)
			return values[i].value;
	return "";
}

static int setup(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/chabar.db", dir);
	struct diag d;
	diag_init(&d, stdout);
	cfg = cfg_load_string("[kannel]\nkey = b3671098ae14e76e0656\n"
			      "[conversation]\npin_key = " PIN_KEY "\n"
			      "flows = " FLOWS_DIR "\nlocales = " LOCALES_DIR "\n"
			      "default_language = en\nsession_idle = 900\n"
			      "pin_attempts = 3\npin_lock_minutes = 30\n",
			      "t.conf", &d);
	flows = flow_load_dir(FLOWS_DIR, &d);
	locales = locales_load(LOCALES_DIR, &d);
	char err[512] = "";
	store = store_open(path, CFG_SYNC_NORMAL, err, sizeof err);
	if (!cfg || !flows || !locales || !store) {
		printf("# setup: %s\n", err);
		return -1;
	}

	struct {
		const char *msisdn, *name, *role, *language, *district;
	} people[] = {
	    {AIBEK, "Aibek Testov", "supervised", "en", "osh"},
	    {BAKYT, "Bakyt Lockme", "supervised", "en", "osh"},
	    {CHOLPON, "Cholpon Latin", "supervised", "ky", "osh"},
	    {DINARA, "Dinara Russian", "supervised", NULL, "chui"},
	    {ELMIRA, "Elmira Liaison", "liaison", "en", "osh"},
	    {FARIDA, "Farida NoPin", "supervised", "en", "osh"},
	    {GULNARA, "Жылдызкан Абдыкадырова", "supervised", "en", "osh"},
	};
	int rc = store_begin(store);
	rc |= store_district_add(store, "osh", "Osh", "ky", "Asia/Bishkek");
	rc |= store_district_add(store, "chui", "Chui", "ru", "Asia/Bishkek");
	rc |= store_officer_add(store, "osh", "Officer One", OFFICER, "en", "officer", now);
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		char hash[PIN_HASH_SIZE];
		pin_hash(cfg->keys.pin, people[i].msisdn, PIN, hash);
		struct store_new_person p = {
		    .msisdn = people[i].msisdn,
		    .name = people[i].name,
		    .role = people[i].role,
		    .language = people[i].language,
		    .district = people[i].district,
		    .officer = OFFICER,
		    .pin_hash = strcmp(people[i].msisdn, FARIDA) ? hash : NULL,
		};
		rc |= store_person_add(store, &p, now);
	}
	rc |= store_appointment_add(store, AIBEK, PAST_APPOINTMENT, "Old office", now) < 0;
	rc |= store_appointment_add(store, AIBEK, APPOINTMENT, "Office 12", now) < 0;
	rc |= store_appointment_add(store, GULNARA, APPOINTMENT, worst("place"), now) < 0;
	if (rc != 0 || store_commit(store) != 0) {
		printf("# enrolment failed: %s\n", store_errmsg(store));
		return -1;
	}
	return 0;
}

static void teardown(void)
{
	store_free(store);
	flow_set_unref(flows);
	locales_unref(locales);
	cfg_unref(cfg);
	db_remove(dir);
	ok(access(dir, F_OK) != 0, "temporary directory removed");
}

static void test_unknown_number(void)
{
	sms(STRANGER, "hello");
	expect("en", "global.unknown", NULL);
	ok(!got.ucs2, "English goes as GSM 7-bit");
	sms(STRANGER, "CHECKIN");
	expect("en", "global.not_enrolled", NULL);
	sms(STRANGER, "next");
	expect("en", "global.not_enrolled", NULL);
	sms(STRANGER, "HELP");
	expect("en", "global.help", NULL);
	ok(!has_session(STRANGER), "no session for a number that only asked");
	is_int(query_int("SELECT count(*) FROM contacts"), 0, "asking creates no contact");

	/* A liaison is enrolled but not supervised: no check-in. */
	sms(ELMIRA, "CHECKIN");
	expect("en", "global.not_enrolled", NULL);
}

static void test_checkin(void)
{
	char time_now[6], date[11];
	int64_t before = query_int("SELECT count(*) FROM checkins");

	sms(AIBEK, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	ok(has_session(AIBEK), "a session waits for the PIN");
	sms(AIBEK, "12");
	expect("en", "checkin.pin_format", "tries", "2", NULL);
	sms(AIBEK, "9999");
	expect("en", "checkin.pin_wrong", "tries", "2", NULL);
	is_int(query_int("SELECT pin_failures FROM persons WHERE msisdn = '%s'", AIBEK), 1,
	       "the wrong PIN is counted");
	ok(!strstr(query_text("SELECT vars FROM sessions WHERE msisdn = '%s'", AIBEK), "9999"),
	   "the PIN is not kept in the stored session");
	sms(AIBEK, " " PIN " ");
	is_int(got.rc, 0, "the right PIN");
	is_str(got.key, "checkin.where", "leads to the where-menu");
	char menu[512];
	snprintf(menu, sizeof menu, "%s\n1 %s\n2 %s\n3 %s", text_in("en", "checkin.where", NULL),
		 text_in("en", "checkin.at_home", NULL), text_in("en", "checkin.at_work", NULL),
		 text_in("en", "checkin.elsewhere", NULL));
	is_str(got.text, menu, "  with its options one a line");
	ok(strstr(got.text, "\n1 ") && strstr(got.text, "\n3 "), "  \"\\n1 \" … \"\\n3 \"");
	is_int(query_int("SELECT pin_failures FROM persons WHERE msisdn = '%s'", AIBEK), 0,
	       "the right PIN clears the failures");
	ok(!strstr(query_text("SELECT vars FROM sessions WHERE msisdn = '%s'", AIBEK), PIN),
	   "the right PIN is not kept either");

	sms(AIBEK, "7");
	expect("en", "checkin.where_invalid", "tries", "2", NULL);
	sms(AIBEK, "2");
	actions_local_time("Asia/Bishkek", now, time_now, date);
	is_str(time_now, "14:01", "the local time of the check-in (UTC+6)");
	char receipt[16];
	snprintf(receipt, sizeof receipt, "%s",
		 query_text("SELECT receipt FROM checkins ORDER BY id DESC LIMIT 1"));
	expect("en", "checkin.done", "time", time_now, "receipt", receipt, "next_appointment",
	       "01.12.2026 10:30", NULL);
	ok(strlen(receipt) == 9 && receipt[4] == '-', "with its receipt, as the ledger keeps it");
	is_int(query_int("SELECT length(hash) FROM checkins ORDER BY id DESC LIMIT 1"), 64,
	       "and its link in the chain");
	is_int(query_int("SELECT count(*) FROM checkins"), before + 1, "one check-in recorded");
	is_str(query_text("SELECT location FROM checkins ORDER BY id DESC LIMIT 1"), "work",
	       "at work");
	is_int(query_int("SELECT at FROM checkins ORDER BY id DESC LIMIT 1"), now, "at now");
	is_int(query_int("SELECT message_id FROM checkins ORDER BY id DESC LIMIT 1"),
	       got.message_id, "pointing at the message that answered");
	is_str(query_text("SELECT p.msisdn FROM checkins c JOIN persons p ON p.id = c.person_id"
			  " ORDER BY c.id DESC LIMIT 1"),
	       AIBEK, "for the right person");
	ok(!has_session(AIBEK), "the session is gone afterwards");
	is_int(query_int("SELECT count(*) FROM sessions WHERE msisdn = '%s'", AIBEK), 0,
	       "  also in the table");

	/* Home, with the trigger's own line; Russian by the district. */
	sms(DINARA, "отметка");
	expect("ru", "checkin.ask_pin", NULL);
	ok(got.ucs2, "Russian needs UCS-2");
	sms(DINARA, PIN);
	sms(DINARA, "1");
	actions_local_time("Asia/Bishkek", now, time_now, date);
	snprintf(receipt, sizeof receipt, "%s",
		 query_text("SELECT receipt FROM checkins ORDER BY id DESC LIMIT 1"));
	expect("ru", "checkin.done", "time", time_now, "receipt", receipt, "next_appointment", "-",
	       NULL);
	is_str(query_text("SELECT location FROM checkins ORDER BY id DESC LIMIT 1"), "home",
	       "  at home");
}

static void test_lockout(void)
{
	int64_t alerts = query_int("SELECT count(*) FROM outbox WHERE kind = 'alert'");
	sms(BAKYT, "CHECKIN");
	sms(BAKYT, "1111");
	expect("en", "checkin.pin_wrong", "tries", "2", NULL);
	sms(BAKYT, "2222");
	expect("en", "checkin.pin_wrong", "tries", "1", NULL);
	sms(BAKYT, "3333");
	int64_t locked_at = now;
	expect("en", "checkin.locked", "minutes", "30", NULL);
	ok(!has_session(BAKYT), "the conversation ends");
	is_int(query_int("SELECT locked_until FROM persons WHERE msisdn = '%s'", BAKYT),
	       locked_at + 30 * 60, "locked_until is set 30 minutes ahead");
	is_int(query_int("SELECT pin_failures FROM persons WHERE msisdn = '%s'", BAKYT), 0,
	       "and the failures start again");
	is_int(query_int("SELECT count(*) FROM outbox WHERE kind = 'alert'"), alerts + 1,
	       "one alert is queued");
	is_str(query_text("SELECT msisdn FROM outbox WHERE kind = 'alert' ORDER BY id DESC"),
	       OFFICER, "to the officer's number");
	char ref[16];
	snprintf(
	    ref, sizeof ref, "%s",
	    query_text("SELECT ref FROM incidents WHERE kind = 'pin_lockout' ORDER BY id DESC"));
	const char *alert =
	    query_text("SELECT text FROM outbox WHERE kind = 'alert' ORDER BY id DESC");
	ok(strstr(alert, "Bakyt Lockme") != NULL, "naming the person: %s", alert);
	is_str(alert, text_in("en", "alert.pin_locked", "name", "Bakyt Lockme", "ref", ref, NULL),
	       "in the officer's language, with the lockout's reference to answer OK");
	is_str(query_text("SELECT status FROM outbox WHERE kind = 'alert' ORDER BY id DESC"),
	       "queued", "queued for sending");
	is_int(query_int("SELECT related_id FROM outbox WHERE kind = 'alert' ORDER BY id DESC"),
	       query_int("SELECT id FROM persons WHERE msisdn = '%s'", BAKYT),
	       "related to the person");

	/* What a locked-out person types is not kept either. */
	ok(!strstr(query_text("SELECT group_concat(vars) FROM sessions"), "3333"),
	   "no session holds the last PIN");

	/* Two minutes later the right PIN is still locked out. */
	now = locked_at + 110;
	sms(BAKYT, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	sms(BAKYT, PIN);
	expect("en", "checkin.locked", "minutes", "28", NULL);
	is_int(query_int("SELECT count(*) FROM outbox WHERE kind = 'alert'"), alerts + 1,
	       "no second alert");
	is_int(query_int("SELECT count(*) FROM checkins c JOIN persons p ON p.id = c.person_id"
			 " WHERE p.msisdn = '%s'",
			 BAKYT),
	       0, "no check-in");

	/* After the lock the right PIN works again. */
	now = locked_at + 30 * 60;
	sms(BAKYT, "CHECKIN");
	sms(BAKYT, PIN);
	is_str(got.key, "checkin.where", "after 30 minutes the right PIN is accepted");
	sms(BAKYT, "3");
	is_str(got.key, "checkin.done", "and the check-in is recorded");
	is_str(query_text("SELECT location FROM checkins ORDER BY id DESC LIMIT 1"), "other",
	       "  elsewhere");
}

/* Someone enrolled before a PIN was set cannot check in, and what they
 * type is never stored. */
static void test_no_pin(void)
{
	sms(FARIDA, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	sms(FARIDA, "4321");
	is_int(got.rc, 0, "a PIN from a person without one");
	ok(strcmp(got.key, "checkin.where") != 0, "is not accepted (%s)", got.key);
	ok(!strstr(query_text("SELECT vars FROM sessions WHERE msisdn = '%s'", FARIDA), "4321"),
	   "and is not kept in the stored session");
	is_int(query_int("SELECT count(*) FROM messages WHERE direction = 'out' AND msisdn = '%s'"
			 " AND text LIKE '%%4321%%'",
			 FARIDA),
	       0, "nor echoed in a reply");
	sms(FARIDA, "CANCEL");
	ok(!has_session(FARIDA), "CANCEL ends it");
}

static void test_appointment(void)
{
	sms(AIBEK, "NEXT");
	expect("en", "appointment.next", "date", "01.12.2026", "time", "10:30", "place",
	       "Office 12", NULL);
	ok(!has_session(AIBEK), "an answer with no question leaves no session");
	sms(BAKYT, "next");
	expect("en", "appointment.none", NULL);
	/* The longest place the linter allows for is carried through. */
	sms(GULNARA, "NEXT");
	expect("en", "appointment.next", "date", "01.12.2026", "time", "10:30", "place",
	       worst("place"), NULL);
	sms(GULNARA, "CHECKIN");
	sms(GULNARA, PIN);
	sms(GULNARA, "1");
	is_str(got.key, "checkin.done", "a check-in with that appointment next is confirmed");
	/* Every worst-case value fits a session variable. */
	struct flow_session vars = {0};
	bool fit = true;
#define X(n, v) fit &= flow_var_set(&vars, "v", v, strlen(v)) == 0;
	LOCALE_PLACEHOLDERS(X)
#undef X
	ok(fit, "every LOCALE_PLACEHOLDERS value fits FLOW_VAR_VALUE_MAX");

	/* Once it is past, there is none. */
	now = APPOINTMENT;
	sms(AIBEK, "NEXT");
	expect("en", "appointment.none", NULL);
}

static void test_language(void)
{
	/* A number that is not enrolled: the menu, then a choice. */
	sms(STRANGER, "LANG");
	is_int(got.rc, 0, "LANG");
	is_str(got.key, "language.menu", "shows the language menu");
	ok(strncmp(got.text, text_in("en", "language.menu", NULL),
		   strlen(text_in("en", "language.menu", NULL))) == 0 &&
	       strstr(got.text, "\n2 Русский") && strstr(got.text, "\n6 English"),
	   "  with every language in its own name");
	ok(got.ucs2, "  which needs UCS-2");
	sms(STRANGER, "2");
	expect("ru", "language.set", NULL);
	ok(got.ucs2, "  in UCS-2");
	is_str(query_text("SELECT language FROM contacts WHERE msisdn = '%s'", STRANGER), "ru",
	       "the contact's language is stored");
	sms(STRANGER, "hello");
	expect("ru", "global.unknown", NULL);
	ok(got.ucs2, "a Cyrillic reply is UCS-2");

	/* An enrolled person, at once. */
	sms(AIBEK, "LANG RU");
	expect("ru", "language.set", NULL);
	is_str(query_text("SELECT language FROM persons WHERE msisdn = '%s'", AIBEK), "ru",
	       "the person's language is stored");
	is_int(query_int("SELECT count(*) FROM contacts WHERE msisdn = '%s'", AIBEK), 0,
	       "  not as a contact");
	sms(AIBEK, "hello");
	expect("ru", "global.unknown", NULL);
	sms(AIBEK, "lang en");
	expect("en", "language.set", NULL);
	ok(!got.ucs2, "back in English, GSM 7-bit");
	sms(AIBEK, "hello");
	expect("en", "global.unknown", NULL);

	/* LANG in the middle of a check-in takes over. */
	sms(AIBEK, "CHECKIN");
	sms(AIBEK, "LANG XX");
	is_str(got.key, "language.menu", "LANG with an unknown code shows the menu");
	sms(AIBEK, "9");
	expect("en", "language.invalid", "tries", "1", NULL);
	sms(AIBEK, "9");
	expect("en", "global.try_later", NULL);
	ok(!has_session(AIBEK), "and gives up");
	is_str(query_text("SELECT language FROM persons WHERE msisdn = '%s'", AIBEK), "en",
	       "  leaving the language as it was");
}

static void test_stop_start(void)
{
	sms(AIBEK, "STOP");
	expect("en", "global.stopped", NULL);
	is_int(query_int("SELECT opted_out FROM persons WHERE msisdn = '%s'", AIBEK), 1,
	       "the person opted out");
	sms(AIBEK, "CHECKIN");
	expect("en", "global.opted_out", NULL);
	ok(!has_session(AIBEK), "no check-in starts");
	sms(AIBEK, "HELP");
	expect("en", "global.help", NULL);
	sms(AIBEK, "START");
	expect("en", "global.started", NULL);
	is_int(query_int("SELECT opted_out FROM persons WHERE msisdn = '%s'", AIBEK), 0,
	       "the person opted in");
	sms(AIBEK, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	/* STOP in the middle of a conversation ends it. */
	sms(AIBEK, "stop");
	expect("en", "global.stopped", NULL);
	ok(!has_session(AIBEK), "STOP ends the check-in");
	sms(AIBEK, PIN);
	expect("en", "global.unknown", NULL);
	sms(AIBEK, "start");

	/* A number that is not enrolled becomes a contact. */
	sms(STRANGER, "СТОП");
	expect("ru", "global.stopped", NULL);
	is_int(query_int("SELECT opted_out FROM contacts WHERE msisdn = '%s'", STRANGER), 1,
	       "the contact opted out");
	sms(STRANGER, "CHECKIN");
	expect("ru", "global.opted_out", NULL);
	sms(STRANGER, "START");
	expect("ru", "global.started", NULL);
	is_int(query_int("SELECT opted_out FROM contacts WHERE msisdn = '%s'", STRANGER), 0,
	       "and in again");
	is_str(query_text("SELECT language FROM contacts WHERE msisdn = '%s'", STRANGER), "ru",
	       "  keeping its language");
}

static void test_cancel(void)
{
	sms(AIBEK, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	sms(AIBEK, "cancel");
	expect("en", "global.cancelled", NULL);
	ok(!has_session(AIBEK), "CANCEL ends the check-in");
	sms(AIBEK, PIN);
	expect("en", "global.unknown", NULL);
	sms(AIBEK, "CANCEL");
	expect("en", "global.cancelled", NULL);
}

static void test_expiry(void)
{
	int64_t failures = query_int("SELECT pin_failures FROM persons WHERE msisdn = '%s'", AIBEK);
	int64_t checkins = query_int("SELECT count(*) FROM checkins");
	sms(AIBEK, "CHECKIN");
	int64_t started = now;
	is_int(query_int("SELECT expires_at FROM sessions WHERE msisdn = '%s'", AIBEK),
	       started + 900, "the session expires after session_idle");
	now = started + 900 + 1 - 10; /* sms() adds 10 */
	sms(AIBEK, "9999");
	expect("en", "global.expired", NULL);
	is_int(query_int("SELECT pin_failures FROM persons WHERE msisdn = '%s'", AIBEK), failures,
	       "the late answer is not taken as a PIN");
	ok(!has_session(AIBEK), "the expired session is removed");
	sms(AIBEK, PIN);
	expect("en", "global.unknown", NULL);
	is_int(query_int("SELECT count(*) FROM checkins"), checkins, "nothing is recorded");

	/* An answer exactly at the expiry time still counts. */
	sms(AIBEK, "CHECKIN");
	now += 900 - 10;
	sms(AIBEK, PIN);
	is_str(got.key, "checkin.where", "an answer at the last second goes on");
	/* A keyword after expiry simply starts afresh. */
	now += 901;
	sms(AIBEK, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	sms(AIBEK, "CANCEL");
}

static bool has_cyrillic(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s == 0xd0 || (unsigned char)*s == 0xd1 ||
		    (unsigned char)*s == 0xd2 || (unsigned char)*s == 0xd3)
			return true;
	return false;
}

static bool has_latin_letters(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
	return n >= 10;
}

static void test_transliteration(void)
{
	sms(CHOLPON, "hello");
	expect("ky", "global.unknown", NULL);
	ok(got.ucs2, "Kyrgyz in Cyrillic needs UCS-2");

	execute("UPDATE persons SET transliterate = 1 WHERE msisdn = '" CHOLPON "'");
	sms(CHOLPON, "hello");
	is_int(got.rc, 0, "with Latin letters asked for");
	is_str(got.key, "global.unknown", "the same text");
	ok(!got.ucs2, "goes as GSM 7-bit");
	ok(!has_cyrillic(got.text) && has_latin_letters(got.text), "in Latin letters: %s",
	   got.text);
	struct buf latin;
	buf_init(&latin, CONVERSE_REPLY_MAX);
	const char *ky = text_in("ky", "global.unknown", NULL);
	translit_to_latin("ky", ky, strlen(ky), &latin);
	is_str(got.text, latin.data, "by the Kyrgyz rules");
	buf_cleanup(&latin);
	struct gsm_fit fit;
	ok(gsm_measure(got.text, got.len, &fit) == 0 && fit.coding == GSM_CODING_GSM7,
	   "and it measures as GSM 7-bit");

	/* A menu with its options, transliterated as a whole. */
	sms(CHOLPON, "CHECKIN");
	sms(CHOLPON, PIN);
	is_str(got.key, "checkin.where", "the where-menu");
	ok(!got.ucs2 && !has_cyrillic(got.text) && strstr(got.text, "\n1 "),
	   "  in Latin letters with its options");
	sms(CHOLPON, "1");
	is_str(got.key, "checkin.done", "  and the check-in");
	ok(!got.ucs2 && !has_cyrillic(got.text), "  confirmed in GSM 7-bit: %s", got.text);

	execute("UPDATE persons SET transliterate = 0 WHERE msisdn = '" CHOLPON "'");
	sms(CHOLPON, "hello");
	ok(got.ucs2 && has_cyrillic(got.text), "switched off, Cyrillic again");
}

static void test_hostile(void)
{
	sms_len(STRANGER, NULL, 0);
	expect("ru", "global.unknown", NULL);
	sms_len(AIBEK, NULL, 0);
	expect("en", "global.unknown", NULL);

	static const char bad[] = "\xff\xfe\xc0\x80 CHECKIN \xed\xa0\x80";
	sms_len(AIBEK, bad, sizeof bad - 1);
	expect("en", "global.unknown", NULL);
	sms_len(AIBEK, "CHECKIN\xff", 8);
	is_int(got.rc, 0, "CHECKIN with a bad byte after it");
	ok(got.key != NULL, "  is answered (%s)", got.key ? got.key : "-");
	sms(AIBEK, "CANCEL");

	sms_len(AIBEK, "", 0);
	expect("en", "global.unknown", NULL);
	sms(AIBEK, "   \n\t ");
	expect("en", "global.unknown", NULL);
	static const char nul[] = {'C', 'H', 'E', 'C', 'K', 'I', 'N', '\0', '1'};
	sms_len(AIBEK, nul, sizeof nul);
	is_int(got.rc, 0, "a NUL byte in the text is survived");
	sms(AIBEK, "CANCEL");

	/* In the middle of a check-in: no text and invalid text are wrong answers. */
	sms(AIBEK, "CHECKIN");
	sms_len(AIBEK, NULL, 0);
	expect("en", "checkin.pin_format", "tries", "2", NULL);
	sms_len(AIBEK, "\xff\xff\xff\xff", 4);
	expect("en", "checkin.pin_format", "tries", "1", NULL);
	sms_len(AIBEK, "\xff\xff\xff\xff", 4);
	expect("en", "global.try_later", NULL);
	ok(!has_session(AIBEK), "retries run out");

	/* 4000 bytes: Cyrillic, ASCII, a keyword first, and in a session. */
	static char big[4001];
	for (size_t i = 0; i + 1 < sizeof big; i += 2)
		memcpy(big + i, "я", 2);
	sms_len(AIBEK, big, 4000);
	expect("en", "global.unknown", NULL);
	memset(big, 'x', 4000);
	sms_len(AIBEK, big, 4000);
	expect("en", "global.unknown", NULL);
	memcpy(big, "CHECKIN ", 8);
	sms_len(AIBEK, big, 4000);
	is_int(got.rc, 0, "a 4000-byte CHECKIN");
	is_str(got.key, "checkin.ask_pin", "  starts the check-in");
	memset(big, '1', 4000);
	sms_len(AIBEK, big, 4000);
	expect("en", "checkin.pin_format", "tries", "2", NULL);
	sms(AIBEK, "CANCEL");
	memset(big, ' ', 4000);
	memcpy(big + 1996, PIN, 4);
	sms(AIBEK, "CHECKIN");
	sms_len(AIBEK, big, 4000);
	is_str(got.key, "checkin.where", "a PIN padded to 4000 bytes is still a PIN");
	sms(AIBEK, "CANCEL");
}

/* A session whose flow or node has gone (a reload) is expired, not a crash. */
static void test_stale_session(void)
{
	sms(AIBEK, "CHECKIN");
	execute("UPDATE sessions SET node = 'removed' WHERE msisdn = '" AIBEK "'");
	sms(AIBEK, PIN);
	expect("en", "global.expired", NULL);
	ok(!has_session(AIBEK), "the stale session is removed");
	sms(AIBEK, "CHECKIN");
	execute("UPDATE sessions SET vars = "
		"'a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17'"
		" WHERE msisdn = '" AIBEK "'");
	sms(AIBEK, PIN);
	expect("en", "global.expired", NULL);
}

/* The answer a reminder opened (reminder.flow) gives way to a keyword the
 * person sends; without one, 1 confirms the appointment it was about. */
static void test_reminder_answer(void)
{
	now = APPOINTMENT - 86400; /* the day before */
	char sql[256];
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO sessions (msisdn, channel, flow, node, vars, started_at, updated_at,"
	    " expires_at) VALUES ('" AIBEK "', 'sms', 'reminder', 'choose', 'appointment=%lld',"
	    " %lld, %lld, %lld)",
	    (long long)query_int("SELECT id FROM appointments WHERE starts_at = %d", APPOINTMENT),
	    (long long)now, (long long)now, (long long)now + 86400);
	execute(sql);
	sms(AIBEK, "CHECKIN");
	expect("en", "checkin.ask_pin", NULL);
	is_str(query_text("SELECT flow FROM sessions WHERE msisdn = '%s'", AIBEK), "checkin",
	       "CHECKIN while a reminder waits for its answer: the check-in goes on");
	sms(AIBEK, "CANCEL");
	execute(sql);
	sms(AIBEK, "1");
	is_str(query_text("SELECT answer FROM appointments WHERE starts_at = %d", APPOINTMENT),
	       "confirmed", "1: the appointment reminded of is confirmed");
}

int main(void)
{
	if (setup() < 0) {
		printf("Bail out! setup failed\n");
		return 1;
	}
	test_unknown_number();
	test_checkin();
	test_lockout();
	test_no_pin();
	test_appointment();
	test_language();
	test_stop_start();
	test_cancel();
	test_expiry();
	test_transliteration();
	test_hostile();
	test_stale_session();
	test_reminder_answer();
	teardown();
	return tap_done();
}
