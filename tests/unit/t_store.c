/* Unit tests for gateway/store.c against a real SQLite file: messages in
 * and out, a repeat known by channel, sender and network id, savepoints,
 * binary text, open errors. */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"
#include "db.h"
#include "tap.h"

static char dir[] = "/tmp/t_store.XXXXXX";
static char path[256];

static struct store_message inbound(const char *network_id, const char *text)
{
	return (struct store_message){
	    .network_id = network_id,
	    .channel = "sms",
	    .msisdn = "996555123456",
	    .peer = "384",
	    .text = text,
	    .text_len = strlen(text),
	    .text_is_utf8 = true,
	    .status = "received",
	    .created_at = 1700000000,
	};
}

static int64_t count(const char *sql)
{
	return db_int(path, sql);
}

static void test_messages(struct store *s)
{
	struct store_message in = inbound("k-1", "CHECKIN");
	struct store_message out = inbound(NULL, "Привет");
	out.outbound = true;
	out.status = "replied";
	out.coding = 2;
	is_int(store_begin(s), 0, "begin");
	is_int(store_add_message(s, &in, &out.in_reply_to), 0, "inbound stored");
	ok(out.in_reply_to > 0, "inbound got a row id");
	is_int(store_add_message(s, &out, NULL), 0, "reply stored");
	is_int(store_commit(s), 0, "commit");

	struct store_reply r;
	is_int(store_find_reply(s, "sms", "996555123456", "k-1", &r), 1,
	       "reply found by network id");
	is_mem(r.text, r.len, "Привет", strlen("Привет"), "same reply text");
	is_int(r.coding, 2, "same coding");
	is_int(store_find_reply(s, "sms", "996555123456", "k-unknown", &r), 0,
	       "unknown id not found");

	is_int(store_begin(s), 0, "begin again");
	int64_t again = 0;
	is_int(store_add_message(s, &in, &again), STORE_DUPLICATE, "same network id refused");
	is_int(again, 0, "and no row id given");
	store_rollback(s);
	is_int(count("SELECT count(*) FROM messages WHERE network_id='k-1'"), 1, "stored once");

	/* The same id from another number or channel is another message, and
	 * gets nobody else's reply. */
	is_int(store_find_reply(s, "sms", "996555000999", "k-1", &r), 0,
	       "another sender's id is not this message");
	is_int(store_find_reply(s, "ussd-smpp", "996555123456", "k-1", &r), 0,
	       "nor is another channel's");
	struct store_message other = inbound("k-1", "CHECKIN");
	other.msisdn = "996555000999";
	is_int(store_begin(s), 0, "begin");
	is_int(store_add_message(s, &other, &again), 0,
	       "the same id from another number is stored");
	other.channel = "ussd-smpp";
	other.msisdn = "996555123456";
	is_int(store_add_message(s, &other, &again), 0, "and from another channel");
	store_rollback(s);

	/* Savepoints: one message rolled back alone, the rest kept. */
	struct store_message a = inbound("sp-1", "a"), b = inbound("sp-2", "b");
	is_int(store_begin(s), 0, "a batch begins");
	is_int(store_savepoint(s, true), 0, "a savepoint for the first message");
	is_int(store_add_message(s, &a, NULL), 0, "it is stored");
	is_int(store_release(s), 0, "and released");
	is_int(store_savepoint(s, true), 0, "a savepoint for the second");
	is_int(store_add_message(s, &b, NULL), 0, "it is stored");
	is_int(store_rollback_to(s), 0, "and rolled back alone");
	is_int(store_commit(s), 0, "the batch commits");
	is_int(count("SELECT count(*) FROM messages WHERE network_id IN ('sp-1', 'sp-2')"), 1,
	       "only the first message is kept");

	/* Without a reply row the inbound is still found, with an empty reply. */
	struct store_message lone = inbound("k-2", "x");
	store_begin(s);
	store_add_message(s, &lone, NULL);
	store_commit(s);
	is_int(store_find_reply(s, "sms", "996555123456", "k-2", &r), 1,
	       "inbound without reply found");
	is_int(r.len, 0, "its reply is empty");

	/* Bytes that are not UTF-8 go in as a BLOB, byte for byte. */
	static const char raw[] = {'a', 0, (char)0xff, 'b'};
	struct store_message bin = inbound("k-3", "");
	bin.text = raw;
	bin.text_len = sizeof raw;
	bin.text_is_utf8 = false;
	bin.coding = 1;
	store_begin(s);
	is_int(store_add_message(s, &bin, NULL), 0, "binary text stored");
	store_commit(s);
	is_int(
	    count(
		"SELECT length(text) FROM messages WHERE network_id='k-3' AND typeof(text)='blob'"),
	    4, "binary text kept as a 4-byte BLOB");
	is_int(count("SELECT count(*) FROM messages WHERE network_id IS NULL"), 1,
	       "replies carry no network id (NULLs are not unique)");
}

static void test_reads(struct store *s)
{
	is_int(store_ping(s), 0, "ping");
	is_int(store_count_open_sessions(s, 0), 0, "no sessions yet");
	ok(store_schema_version(s) >= 1, "schema version known");
}

static void test_open_errors(void)
{
	char err[512] = "";
	ok(store_open("/nonexistent-dir/x.db", CFG_SYNC_NORMAL, err, sizeof err) == NULL,
	   "a database in a missing directory is refused");
	ok(strstr(err, "/nonexistent-dir/x.db") != NULL, "the message names the path: %s", err);

	char newer[300];
	snprintf(newer, sizeof newer, "%s/newer.db", dir);
	sqlite3 *db;
	sqlite3_open(newer, &db);
	sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(store_open(newer, CFG_SYNC_FULL, err, sizeof err) == NULL,
	   "a newer database is refused");
	ok(strstr(err, "newer than this chabar") != NULL, "and says so: %s", err);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/chabar.db", dir);
	char err[512] = "";
	struct store *s = store_open(path, CFG_SYNC_FULL, err, sizeof err);
	ok(s != NULL, "store opens a new file: %s", err);
	if (s) {
		test_messages(s);
		test_reads(s);
		store_free(s);
	}
	s = store_open(path, CFG_SYNC_NORMAL, err, sizeof err);
	ok(s != NULL, "an existing database reopens");
	store_free(s);
	store_free(NULL);
	test_open_errors();

	char newer[300];
	snprintf(newer, sizeof newer, "%s/newer.db", dir);
	unlink(newer);
	db_remove(dir);
	return tap_done();
}
