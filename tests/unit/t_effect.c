/* Unit tests for gateway/effect.c, the executor: each kind of effect
 * carried out on a real SQLite file with the shipped catalogs: the reply
 * rendered with the session's variables and a menu, an SMS copy over USSD
 * but not over SMS, an alert in the officer's language, a language that
 * changes the reply's, a timer that keeps the session (the shorter of the
 * node's timeout and the idle time), an end that clears it, a call; and
 * what the promises of what is sent first do when their time comes: an
 * alert passed along the district's officers (alert.c), a confirmation
 * owed by a session that expired (fallback.c). */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "alert.h"
#include "effect.h"
#include "fallback.h"
#include "ledger.h"
#include "lint.h"
#include "watch.h"
#include "db.h"
#include "tap.h"

#define PIN_KEY "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90"
#define PERSON  "996555500001"
#define OFFICER "996555500009"
#define T0      1800000000

static char dir[] = "/tmp/t_effect.XXXXXX";
static char path[300];
static struct store *store;
static struct cfg *cfg;
static struct flow_set *flows;
static struct locales *locales;

static int64_t count(const char *sql)
{
	return db_int(path, sql);
}

/* One run of fx for the person (channel given), in its own transaction. */
struct run {
	struct converse_reply reply;
	struct store_session session;
	struct effect_state state;
	int rc;
};

static void run(const char *channel, const struct flow_effects *fx, struct flow_session *s,
		struct run *r)
{
	static struct store_person person;
	store_person_find(store, PERSON, &person);
	memset(r, 0, sizeof *r);
	buf_init(&r->reply.text, CONVERSE_REPLY_MAX);
	struct converse_ctx conversation = {store, cfg, flows, locales};
	struct converse_input in = {.msisdn = PERSON,
				    .channel = channel,
				    .ussd = strcmp(channel, "sms") != 0,
				    .now = T0,
				    .idle = 900,
				    .message_id = 7,
				    .session = &r->session};
	struct effect_ctx ctx = {&conversation, &in, &person, NULL, false};
	r->state.reply = &r->reply;
	snprintf(r->state.lang, sizeof r->state.lang, "en");
	store_begin(store);
	r->rc = effect_run(&ctx, fx, s, &r->state);
	store_commit(store);
}

static void test_say(void)
{
	const struct flow *checkin = flow_find_keyword(flows, "CHECKIN", 7);
	const struct flow_node *where = NULL;
	for (size_t i = 0; checkin && i < checkin->node_count; i++)
		if (strcmp(checkin->nodes[i].name, "where") == 0)
			where = &checkin->nodes[i];
	struct flow_session s = {.flow = FLOW_NONE, .node = FLOW_NONE};
	flow_var_set(&s, "tries", "2", 1);
	struct flow_effects fx = {0};
	flow_effects_add(&fx,
			 (struct flow_effect){.kind = FLOW_EFFECT_say, .key = "checkin.pin_wrong"});
	struct run r;
	run("sms", &fx, &s, &r);
	is_int(r.rc, 0, "say runs");
	is_str(r.reply.text.data, "Wrong PIN. Tries left: 2",
	       "rendered with the session's variables");
	is_str(r.reply.key, "checkin.pin_wrong", "its key is the reply's");
	ok(!r.reply.ucs2, "English goes as GSM 7-bit");
	buf_cleanup(&r.reply.text);

	fx = (struct flow_effects){0};
	flow_effects_add(&fx, (struct flow_effect){
				  .kind = FLOW_EFFECT_say, .key = "checkin.where", .menu = where});
	run("sms", &fx, &s, &r);
	ok(where && strstr(r.reply.text.data, "\n1 Home\n2 Work\n3 Other") != NULL,
	   "a menu's options follow, one a line");
	buf_cleanup(&r.reply.text);
}

static void test_queue_sms(void)
{
	struct flow_session s = {.flow = FLOW_NONE, .node = FLOW_NONE};
	struct flow_effects fx = {0};
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_say, .key = "global.help"});
	flow_effects_add(&fx,
			 (struct flow_effect){.kind = FLOW_EFFECT_queue_sms, .to = FLOW_TO_SENDER});
	struct run r;
	run("sms", &fx, &s, &r);
	is_int(count("SELECT count(*) FROM outbox"), 0, "over SMS the reply is the SMS: no copy");
	buf_cleanup(&r.reply.text);
	run("ussd-at", &fx, &s, &r);
	is_int(
	    count(
		"SELECT count(*) FROM outbox WHERE kind = 'fallback' AND msisdn = '" PERSON
		"' AND related_id = 7 AND coding = 0 AND text = 'chabar: CHECKIN to check in, NEXT "
		"for your appointment, LANG for language, STOP to stop.'"),
	    1, "over USSD the reply is queued by SMS too, the same text and coding");
	buf_cleanup(&r.reply.text);

	fx = (struct flow_effects){0};
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_queue_sms,
						   .to = FLOW_TO_OFFICER,
						   .key = FLOW_KEY_PIN_ALERT});
	flow_var_set(&s, "ref", "K7MR-4TXA", 9);
	flow_var_set(&s, "pin", "4711", 4); /* a PIN the flow held: never kept with it */
	run("sms", &fx, &s, &r);
	is_int(r.rc, 0, "an alert to the officer");
	is_int(count("SELECT count(*) FROM outbox WHERE kind = 'alert' AND msisdn = '" OFFICER "'"),
	       1, "is queued for the officer");
	is_int(count("SELECT text = 'Aibek Testov: PIN көп жолу ката, каттоо бөгөттөлдү. OK "
		     "K7MR-4TXA' AND coding = 2 FROM outbox WHERE kind = 'alert'"),
	       1, "with the person's name and its ref, in the officer's language (ky), UCS-2");
	is_int(count("SELECT text_vars = 'ref=K7MR-4TXA' FROM outbox WHERE kind = 'alert'"), 1,
	       "what it is said again with: the ref, never the PIN");
	buf_cleanup(&r.reply.text);
}

static void test_language_and_session(void)
{
	const struct flow *checkin = flow_find_keyword(flows, "CHECKIN", 7);
	struct flow_session s = {.flow = (int)(checkin - flows->flows), .node = checkin->start};
	struct flow_effects fx = {0};
	struct flow_effect lang = {.kind = FLOW_EFFECT_set_language};
	snprintf(lang.lang, sizeof lang.lang, "ru");
	flow_effects_add(&fx, lang);
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_say, .key = "language.set"});
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_arm_timer, .seconds = 120});
	struct run r;
	run("sms", &fx, &s, &r);
	is_str(r.state.lang, "ru", "set_language changes the reply's language");
	ok(r.reply.ucs2 && strstr(r.reply.text.data, "Язык") != NULL, "the reply is in it");
	is_int(count("SELECT language = 'ru' FROM persons WHERE msisdn = '" PERSON "'"), 1,
	       "and the person's is stored");
	ok(r.reply.waiting, "arm_timer: the flow waits");
	is_str(r.session.flow, "checkin", "its state is in the session to save");
	is_int(r.session.expires_at, T0 + 120, "due after the node's timeout, shorter than idle");
	buf_cleanup(&r.reply.text);

	fx = (struct flow_effects){0};
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_arm_timer, .seconds = 0});
	run("sms", &fx, &s, &r);
	is_int(r.session.expires_at, T0 + 900, "no timeout of its own: the idle time");
	buf_cleanup(&r.reply.text);

	fx = (struct flow_effects){0};
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_end_session});
	run("sms", &fx, &s, &r);
	ok(!r.reply.waiting && r.session.flow[0] == '\0', "end_session clears it");
	buf_cleanup(&r.reply.text);
}

/* alert_due() at now, in a transaction of its own. */
static int alerts_due(int64_t now)
{
	struct alert_ctx a = {store, locales, cfg, now};
	store_begin(store);
	int n = alert_due(&a);
	store_commit(store);
	return n;
}

static void test_alert_chain(void)
{
	store_begin(store);
	store_officer_add(store, "osh", "Officer Two", "996555500008", "ru", "officer", T0);
	store_officer_add(store, "osh", "Officer Three", "996555500007", "en", "officer", T0);
	store_commit(store);
	int64_t first = count("SELECT id FROM outbox WHERE kind = 'alert'");
	char sql[512];
	struct alert_ctx a = {store, locales, cfg, T0};
	int64_t at = 0;
	is_int(alert_next_due(&a, &at), 1, "the alert queued above waits for its report");
	is_int((int)(at - T0), 900, "for deliver_within (900 s by default)");
	is_int(alerts_due(T0 + 899), 0, "before then, nothing moves");
	is_int(alerts_due(T0 + 900), 1, "then it is passed on");
	snprintf(
	    sql, sizeof sql,
	    "SELECT id FROM outbox WHERE kind = 'alert' AND msisdn = '996555500008' AND text = "
	    "'Aibek Testov: много неверных PIN-кодов, отметка заблокирована. OK K7MR-4TXA' AND "
	    "chain_id = "
	    "%lld AND settled_at IS NULL",
	    (long long)first);
	int64_t second = count(sql);
	ok(second > first, "to the district's next officer, in theirs (ru), in the same chain");
	snprintf(sql, sizeof sql, "SELECT settled_at FROM outbox WHERE id = %lld",
		 (long long)first);
	is_int(count(sql), T0 + 900, "the first alert is settled: it is not passed on twice");
	store_begin(store);
	store_outbox_report(store, second, "undeliverable", "test", NULL, T0 + 901);
	store_commit(store);
	is_int(alerts_due(T0 + 901), 1, "undeliverable: passed on at once, not after the wait");
	snprintf(sql, sizeof sql,
		 "SELECT id FROM outbox WHERE msisdn = '996555500007' AND text = 'Aibek Testov: "
		 "wrong check-in PIN too many times; check-in blocked. OK K7MR-4TXA' AND chain_id "
		 "= %lld",
		 (long long)first);
	int64_t third = count(sql);
	ok(third > second, "to the third officer, in English");
	store_begin(store);
	store_outbox_report(store, third, "delivered", "test", NULL, T0 + 902);
	store_commit(store);
	is_int(alerts_due(T0 + 5000), 0, "delivered: the chain ends");
	is_int(count("SELECT count(*) FROM outbox WHERE kind = 'alert' AND settled_at IS NULL"), 0,
	       "every alert of it settled");
	a.now = T0 + 5000;
	is_int(alert_next_due(&a, &at), 0, "and nothing waits");

	/* a chain that finds no one left */
	struct store_officer officer = {.id = 1};
	snprintf(officer.msisdn, sizeof officer.msisdn, OFFICER);
	snprintf(officer.language, sizeof officer.language, "ky");
	store_begin(store);
	is_int(alert_queue(&a, &officer, FLOW_KEY_PIN_ALERT, 1, "Aibek Testov", "ref=AAAA-AAAA", 0),
	       0, "a new alert");
	store_commit(store);
	is_int(alerts_due(T0 + 5900), 1, "to the second officer");
	is_int(alerts_due(T0 + 6800), 1, "the third");
	is_int(alerts_due(T0 + 7700), 1, "and with no officer left, it is given up");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE id > %lld AND kind = 'alert'",
		 (long long)third);
	is_int(count(sql), 3, "each officer had it once");
	is_int(alerts_due(T0 + 9000), 0, "then nothing more");
	is_int(alert_queue(&a, &officer, "no.such_key", 1, "Aibek Testov", NULL, 0), 1,
	       "a text that cannot be said: nothing queued");
}

static void test_owed_confirmation(void)
{
	struct store_session s = {.expires_at = T0 + 30, .pages_end = true, .confirm = true};
	snprintf(s.pages, sizeof s.pages, "Your next appointment: a long text");
	store_begin(store);
	store_session_save(store, PERSON, "ussd-at", &s, T0);
	store_commit(store);
	int64_t at = 0;
	is_int(fallback_next_due(store, &at), 1, "a session owing its confirmation is due");
	is_int((int)(at - T0), 30, "when it expires");
	store_begin(store);
	is_int(fallback_due(store, T0 + 29), 0, "not before");
	is_int(fallback_due(store, T0 + 30), 1, "then the text is queued");
	is_int(fallback_due(store, T0 + 31), 0, "once");
	store_commit(store);
	is_int(count("SELECT count(*) FROM outbox WHERE kind = 'fallback' AND msisdn = '" PERSON
		     "' AND text = 'Your next appointment: a long text' AND coding = 0"),
	       1, "whole, to the person, its coding measured");
	is_int(fallback_next_due(store, &at), 0, "and nothing more is owed");
}

/* Check-ins against a plan's window, with a controlled clock: T0 is 14:00
 * in Bishkek, inside the tier's daily 13:00-15:00. */
static void test_windows(void)
{
	struct watch_ctx w = {store, cfg, locales, T0, 0};
	store_begin(store);
	int64_t id = store_person_tier_set(store, PERSON, "t", "test", T0);
	is_int(watch_plan(&w, id, "t", "Asia/Bishkek"), 1, "on tier t: a window is planned");
	store_commit(store);
	is_int(count("SELECT opens_at FROM windows WHERE status = 'pending'"), T0 - 3600,
	       "the one open now, since 13:00");
	struct store_person p;
	store_person_find(store, PERSON, &p);
	for (int i = 1; i <= 2; i++) {
		struct store_checkin c = {.person_id = p.id, .at = T0 + i};
		snprintf(c.location, sizeof c.location, "home");
		snprintf(c.channel, sizeof c.channel, "sms");
		w.now = T0 + i;
		store_begin(store);
		ledger_add(store, cfg->keys.ledger, &c);
		watch_checkin(&w, &p, store_last_id(store));
		store_commit(store);
	}
	is_int(count("SELECT count(*) FROM checkins WHERE window_id = (SELECT id FROM windows"
		     " WHERE status = 'met') AND outside_window = 0"),
	       2, "two check-ins in the window: both in it, the second not marked outside");
	is_int(count("SELECT opens_at FROM windows WHERE status = 'pending'"), T0 - 3600 + 86400,
	       "met: tomorrow's window is planned");
	w.now = T0 + 10;
	store_begin(store);
	watch_plan(&w, id, "t", "Asia/Bishkek");
	store_commit(store);
	is_int(count("SELECT count(*) FROM windows WHERE status = 'pending'"), 1,
	       "the tier set again: one window pending");
	is_int(count("SELECT min(opens_at) FROM windows WHERE status = 'pending'"),
	       T0 - 3600 + 86400, "tomorrow's: today's was met already");
}

static void test_call(void)
{
	struct flow_session s = {.flow = FLOW_NONE, .node = FLOW_NONE};
	flow_var_set(&s, "lang", "KY", 2);
	struct flow_effects fx = {0};
	flow_effects_add(&fx, (struct flow_effect){.kind = FLOW_EFFECT_call,
						   .action = FLOW_ACTION_set_language});
	struct run r;
	run("sms", &fx, &s, &r);
	ok(r.rc == 0 && r.state.called && r.state.outcome == FLOW_OUTCOME_ok,
	   "a call runs the action and gives its outcome");
	is_str(r.state.lang, "ky", "and what the action asked for is carried out at once");
	is_int(count("SELECT language = 'ky' FROM persons WHERE msisdn = '" PERSON "'"), 1,
	       "the language the action chose is stored");
	buf_cleanup(&r.reply.text);
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/chabar.db", dir);
	struct diag diag;
	diag_init(&diag, stdout);
	cfg = cfg_load_string("[kannel]\nkey = b3671098ae14e76e0656\n"
			      "[conversation]\npin_key = " PIN_KEY "\ndefault_language = en\n"
			      "[tier.t]\nwindows = daily 13:00-15:00\nreminders = 0m\n",
			      "t.conf", &diag);
	char err[512] = "";
	store = cfg ? store_open(path, CFG_SYNC_NORMAL, err, sizeof err) : NULL;
	if (!store ||
	    lint_load(FLOWS_DIR, LOCALES_DIR, LINT_ENGINE_BUDGET, &diag, &flows, &locales) < 0) {
		printf("Bail out! setup: %s\n", err);
		return 1;
	}
	struct store_new_person p = {.msisdn = PERSON,
				     .name = "Aibek Testov",
				     .role = "supervised",
				     .language = "en",
				     .district = "osh",
				     .officer = OFFICER};
	store_begin(store);
	store_district_add(store, "osh", "Osh", "ky", "Asia/Bishkek");
	store_officer_add(store, "osh", "Officer One", OFFICER, "ky", "officer", T0);
	store_person_add(store, &p, T0);
	store_commit(store);

	test_say();
	test_queue_sms();
	test_language_and_session();
	test_call();
	test_alert_chain();
	test_owed_confirmation();
	test_windows();

	store_free(store);
	flow_set_unref(flows);
	locales_unref(locales);
	cfg_unref(cfg);
	db_remove(dir);
	return tap_done();
}
