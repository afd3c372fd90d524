/* store — see store.h. */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "migrate.h"

/* How long a write waits for another process's lock (chabarctl, a backup)
 * before giving up with 503. Short, because the whole loop waits with it. */
#define STORE_BUSY_TIMEOUT_MS 200

/* Every statement, declared once; store_open prepares them all. */
#define STORE_STATEMENTS(X)                                                                        \
	X(begin, "BEGIN IMMEDIATE")                                                                \
	X(commit, "COMMIT")                                                                        \
	X(rollback, "ROLLBACK")                                                                    \
	X(add_message,                                                                             \
	  "INSERT INTO messages (direction, kannel_id, channel, msisdn, peer, text, coding,"       \
	  " smsc, meta, sent_at, status, in_reply_to, created_at)"                                 \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")                      \
	X(find_reply, "SELECT r.text, r.coding FROM messages m"                                    \
		      " LEFT JOIN messages r ON r.in_reply_to = m.id AND r.direction = 'out'"      \
		      " WHERE m.kannel_id = ?1 AND m.direction = 'in' ORDER BY r.id LIMIT 1")      \
	X(ping, "SELECT count(*) FROM sqlite_master")                                              \
	X(open_sessions, "SELECT count(*) FROM sessions WHERE expires_at > ?1")

struct store {
	sqlite3 *db;
	int version;
#define X(name, sql) sqlite3_stmt *name;
	STORE_STATEMENTS(X)
#undef X
};

static int prepare_all(struct store *s, char *err, size_t err_size)
{
#define X(name, sql)                                                                               \
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->name, NULL) !=       \
	    SQLITE_OK) {                                                                           \
		snprintf(err, err_size, "preparing %s: %s", #name, sqlite3_errmsg(s->db));         \
		return -1;                                                                         \
	}
	STORE_STATEMENTS(X)
#undef X
	return 0;
}

static int set_pragmas(struct store *s, enum cfg_sync sync, char *err, size_t err_size)
{
	char *msg = NULL;
	const char *pragmas =
	    sync == CFG_SYNC_FULL
		? "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
		: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = "
		  "ON;";
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_size, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	return 0;
}

struct store *store_open(const char *path, enum cfg_sync sync, char *err, size_t err_size)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	/* One thread uses the connection: no SQLite mutexes. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_free(s);
		return NULL;
	}
	char why[512] = "";
	if (set_pragmas(s, sync, why, sizeof why) < 0 ||
	    migrate_apply(s->db, migrate_scripts, migrate_script_count, why, sizeof why) < 0 ||
	    prepare_all(s, why, sizeof why) < 0) {
		snprintf(err, err_size, "%s: %s", path, why);
		store_free(s);
		return NULL;
	}
	s->version = migrate_script_count;
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
#define X(name, sql) sqlite3_finalize(s->name);
	STORE_STATEMENTS(X)
#undef X
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		log_msg(LOG_LEVEL_ERROR, "store_close", "error=\"%s\"", sqlite3_errmsg(s->db));
	free(s);
}

/* Runs a statement that returns no rows and resets it. */
static int run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	bool duplicate =
	    rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return duplicate ? STORE_DUPLICATE : STORE_ERROR;
}

int store_begin(struct store *s)
{
	return run(s, s->begin);
}

int store_commit(struct store *s)
{
	return run(s, s->commit);
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		run(s, s->rollback);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int store_add_message(struct store *s, const struct store_message *m, int64_t *id)
{
	sqlite3_stmt *st = s->add_message;
	sqlite3_bind_text(st, 1, m->outbound ? "out" : "in", -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, m->kannel_id);
	sqlite3_bind_text(st, 3, m->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->msisdn, -1, SQLITE_STATIC);
	bind_text_or_null(st, 5, m->peer);
	if (m->text_is_utf8)
		sqlite3_bind_text(st, 6, m->text, (int)m->text_len, SQLITE_STATIC);
	else
		sqlite3_bind_blob(st, 6, m->text, (int)m->text_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, m->coding);
	bind_text_or_null(st, 8, m->smsc);
	bind_text_or_null(st, 9, m->meta);
	bind_int_or_null(st, 10, m->sent_at);
	sqlite3_bind_text(st, 11, m->status, -1, SQLITE_STATIC);
	bind_int_or_null(st, 12, m->in_reply_to);
	sqlite3_bind_int64(st, 13, m->created_at);
	int rc = run(s, st);
	sqlite3_clear_bindings(st);
	if (rc == 0 && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_find_reply(struct store *s, const char *kannel_id, struct store_reply *out)
{
	sqlite3_stmt *st = s->find_reply;
	sqlite3_bind_text(st, 1, kannel_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		const void *text = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		if (len > sizeof out->text)
			len = sizeof out->text;
		if (len)
			memcpy(out->text, text, len);
		out->len = len;
		out->coding = sqlite3_column_int(st, 1);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = STORE_ERROR;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return found;
}

/* Steps a one-row, one-integer query and resets it. */
static int64_t single_int(sqlite3_stmt *st)
{
	int64_t value = STORE_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW)
		value = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return value;
}

int store_ping(struct store *s)
{
	return single_int(s->ping) < 0 ? STORE_ERROR : 0;
}

int64_t store_count_open_sessions(struct store *s, int64_t now)
{
	sqlite3_bind_int64(s->open_sessions, 1, now);
	return single_int(s->open_sessions);
}

int store_schema_version(struct store *s)
{
	return s->version;
}

const char *store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}
