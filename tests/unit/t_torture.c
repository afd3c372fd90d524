/* Allocation failure, each in turn, as curl's torture tests do it: every
 * allocation the parsers and the pipeline make (ours through malloc and
 * its kin, wrapped at link time with -Wl,--wrap; SQLite's through its own
 * allocator hook) is made to fail, one at a time, in a run of its own.
 * Each run must end in a clean error or a whole success: no crash (the
 * sanitizers abort on a bad access), no leak (LeakSanitizer checks at exit
 * in the sanitizer build), and no half of a message in the database. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "db.h"
#include "form.h"
#include "inbound.h"
#include "kannel.h"
#include "lint.h"
#include "pin.h"
#include "tap.h"
#include "ussd.h"

#ifndef FLOWS_DIR
#error "FLOWS_DIR and LOCALES_DIR must name the shipped flows and catalogs"
#endif

#define PIN_KEY "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90"
#define PERSON  "996555400001"

/* --- the failing allocator ---------------------------------------------- */

static long allocations; /* made since the run began */
static long fail_at;     /* the one that fails (1-based); 0: none */

static bool this_one_fails(void)
{
	return fail_at && ++allocations == fail_at;
}

/* What the test itself does between runs fails nothing and counts not. */
static long pause_failures(void)
{
	long at = fail_at;
	fail_at = 0;
	return at;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t n);
void *__real_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return this_one_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t n);
void *__wrap_calloc(size_t count, size_t n)
{
	return this_one_fails() ? NULL : __real_calloc(count, n);
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	return this_one_fails() ? NULL : __real_realloc(p, n);
}

/* libc's own strdup allocates out of reach of the wrap: these are ours. */
char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = __wrap_malloc(n);
	return copy ? memcpy(copy, s, n) : NULL;
}

char *__wrap_strndup(const char *s, size_t max);
char *__wrap_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *copy = __wrap_malloc(n + 1);
	if (copy) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}

static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
	return this_one_fails() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
	return this_one_fails() ? NULL : sqlite_default.xRealloc(p, n);
}

static void hook_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default);
	sqlite3_mem_methods m = sqlite_default;
	m.xMalloc = sqlite_malloc;
	m.xRealloc = sqlite_realloc;
	sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

/* Runs scenario with allocation 1, 2, 3 … failing, until a run makes no
 * more allocations than the one that would fail: that run went whole. A
 * scenario returns 0 (whole), 1 (a clean error) or -1 (an error that is
 * not clean: something half done). */
static void torture(const char *what, int (*scenario)(void))
{
	long runs = 0, clean = 0, whole_despite = 0, unclean = 0;
	for (long failed_at = 1;; failed_at++) {
		allocations = 0;
		fail_at = failed_at;
		int rc = scenario();
		long made = allocations;
		fail_at = 0;
		runs++;
		if (made < failed_at) {
			ok(rc == 0 && unclean == 0,
			   "%s: %ld runs, each with one allocation failing: %ld clean errors, %ld "
			   "whole all the same, none half done; then whole (%ld allocations)",
			   what, runs - 1, clean, whole_despite, made);
			return;
		}
		if (rc < 0 && unclean++ == 0)
			printf("#   %s: allocation %ld failing left it half done\n", what,
			       failed_at);
		clean += rc == 1;
		whole_despite += rc == 0;
	}
}

/* --- the parsers ------------------------------------------------------- */

static int parse_config(void)
{
	struct diag d;
	diag_init(&d, NULL);
	struct cfg *c = cfg_load_string("[chabard]\nlisten = 127.0.0.1:0\nstatus_allow = ::1\n"
					"[kannel]\nkey = b3671098ae14e76e0656\nallow = 127.0.0.1\n"
					"[ussd]\nkey = 5c1f0e9a8d7b6a5f4e3d\n"
					"[conversation]\npin_key = " PIN_KEY "\n",
					"t.conf", &d);
	int rc = c ? 0 : d.errors > 0 ? 1 : -1;
	cfg_unref(c);
	return rc;
}

static int parse_requests(void)
{
	char kannel[] = "key=k&from=%2B996555000001&to=384&text=%D0%96%D0%BE&id=k-1&coding=0";
	char aggregator[] = "sessionId=S1&serviceCode=%2A384%2A1%23&phoneNumber=%2B996555000001"
			    "&text=1%2A2";
	struct form f;
	struct kannel_mo mo;
	struct ussd_at_request req;
	const char *error;
	char utf8[64];
	form_init(&f);
	if (form_parse(&f, kannel, strlen(kannel)) < 0 || kannel_mo_parse(&mo, &f, &error) < 0 ||
	    kannel_mo_text_utf8(&mo, utf8, sizeof utf8) < 0)
		return 1;
	form_init(&f);
	if (form_parse(&f, aggregator, strlen(aggregator)) < 0 ||
	    ussd_at_parse(&f, &req, &error) < 0)
		return 1;
	return 0;
}

static int load_flows(void)
{
	struct diag d;
	diag_init(&d, NULL);
	struct flow_set *flows = NULL;
	struct locales *locales = NULL;
	int rc = lint_load(FLOWS_DIR, LOCALES_DIR, LINT_ENGINE_BUDGET, &d, &flows, &locales);
	if (rc == 0 && (!flows || !locales))
		rc = -1;
	flow_set_unref(flows);
	locales_unref(locales);
	return rc == 0 ? 0 : d.errors > 0 ? 1 : -1;
}

/* --- the pipeline ------------------------------------------------------ */

static char dir[] = "/tmp/t_torture.XXXXXX";
static char path[300];
static struct daemon daemon_;
static long message;

/* One message through the pipeline in a transaction of its own, as batch.c
 * runs it: 0 committed, 1 refused whole (rolled back). */
static int apply(const char *channel, const char *session, const char *text)
{
	char id[32];
	snprintf(id, sizeof id, "t-%ld", ++message);
	struct inbound in = {.channel = channel,
			     .msisdn = PERSON,
			     .peer = session ? "*384*1#" : "384",
			     .network_id = id,
			     .text = text,
			     .len = strlen(text),
			     .text_is_utf8 = true,
			     .session_id = session,
			     .service_code = session ? "*384*1#" : NULL,
			     .history = session != NULL};
	struct inbound_outcome out = {0};
	buf_init(&out.text, CONVERSE_REPLY_MAX);
	int rc = store_begin(daemon_.store);
	if (rc == 0 && (rc = inbound_apply(&daemon_, &in, &out)) == 0)
		rc = store_commit(daemon_.store);
	if (rc < 0)
		store_rollback(daemon_.store);
	buf_cleanup(&out.text);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE network_id = '%s'", id);
	long at = pause_failures();
	int64_t rows = db_int(path, sql);
	fail_at = at;
	/* a message is stored with its answer, or not at all */
	if ((rc == 0) != (rows == 1))
		return -1;
	return rc == 0 ? 0 : 1;
}

/* A whole check-in on channel, from no conversation at all: 0, 1 (some
 * step refused whole) or -1 (a step half done). Over USSD the steps are an
 * aggregator's texts, each holding every input so far. */
static int checkin(const char *channel, bool ussd, const char *const steps[3])
{
	long at = pause_failures();
	store_session_delete(daemon_.store, PERSON, channel);
	fail_at = at;
	char session[32];
	snprintf(session, sizeof session, "S-%ld", message);
	int worst = 0;
	for (size_t i = 0; i < 3; i++) {
		int rc = apply(channel, ussd ? session : NULL, steps[i]);
		if (rc < 0)
			return -1;
		worst = rc > worst ? rc : worst;
	}
	return worst;
}

/* The keyword, the PIN, the place. */
static int checkin_by_sms(void)
{
	static const char *const steps[] = {"CHECKIN", "1234", "1"};
	return checkin("sms", false, steps);
}

/* Dial, PIN, place, through an aggregator. */
static int checkin_by_ussd(void)
{
	static const char *const texts[] = {"", "1234", "1234*1"};
	return checkin("ussd-at", true, texts);
}

static bool set_up_pipeline(void)
{
	if (!mkdtemp(dir))
		return false;
	snprintf(path, sizeof path, "%s/chabar.db", dir);
	struct diag diag;
	diag_init(&diag, stdout);
	daemon_.loop = ev_default_loop(0);
	daemon_.cfg = cfg_load_string("[kannel]\nkey = b3671098ae14e76e0656\n"
				      "[conversation]\npin_key = " PIN_KEY "\n"
				      "default_language = en\n",
				      "t.conf", &diag);
	char err[512] = "";
	daemon_.store = daemon_.cfg ? store_open(path, CFG_SYNC_NORMAL, err, sizeof err) : NULL;
	if (!daemon_.store || lint_load(FLOWS_DIR, LOCALES_DIR, LINT_ENGINE_BUDGET, &diag,
					&daemon_.flows, &daemon_.locales) < 0)
		return false;
	char hash[PIN_HASH_SIZE];
	pin_hash(daemon_.cfg->keys.pin, PERSON, "1234", hash);
	struct store_new_person p = {.msisdn = PERSON,
				     .name = "Aibek Testov",
				     .role = "supervised",
				     .language = "en",
				     .pin_hash = hash};
	return store_begin(daemon_.store) == 0 &&
	       store_person_add(daemon_.store, &p, 1700000000) == 0 &&
	       store_commit(daemon_.store) == 0;
}

int main(void)
{
	hook_sqlite();
	if (sodium_init() < 0)
		return 1;
	torture("the config", parse_config);
	torture("an MO's and a USSD step's fields", parse_requests);
	torture("the flows and catalogs", load_flows);
	if (!set_up_pipeline()) {
		printf("Bail out! setting up the pipeline\n");
		return 1;
	}
	torture("a check-in over SMS through the pipeline", checkin_by_sms);
	torture("a check-in over USSD through the pipeline", checkin_by_ussd);
	store_free(daemon_.store);
	flow_set_unref(daemon_.flows);
	locales_unref(daemon_.locales);
	cfg_unref(daemon_.cfg);
	db_remove(dir);
	return tap_done();
}
