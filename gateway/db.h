/*
 * db — the SQL engine under store.c: SQLite (db_sqlite.c) or PostgreSQL
 * (db_pg.c), behind one set of calls shaped like SQLite's own, so store.c
 * holds one copy of every statement and of every row it reads.
 *
 * Statements are written once, in the SQL both engines take (numbered
 * parameters ?1 …, IS [NOT] DISTINCT FROM, ON CONFLICT with a target, a
 * repeat found by ON CONFLICT DO NOTHING, or by a read first, rather
 * than by an error, which PostgreSQL would make abort the transaction).
 * Each driver prepares them its way.
 *
 * Lifecycle: db_open() → db_prepare() → bind, db_step() until DB_DONE,
 * db_reset() → … → db_finalize() each → db_close(). Bound text and blobs
 * are borrowed until the statement is reset. Loop thread only; a call
 * never waits longer than the timeout db_open() was given, and the calls
 * of one transaction, from its begin to its commit's answer, not longer
 * together.
 */
#ifndef CHABAR_DB_H
#define CHABAR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

enum { DB_DONE = 0, DB_ROW = 1, DB_BUSY = 2, DB_ERROR = -1 };

struct db;
struct db_stmt;

struct store_migration; /* store_migrate.h */

/* What each engine does its own way (db_sqlite.c, db_pg.c). */
struct db_driver {
	const char *name;
	bool concurrent; /* several connections may write at once */
	struct db_stmt *(*prepare)(struct db *db, const char *sql);
	/* Every statement made: 0 once each is prepared (PostgreSQL: on this
	 * connection and every later one), DB_ERROR naming the first that is
	 * not. */
	int (*ready)(struct db *db);
	void (*finalize)(struct db_stmt *st);
	void (*bind_int)(struct db_stmt *st, int i, int64_t v);
	void (*bind_text)(struct db_stmt *st, int i, const char *v, int len);
	void (*bind_blob)(struct db_stmt *st, int i, const void *v, int len);
	void (*bind_null)(struct db_stmt *st, int i);
	int (*step)(struct db_stmt *st);
	int (*run_later)(struct db_stmt *st);
	void (*prefetch)(struct db_stmt *st);
	void (*prefetched)(struct db *db);
	void (*scope)(struct db *db, unsigned request);
	void (*partition)(struct db *db, const char *table);
	void (*reserve_ids)(struct db *db, const char *table, int n);
	int64_t (*take_id)(struct db *db);
	void (*reset)(struct db_stmt *st);
	int64_t (*column_int)(struct db_stmt *st, int i);
	const unsigned char *(*column_text)(struct db_stmt *st, int i);
	int (*column_bytes)(struct db_stmt *st, int i);
	bool (*column_null)(struct db_stmt *st, int i);
	int (*column_count)(struct db_stmt *st);
	int64_t (*changes)(struct db *db);
	int64_t (*last_id)(struct db *db);
	bool (*in_transaction)(struct db *db);
	/* A write transaction: begun (SQLite: its lock taken), committed,
	 * rolled back (nothing if none is open). 0 or DB_ERROR. */
	int (*begin)(struct db *db);
	int (*rollback)(struct db *db);
	bool (*wrote)(struct db *db);
	int (*savepoint)(struct db *db, bool alone);
	int (*release)(struct db *db);
	int (*rollback_to)(struct db *db);
	/* The commit in two halves (db_commit_send, db_commit_wait) and what
	 * to watch for its answer (-1: nothing, the answer is there). */
	int (*commit_send)(struct db *db);
	int (*commit_wait)(struct db *db, bool wait);
	int (*socket)(struct db *db);
	/* Brings the schema to scripts[count - 1]: 0, or -1 with err. */
	int (*migrate)(struct db *db, const struct store_migration *scripts, int count, char *err,
		       size_t err_size);
	/* A write that changes nothing, committed as any other: 0 if it was. */
	int (*probe_write)(struct db *db);
	/* Changes when another connection commits (at least). */
	int64_t (*data_version)(struct db *db);
	/* Synchronous standbys streaming, as the primary reports them, with
	 * the longest flush lag in *lag (seconds); 0 where nothing replicates
	 * (SQLite), DB_ERROR if the primary did not answer. */
	int (*standbys)(struct db *db, double *lag);
	/* Bytes free where the data is, -1 if not known here. */
	int64_t (*disk_free)(struct db *db);
	const char *(*errmsg)(struct db *db);
	void (*close)(struct db *db);
};

struct db {
	const struct db_driver *driver;
};

struct db_stmt {
	struct db *db;
};

/* The engines, opened (NULL with err on failure). */
struct db *db_sqlite_open(const char *path, enum cfg_sync sync, char *err, size_t err_size);
/* uri: libpq's, hosts and all; a call waits timeout_ms at most; with
 * standby_required, a transaction on a primary that waits for no standby
 * fails. */
struct db *db_pg_open(const char *uri, unsigned timeout_ms, bool standby_required, char *err,
		      size_t err_size);
/* Whether libpq can read uri: 0, or -1 with why in err. */
int db_pg_uri_check(const char *uri, char *err, size_t err_size);

static inline struct db_stmt *db_prepare(struct db *db, const char *sql)
{
	return db->driver->prepare(db, sql);
}
static inline int db_ready(struct db *db)
{
	return db->driver->ready(db);
}
static inline void db_finalize(struct db_stmt *st)
{
	if (st)
		st->db->driver->finalize(st);
}
static inline void db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	st->db->driver->bind_int(st, i, v);
}
/* len -1: up to the NUL */
static inline void db_bind_text(struct db_stmt *st, int i, const char *v, int len)
{
	st->db->driver->bind_text(st, i, v, len);
}
static inline void db_bind_blob(struct db_stmt *st, int i, const void *v, int len)
{
	st->db->driver->bind_blob(st, i, v, len);
}
static inline void db_bind_null(struct db_stmt *st, int i)
{
	st->db->driver->bind_null(st, i);
}
/* DB_ROW (read it with db_column_*), DB_DONE or DB_ERROR. */
static inline int db_step(struct db_stmt *st)
{
	return st->db->driver->step(st);
}
/* Runs st, whose rows and changes no one reads, and resets it: in a
 * transaction, where the engine is across a network, it is only sent, and
 * its answer read with the next statement's, which fails if st did.
 * 0 or DB_ERROR. */
static inline int db_run_later(struct db_stmt *st)
{
	return st->db->driver->run_later(st);
}
/* A hint: st, as it is bound, will be read soon in this transaction.
 * The reads named this way are fetched together at db_prefetched(), in
 * one round trip where the engine is across a network (PostgreSQL), and
 * each is answered from there when it is run, if nothing written since
 * could have changed it (its tables, told from its SQL). st is reset.
 * Nothing for SQLite, whose reads cost no round trip. */
static inline void db_prefetch(struct db_stmt *st)
{
	st->db->driver->prefetch(st);
}
static inline void db_prefetched(struct db *db)
{
	db->driver->prefetched(db);
}
/* What runs from now on is on behalf of one sender's requests in a batch
 * (1, 2, …; 0: of none): a read prefetched for it is answered to it
 * alone, and its writes to a table named by db_partition() change no
 * other scope's prefetched reads. The caller makes that true: a sender's
 * requests share one scope, and write to such a table only rows of their
 * sender. A write outside a scope, or to another table, changes
 * everyone's. Nothing for SQLite, which prefetches nothing. */
static inline void db_scope(struct db *db, unsigned request)
{
	db->driver->scope(db, request);
}
static inline void db_partition(struct db *db, const char *table)
{
	db->driver->partition(db, table);
}
/* Where an insert's RETURNING costs a round trip (PostgreSQL): n row ids
 * of table (its identity column "id") taken ahead, with the reads of the
 * next db_prefetched(), for db_take_id() to hand out until the
 * transaction ends. Nothing for SQLite. */
static inline void db_reserve_ids(struct db *db, const char *table, int n)
{
	db->driver->reserve_ids(db, table, n);
}
/* A row id reserved, 0 if none is left (the insert then asks for its
 * own). */
static inline int64_t db_take_id(struct db *db)
{
	return db->driver->take_id(db);
}
/* Ready to be bound and run again; its bindings forgotten. */
static inline void db_reset(struct db_stmt *st)
{
	st->db->driver->reset(st);
}
static inline int64_t db_column_int(struct db_stmt *st, int i)
{
	return st->db->driver->column_int(st, i);
}
/* Text or a blob's bytes, NUL-terminated; NULL for SQL NULL. */
static inline const unsigned char *db_column_text(struct db_stmt *st, int i)
{
	return st->db->driver->column_text(st, i);
}
static inline int db_column_bytes(struct db_stmt *st, int i)
{
	return st->db->driver->column_bytes(st, i);
}
static inline bool db_column_null(struct db_stmt *st, int i)
{
	return st->db->driver->column_null(st, i);
}
static inline int db_column_count(struct db_stmt *st)
{
	return st->db->driver->column_count(st);
}
/* Rows the last write changed. */
static inline int64_t db_changes(struct db *db)
{
	return db->driver->changes(db);
}
/* The row id the last insert gave. */
static inline int64_t db_last_id(struct db *db)
{
	return db->driver->last_id(db);
}
/* False once the engine ended a transaction by itself (SQLite: a full
 * disk; PostgreSQL: the connection dropped). */
static inline bool db_in_transaction(struct db *db)
{
	return db->driver->in_transaction(db);
}
static inline int db_begin(struct db *db)
{
	return db->driver->begin(db);
}
/* Ends the open transaction with a commit whose answer is not waited
 * for: 0 once it is on its way (or, SQLite, done), DB_ERROR. Until its
 * answer is read, the connection is the commit's: any other call waits
 * for it first. */
static inline int db_commit_send(struct db *db)
{
	return db->driver->commit_send(db);
}
/* The sent commit's outcome: 0 committed, DB_ERROR not (nothing of the
 * transaction kept), or without wait DB_BUSY while it is not known yet
 * (watch db_socket() for reading; past the transaction's deadline the
 * connection is dropped and it fails). */
static inline int db_commit_wait(struct db *db, bool wait)
{
	return db->driver->commit_wait(db, wait);
}
/* The socket a sent commit's answer comes on, -1 if none (it is known). */
static inline int db_socket(struct db *db)
{
	return db->driver->socket(db);
}
/* One message's part of a transaction: db_savepoint() before it, then
 * db_release() to keep what it wrote, or db_rollback_to() to undo only
 * that. With alone, its part is made undoable by itself: a savepoint,
 * whose release confirms its writes (a round trip, where the engine is
 * across a network). Without, where that has a cost (PostgreSQL: a
 * subtransaction and a round trip per message), none is made: a failure
 * then ends the whole transaction (db_in_transaction turns false), and
 * db_rollback_to() fails. SQLite makes a savepoint either way, at no
 * cost. 0 or DB_ERROR. */
static inline int db_savepoint(struct db *db, bool alone)
{
	return db->driver->savepoint(db, alone);
}
static inline int db_release(struct db *db)
{
	return db->driver->release(db);
}
static inline int db_rollback_to(struct db *db)
{
	return db->driver->rollback_to(db);
}
static inline int db_commit(struct db *db)
{
	return db_commit_send(db) < 0 ? DB_ERROR : db_commit_wait(db, true);
}
static inline int db_rollback(struct db *db)
{
	return db->driver->rollback(db);
}
static inline int db_migrate(struct db *db, const struct store_migration *scripts, int count,
			     char *err, size_t err_size)
{
	return db->driver->migrate(db, scripts, count, err, err_size);
}
static inline int db_probe_write(struct db *db)
{
	return db->driver->probe_write(db);
}
static inline int64_t db_data_version(struct db *db)
{
	return db->driver->data_version(db);
}
static inline int db_standbys(struct db *db, double *lag)
{
	return db->driver->standbys(db, lag);
}
static inline int64_t db_disk_free(struct db *db)
{
	return db->driver->disk_free(db);
}
/* Whether the open transaction has written anything (the engine's own
 * rows apart); true where a commit that wrote nothing costs nothing
 * (SQLite). */
static inline bool db_wrote(struct db *db)
{
	return db->driver->wrote(db);
}
static inline bool db_concurrent(struct db *db)
{
	return db->driver->concurrent;
}
static inline const char *db_backend(struct db *db)
{
	return db->driver->name;
}
static inline const char *db_errmsg(struct db *db)
{
	return db->driver->errmsg(db);
}
static inline void db_close(struct db *db)
{
	if (db)
		db->driver->close(db);
}

#endif
