/* db_sqlite — the embedded engine under db.h: each call is SQLite's own. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "db.h"
#include "log.h"
#include "store_migrate.h"

/* How long a write waits for another process's lock (chabarctl, a backup)
 * before giving up with 503. Short, because the whole loop waits with it. */
#define BUSY_TIMEOUT_MS 200

struct sqlite_db {
	struct db db; /* first: a struct db * is one of these */
	sqlite3 *handle;
	int version;   /* the schema's, for probe_write */
	int committed; /* the last commit's outcome: a commit is over when sent */
	/* a message's savepoint: made, released, rolled back to */
	struct db_stmt *savepoint, *release, *rollback_to;
};

struct sqlite_stmt {
	struct db_stmt st; /* first */
	sqlite3_stmt *handle;
};

static sqlite3 *handle(struct db *db)
{
	return ((struct sqlite_db *)db)->handle;
}

static sqlite3_stmt *stmt(struct db_stmt *st)
{
	return ((struct sqlite_stmt *)st)->handle;
}

static struct db_stmt *prepare(struct db *db, const char *sql)
{
	struct sqlite_stmt *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->st.db = db;
	if (sqlite3_prepare_v3(handle(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &st->handle, NULL) !=
	    SQLITE_OK) {
		free(st);
		return NULL;
	}
	return &st->st;
}

static void finalize(struct db_stmt *st)
{
	sqlite3_finalize(stmt(st));
	free(st);
}

static void bind_int(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(stmt(st), i, v);
}

static void bind_text(struct db_stmt *st, int i, const char *v, int len)
{
	sqlite3_bind_text(stmt(st), i, v, len, SQLITE_STATIC);
}

static void bind_blob(struct db_stmt *st, int i, const void *v, int len)
{
	sqlite3_bind_blob(stmt(st), i, v, len, SQLITE_STATIC);
}

static void bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(stmt(st), i);
}

static int step(struct db_stmt *st)
{
	int rc = sqlite3_step(stmt(st));
	return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : DB_ERROR;
}

static void reset(struct db_stmt *st)
{
	sqlite3_reset(stmt(st));
	sqlite3_clear_bindings(stmt(st));
}

static int run_later(struct db_stmt *st)
{
	int rc = step(st); /* nothing to save by waiting */
	reset(st);
	return rc == DB_ERROR ? DB_ERROR : 0;
}

static int ready(struct db *db)
{
	return 0; /* each statement was prepared when it was made */
}

static void prefetched(struct db *db)
{
	/* a read here costs no round trip: nothing to fetch ahead */
}

static void scope(struct db *db, unsigned request)
{
	/* nothing is fetched ahead, so nothing is kept for a request */
}

static void partition(struct db *db, const char *table)
{
}

static void reserve_ids(struct db *db, const char *table, int n)
{
	/* an insert here says its row id at no cost */
}

static int64_t take_id(struct db *db)
{
	return 0;
}

static int64_t column_int(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(stmt(st), i);
}

static const unsigned char *column_text(struct db_stmt *st, int i)
{
	return sqlite3_column_text(stmt(st), i);
}

static int column_bytes(struct db_stmt *st, int i)
{
	return sqlite3_column_bytes(stmt(st), i);
}

static bool column_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(stmt(st), i) == SQLITE_NULL;
}

static int column_count(struct db_stmt *st)
{
	return sqlite3_column_count(stmt(st));
}

static int64_t changes(struct db *db)
{
	return sqlite3_changes(handle(db));
}

static int64_t last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(handle(db));
}

static bool in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(handle(db));
}

static int exec(struct db *db, const char *sql)
{
	return sqlite3_exec(handle(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : DB_ERROR;
}

/* Runs a statement of the driver's own, made at open: 0 or DB_ERROR. */
static int run_own(struct db_stmt *st)
{
	int rc = st ? step(st) : DB_ERROR;
	if (st)
		reset(st);
	return rc == DB_DONE ? 0 : DB_ERROR;
}

static bool wrote(struct db *db)
{
	return true; /* a commit of nothing writes nothing here */
}

static int savepoint(struct db *db, bool alone)
{
	return run_own(((struct sqlite_db *)db)->savepoint); /* alone or not: it costs nothing */
}

static int release(struct db *db)
{
	return run_own(((struct sqlite_db *)db)->release);
}

static int rollback_to(struct db *db)
{
	/* ROLLBACK TO keeps the savepoint open: released too */
	return run_own(((struct sqlite_db *)db)->rollback_to) == 0 ? release(db) : DB_ERROR;
}

static int begin(struct db *db)
{
	return exec(db, "BEGIN IMMEDIATE"); /* the write lock now, not at the first write */
}

static int commit_send(struct db *db)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	d->committed = exec(db, "COMMIT");
	return 0; /* its outcome is db_commit_wait's to tell */
}

static int commit_wait(struct db *db, bool wait)
{
	return ((struct sqlite_db *)db)->committed;
}

static int socket_of(struct db *db)
{
	return -1; /* the commit is over when it is sent */
}

static int rollback(struct db *db)
{
	return in_transaction(db) ? exec(db, "ROLLBACK") : 0;
}

static int migrate(struct db *db, const struct store_migration *scripts, int count, char *err,
		   size_t err_size)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	if (store_migrate(d->handle, scripts, count, err, err_size) < 0)
		return -1;
	d->version = count;
	return 0;
}

static int probe_write(struct db *db)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ((struct sqlite_db *)db)->version);
	return exec(db, sql);
}

static int64_t data_version(struct db *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(handle(db), "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return DB_ERROR;
	int64_t version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : DB_ERROR;
	sqlite3_finalize(st);
	return version;
}

static int standbys(struct db *db, double *lag)
{
	*lag = 0;
	return 0; /* one file on one disk */
}

static int64_t disk_free(struct db *db)
{
	const char *file = sqlite3_db_filename(handle(db), "main");
	struct statvfs fs;
	if (!file || !*file || statvfs(file, &fs) < 0)
		return -1;
	return (int64_t)fs.f_bavail * (int64_t)fs.f_frsize;
}

static const char *errmsg(struct db *db)
{
	return sqlite3_errmsg(handle(db));
}

static void close_db(struct db *db)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	struct db_stmt *own[] = {d->savepoint, d->release, d->rollback_to};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (own[i])
			finalize(own[i]);
	sqlite3 *h = handle(db);
	if (h && sqlite3_close(h) != SQLITE_OK)
		log_msg(LOG_LEVEL_ERROR, "store_close", "error=\"%s\"", sqlite3_errmsg(h));
	free(db);
}

static const struct db_driver sqlite_driver = {
    .name = "sqlite",
    .prepare = prepare,
    .finalize = finalize,
    .bind_int = bind_int,
    .bind_text = bind_text,
    .bind_blob = bind_blob,
    .bind_null = bind_null,
    .step = step,
    .ready = ready,
    .run_later = run_later,
    .prefetch = reset,
    .prefetched = prefetched,
    .reset = reset,
    .column_int = column_int,
    .column_text = column_text,
    .column_bytes = column_bytes,
    .column_null = column_null,
    .column_count = column_count,
    .changes = changes,
    .last_id = last_id,
    .in_transaction = in_transaction,
    .begin = begin,
    .commit_send = commit_send,
    .commit_wait = commit_wait,
    .socket = socket_of,
    .scope = scope,
    .partition = partition,
    .wrote = wrote,
    .savepoint = savepoint,
    .release = release,
    .rollback_to = rollback_to,
    .reserve_ids = reserve_ids,
    .take_id = take_id,
    .rollback = rollback,
    .migrate = migrate,
    .probe_write = probe_write,
    .data_version = data_version,
    .standbys = standbys,
    .disk_free = disk_free,
    .errmsg = errmsg,
    .close = close_db,
};

struct db *db_sqlite_open(const char *path, enum cfg_sync sync, char *err, size_t err_size)
{
	struct sqlite_db *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	d->db.driver = &sqlite_driver;
	/* One thread uses the connection: no SQLite mutexes. The database
	 * holds people's numbers and whereabouts: whoever creates it (chabard,
	 * or chabarctl from a root shell with umask 022), it is the owner's
	 * alone, and SQLite gives its -wal and -shm files the same mode. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	mode_t umask_before = umask(077);
	int opened = sqlite3_open_v2(path, &d->handle, flags, NULL);
	umask(umask_before);
	if (opened != SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", path,
			 d->handle ? sqlite3_errmsg(d->handle) : "out of memory");
		close_db(&d->db);
		return NULL;
	}
	char *msg = NULL;
	const char *pragmas =
	    sync == CFG_SYNC_FULL
		? "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
		: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = "
		  "ON;";
	if (sqlite3_exec(d->handle, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", path, msg ? msg : sqlite3_errmsg(d->handle));
		sqlite3_free(msg);
		close_db(&d->db);
		return NULL;
	}
	sqlite3_busy_timeout(d->handle, BUSY_TIMEOUT_MS);
	d->savepoint = prepare(&d->db, "SAVEPOINT message");
	d->release = prepare(&d->db, "RELEASE message");
	d->rollback_to = prepare(&d->db, "ROLLBACK TO message");
	return &d->db;
}
