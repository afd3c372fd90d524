/* Unit tests for gateway/inbound.c, the one pipeline: a message from each
 * channel applied directly (no HTTP) to a real SQLite file with the shipped
 * flows and catalogs. A repeat is channel, sender and network id together
 * and changes nothing; what could be a PIN is never kept as typed, over SMS
 * and USSD; USSD standing (new, continued, lost, timed out) and an abort;
 * and the pipeline never commits (the caller does). */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "inbound.h"
#include "lint.h"
#include "pin.h"
#include "db.h"
#include "tap.h"

#ifndef FLOWS_DIR
#error "FLOWS_DIR and LOCALES_DIR must name the shipped flows and catalogs"
#endif

#define PIN_KEY "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90"
#define PERSON  "996555400001"
#define OTHER   "996555400002"

static char dir[] = "/tmp/t_inbound.XXXXXX";
static char path[300];
static struct daemon d;
static struct inbound_outcome out;

static int64_t count(const char *sql)
{
	return db_int(path, sql);
}

/* Applies in inside its own committed transaction; the outcome in out. */
static int apply(const struct inbound *in)
{
	buf_cleanup(&out.text);
	memset(&out, 0, sizeof out);
	buf_init(&out.text, CONVERSE_REPLY_MAX);
	if (store_begin(d.store) < 0)
		return STORE_ERROR;
	int rc = inbound_apply(&d, in, &out);
	if (rc < 0) {
		store_rollback(d.store);
		return rc;
	}
	return store_commit(d.store);
}

static struct inbound sms(const char *from, const char *id, const char *text)
{
	return (struct inbound){.channel = "sms",
				.msisdn = from,
				.peer = "384",
				.network_id = id,
				.text = text,
				.len = strlen(text),
				.text_is_utf8 = true};
}

static struct inbound ussd(const char *session, const char *id, const char *text)
{
	return (struct inbound){.channel = "ussd-at",
				.msisdn = PERSON,
				.peer = "*384*1#",
				.network_id = id,
				.text = text,
				.len = strlen(text),
				.text_is_utf8 = true,
				.session_id = session,
				.service_code = "*384*1#",
				.history = true};
}

/* The answer is key's English text (up to its first placeholder). */
static bool says(const char *key)
{
	const char *want = locales_text(d.locales, "en", key);
	return want && out.text.data && strncmp(out.text.data, want, strcspn(want, "{")) == 0;
}

static void test_sms_and_repeats(void)
{
	struct inbound a = sms(PERSON, "n-1", "HELP");
	is_int(apply(&a), 0, "an SMS is applied");
	ok(says("global.help") && !out.repeat, "and answered with HELP");
	is_int(count("SELECT count(*) FROM messages"), 2, "the MO and its reply are rows");
	is_int(apply(&a), 0, "the same message again");
	ok(out.repeat && says("global.help"), "is a repeat, answered as before");
	is_int(count("SELECT count(*) FROM messages"), 2, "and writes nothing");

	struct inbound b = sms(OTHER, "n-1", "NEXT");
	is_int(apply(&b), 0, "another number with the same network id");
	ok(!out.repeat && says("appointment.none"), "is a message of its own, not a repeat");
	struct inbound c = a;
	c.channel = "ussd-smpp";
	c.session_id = NULL;
	is_int(apply(&c), 0, "the same id on another channel");
	ok(!out.repeat, "is not a repeat either");

	struct inbound raw = sms(PERSON, "n-2", "\xff\xfe");
	raw.text_is_utf8 = false;
	raw.coding = 1;
	is_int(apply(&raw), 0, "bytes that are not text");
	ok(says("global.unknown"), "get the unknown-word answer");
	is_int(count("SELECT typeof(text) = 'blob' AND length(text) = 2 FROM messages "
		     "WHERE network_id = 'n-2'"),
	       1, "and are kept byte for byte");
}

static void test_pin_redaction(void)
{
	struct inbound start = sms(PERSON, "p-1", "CHECKIN 4711");
	is_int(apply(&start), 0, "CHECKIN with digits after it");
	ok(says("checkin.ask_pin"), "starts the check-in");
	is_int(count("SELECT text = 'CHECKIN ****' FROM messages WHERE network_id = 'p-1'"), 1,
	       "the digits that could be a PIN are kept as ****");
	struct inbound wrong = sms(PERSON, "p-2", "my pin is 9999");
	is_int(apply(&wrong), 0, "a sentence with a PIN in it, at the PIN question");
	is_int(count("SELECT text = 'my pin is ****' FROM messages WHERE network_id = 'p-2'"), 1,
	       "is kept without it");
	struct inbound bytes = sms(PERSON, "p-6", "4711\xff");
	bytes.text_is_utf8 = false;
	bytes.coding = 1;
	is_int(apply(&bytes), 0, "a PIN in 8-bit bytes at the PIN question");
	is_int(count("SELECT typeof(text) = 'blob' AND hex(text) = '2A2A2A2AFF' FROM messages "
		     "WHERE network_id = 'p-6'"),
	       1, "is masked, the bytes kept as a BLOB");
	struct inbound pin = sms(PERSON, "p-3", "1234");
	is_int(apply(&pin), 0, "the PIN itself");
	is_int(count("SELECT text = '****' FROM messages WHERE network_id = 'p-3'"), 1, "is ****");
	is_int(count("SELECT count(*) FROM messages WHERE text LIKE '%4711%' OR text LIKE '%9999%' "
		     "OR text LIKE '%1234%'"),
	       0, "no PIN-like digits anywhere");
	struct inbound cancel = sms(PERSON, "p-4", "CANCEL");
	apply(&cancel);
	struct inbound elsewhere = sms(PERSON, "p-5", "room 1234 please");
	is_int(apply(&elsewhere), 0, "digits outside a check-in");
	is_int(count("SELECT text = 'room 1234 please' FROM messages WHERE network_id = 'p-5'"), 1,
	       "are kept as sent");
}

static void test_ussd(void)
{
	struct inbound dial = ussd("S-1", "u-1", "");
	is_int(apply(&dial), 0, "a USSD dial");
	ok(out.waiting && says("checkin.ask_pin"), "CON: the PIN question");
	struct inbound answer = ussd("S-1", "u-2", "4711");
	is_int(apply(&answer), 0, "a wrong PIN over USSD");
	ok(out.waiting && says("checkin.pin_wrong"), "CON: wrong PIN");
	is_int(count("SELECT text = '****' FROM messages WHERE network_id = 'u-2'"), 1,
	       "the PIN is not kept");
	is_int(count("SELECT instr(ussd_text, '4711') = 0 FROM sessions WHERE channel = 'ussd-at'"),
	       1, "nor is the text the session has seen");
	is_int(apply(&answer), 0, "the aggregator retries the step");
	ok(out.repeat && out.waiting, "CON again, from the store");
	is_int(count("SELECT pin_failures FROM persons WHERE msisdn = '" PERSON "'"), 1,
	       "and the wrong PIN counts once");

	struct inbound lost = ussd("S-0", "u-3", "9*9");
	is_int(apply(&lost), 0, "text for a session not held");
	ok(!out.waiting && says("global.ussd_lost"), "END: the session was lost");
	is_int(count("SELECT count(*) FROM sessions WHERE channel = 'ussd-at'"), 1,
	       "and the session in progress is left alone");

	char long_id[200];
	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	struct inbound long_session = ussd(long_id, "u-4", "");
	is_int(apply(&long_session), 0, "a session id longer than the store keeps");
	is_int(count("SELECT ussd_session LIKE 'h:%' AND length(ussd_session) = 34 FROM sessions "
		     "WHERE channel = 'ussd-at'"),
	       1, "is kept as its hash, not cut");
	struct inbound next = ussd(long_id, "u-5", "1234");
	is_int(apply(&next), 0, "and the session goes on under it");
	ok(says("checkin.where"), "with the next question");

	struct inbound abort = ussd("7", "u-6", "");
	abort.channel = "ussd-smpp";
	abort.history = false;
	abort.abort = true;
	is_int(apply(&abort), 0, "an SMPP abort");
	ok(out.text.len == 0, "is answered with nothing");
	is_int(count("SELECT status = 'aborted' FROM messages WHERE network_id = 'u-6'"), 1,
	       "and stored as aborted");
}

static void execute(const char *sql)
{
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

static void test_ussd_timeout(void)
{
	struct inbound dial = ussd("T-1", "t-1", "");
	apply(&dial);
	ok(out.waiting && says("checkin.ask_pin"), "a new session asks for the PIN");
	execute("UPDATE sessions SET expires_at = 0 WHERE ussd_session = 'T-1'");
	struct inbound late = ussd("T-1", "t-2", "1234");
	is_int(apply(&late), 0, "an answer after the step timeout");
	ok(!out.waiting && says("global.expired"), "END: the time to reply ran out");
	is_int(count("SELECT count(*) FROM sessions WHERE ussd_session = 'T-1'"), 0,
	       "and the session is gone");
	is_int(count("SELECT text = '****' FROM messages WHERE network_id = 't-2'"), 1,
	       "the late PIN is not kept as typed");
}

static void test_never_commits(void)
{
	buf_cleanup(&out.text);
	buf_init(&out.text, CONVERSE_REPLY_MAX);
	struct inbound a = sms(OTHER, "c-1", "HELP");
	store_begin(d.store);
	is_int(inbound_apply(&d, &a, &out), 0, "applied inside the caller's transaction");
	store_rollback(d.store);
	is_int(count("SELECT count(*) FROM messages WHERE network_id = 'c-1'"), 0,
	       "a rollback by the caller leaves nothing: the pipeline did not commit");
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/chabar.db", dir);
	struct diag diag;
	diag_init(&diag, stdout);
	d.loop = ev_default_loop(0);
	d.cfg = cfg_load_string("[kannel]\nkey = b3671098ae14e76e0656\n"
				"[conversation]\npin_key = " PIN_KEY "\n"
				"flows = " FLOWS_DIR "\nlocales = " LOCALES_DIR "\n"
				"default_language = en\n",
				"t.conf", &diag);
	char err[512] = "";
	d.store = d.cfg ? store_open(path, CFG_SYNC_NORMAL, err, sizeof err) : NULL;
	if (!d.store || lint_load(FLOWS_DIR, LOCALES_DIR, LINT_ENGINE_BUDGET, &diag, &d.flows,
				  &d.locales) < 0) {
		printf("Bail out! setup: %s\n", err);
		return 1;
	}
	char hash[PIN_HASH_SIZE];
	pin_hash(d.cfg->keys.pin, PERSON, "1234", hash);
	struct store_new_person p = {.msisdn = PERSON,
				     .name = "Aibek Testov",
				     .role = "supervised",
				     .language = "en",
				     .pin_hash = hash};
	struct store_new_person q = {
	    .msisdn = OTHER, .name = "Bakyt Testov", .role = "supervised", .language = "en"};
	store_begin(d.store);
	store_person_add(d.store, &p, 1700000000);
	store_person_add(d.store, &q, 1700000000);
	store_commit(d.store);
	buf_init(&out.text, CONVERSE_REPLY_MAX);

	test_sms_and_repeats();
	test_pin_redaction();
	test_ussd();
	test_ussd_timeout();
	test_never_commits();

	buf_cleanup(&out.text);
	store_free(d.store);
	flow_set_unref(d.flows);
	locales_unref(d.locales);
	cfg_unref(d.cfg);
	db_remove(dir);
	return tap_done();
}
