/*
 * db_pg — what the three files of the PostgreSQL driver share (db_pg.c:
 * statements, transactions and migrations; db_pg_wire.c: the connection
 * and its round trips; db_pg_cache.c: reads fetched ahead). Only they
 * include it; everything else sees db.h.
 */
#ifndef CHABAR_DB_PG_H
#define CHABAR_DB_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/* PostgreSQL's type oids (catalog/pg_type.h, which libpq does not ship) */
#define OID_BOOL  16
#define OID_BYTEA 17

#define PARAMS_MAX      16   /* the most parameters a statement of store.c takes */
#define TABLES_MAX      63   /* tables told apart by the read cache; more share bit 63 */
#define CACHE_MAX       2048 /* reads db_prefetch() may hold at once (a batch's) */
#define CACHE_KEY       256  /* bytes of bound values a held read is found by */
#define PG_HOSTS_MAX    8    /* hosts a URI may name */
#define PG_CONNINFO_MAX 64   /* connection options libpq knows, and more */
#define IDS_MAX         512  /* row ids one transaction may reserve (db_reserve_ids) */

/* What a statement does, as far as the read cache and a transaction's
 * failures need to know. */
enum pg_kind { PG_READ, PG_WRITE };

struct pg_stmt;

/* A read sent ahead (db_prefetch), found again by its statement and the
 * values it was bound with. */
struct pg_cached {
	struct pg_stmt *stmt;
	unsigned scope;         /* the request it was fetched for (db_scope) */
	int length[PARAMS_MAX]; /* -1: NULL */
	char key[CACHE_KEY];    /* the values, each NUL-terminated, one after the other */
	PGresult *result;       /* NULL until fetched */
};

struct pg_db {
	struct db db;               /* first: a struct db * is one of these */
	PQconninfoOption *conninfo; /* the URI, read (pg_read_uri) */
	/* its hosts, one entry each (NULL where it gives none) */
	char *host[PG_HOSTS_MAX], *hostaddr[PG_HOSTS_MAX], *port[PG_HOSTS_MAX];
	int hosts;
	int last_host;         /* the one that was the primary last */
	bool standby_required; /* [store] standby */
	double timeout_s;
	PGconn *conn;
	struct pg_stmt *statements; /* every one made, newest first */
	unsigned statement_count;   /* names given */
	bool ready;                 /* all made: each connection prepares them */
	int64_t changes;
	bool warned;         /* the server sent a WARNING with the running command */
	bool in_transaction; /* begun, not yet committed or rolled back */
	bool aborted;        /* ended by the driver: its statements fail until rollback */
	bool committing;     /* a COMMIT sent, its answers not all read yet */
	bool commit_ok;      /* none of the commit's answers failed so far */
	int committed;       /* the last commit's outcome, once read */
	double deadline;     /* of the open transaction, its commit's answer included */
	int pending;         /* statements sent whose answers are not read yet */
	/* a failure among them ends the transaction: its BEGIN unanswered,
	 * or a message's writes with no savepoint of its own (db_savepoint) */
	bool fragile;
	bool alone;       /* the running message has a savepoint of its own */
	bool wrote;       /* the transaction ran a write of store.c's */
	bool commit_said; /* the last answer read of a commit's was COMMIT's "COMMIT" */
	double connect_after;
	char *tables[TABLES_MAX]; /* names, by the bit that stands for them */
	int table_count;
	struct pg_cached *cache; /* CACHE_MAX of them, made with the first */
	int cached;
	unsigned scope; /* the request running (db_scope), 0 if none */
	/* the driver's own statements, prepared with store.c's: the row of
	 * this session's commit (db_pg.c: begin), whether a standby is
	 * waited for, row ids taken from a table's sequence */
	struct pg_stmt *mark, *named, *reserve;
	int64_t ids[IDS_MAX]; /* reserved, not yet handed out: ids[next_id … id_count) */
	int id_count, next_id;
	uint64_t partitioned; /* tables whose rows are each one request's (db_partition) */
	char err[512];
};

struct pg_stmt {
	struct db_stmt st; /* first */
	struct pg_stmt *next;
	char *sql; /* with $N for ?N */
	char name[16];
	int params;
	bool bytea[PARAMS_MAX]; /* a parameter the server takes as bytea: sent as bytes */
	const char *value[PARAMS_MAX];
	int length[PARAMS_MAX];
	char number[PARAMS_MAX][24];
	char *copy[PARAMS_MAX]; /* text bound with a length, NUL-terminated here */
	bool unbound;           /* a value could not be kept: the statement fails */
	enum pg_kind kind;
	uint64_t reads;  /* tables it reads, a bit each (table_bit) */
	uint64_t writes; /* the table it writes */
	PGresult *result;
	bool executed; /* since the last reset */
	int row;
	unsigned char **decoded; /* bytea columns of the current row, as bytes */
	size_t *decoded_len;
	int columns; /* of decoded[] */
};

static inline struct pg_db *pg(struct db *db)
{
	return (struct pg_db *)db;
}

static inline struct pg_stmt *pst(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* --- db_pg_wire.c --------------------------------------------------------- */

/* Reads uri into d's conninfo and host lists: false with err (the URI not
 * in it: it may hold a password) if libpq cannot read it, if its lists of
 * hosts, addresses and ports differ, or if a host holds an '@' (a
 * password's, not percent-encoded). */
bool pg_read_uri(struct pg_db *d, const char *uri, char *err, size_t err_size);
/* What pg_read_uri kept, the password zeroed. */
void pg_forget_uri(struct pg_db *d);
/* The monotonic clock, in seconds. */
double pg_now(void);
/* d->err says what failed: "what: detail". */
void pg_fail(struct pg_db *d, const char *what, const char *detail);
/* Closes the connection (what was held of it forgotten): the next call
 * connects again. */
void pg_drop(struct pg_db *d);
/* A connection, made now if there is none, every statement prepared on
 * it once d->ready: false with d->err if not. */
bool pg_connected(struct pg_db *d);
/* Every statement of d prepared on this connection in one round trip. */
bool pg_prepare_all(struct pg_db *d, double deadline);
/* Pipeline mode on (prepared statements) or off (pg_run_sql). */
bool pg_pipeline(struct pg_db *d, bool on);
/* Sends p with these values; false (dropped) if libpq could not. */
bool pg_send_prepared(struct pg_db *d, struct pg_stmt *p, const char *const *value,
		      const int *length);
/* One round trip of the pipeline: the answers to the statements still
 * pending, then to the n sent last, into out[]. */
bool pg_round_trip(struct pg_db *d, PGresult **out, int n, double deadline);
/* SQL without parameters, several statements in one string allowed: the
 * last one's result, or NULL with d->err. */
PGresult *pg_run_sql(struct pg_db *d, const char *sql);
int pg_run_command(struct pg_db *d, const char *sql);

/* A wait ran out, on any connection of this process (the lanes of
 * batch.c each have one): is a standby there? The primary's standbys
 * are one fact for all of them. Loop thread only. */
extern bool pg_overdue;

/* The time the running call may wait until: the open transaction's
 * deadline, or the timeout from now outside one. */
double pg_deadline(const struct pg_db *d);
/* The connection's socket, -1 if there is none. */
int pg_socket(struct pg_db *d);
/* Sends SQL without parameters into the pipeline, its answer read with
 * the next round trip's: false (dropped) if libpq could not. */
bool pg_send_later(struct pg_db *d, const char *sql);
/* Sends COMMIT after what is pending, and a sync: false (dropped) if
 * libpq could not. */
bool pg_send_commit(struct pg_db *d);
/* Reads the answers to what pg_send_commit sent, as far as they have
 * come (all of them, up to the deadline, with wait): DB_BUSY while some
 * are still to come, else d->committed, which it sets: 0 only if none
 * failed and COMMIT said COMMIT without a warning (db_pg.c says why). */
int pg_read_commit(struct pg_db *d, bool wait);

/* --- db_pg_cache.c -------------------------------------------------------- */

/* What p does and which tables it reads and writes, from its SQL. */
void pg_classify(struct pg_db *d, struct pg_stmt *p);
/* Forgets the held reads a write to `tables` may change (UINT64_MAX:
 * all). */
void pg_cache_drop(struct pg_db *d, uint64_t tables);
/* The read held for p as it is bound, moved to p: false if none. */
bool pg_cache_take(struct pg_db *d, struct pg_stmt *p);
/* db.h's prefetch, prefetched, scope and partition. */
void pg_prefetch(struct db_stmt *st);
void pg_prefetched(struct db *db);
void pg_scope(struct db *db, unsigned request);
void pg_partition(struct db *db, const char *table);
void pg_reserve_ids(struct db *db, const char *table, int n);
int64_t pg_take_id(struct db *db);
/* Forgets every held read, and the cache itself. */
void pg_cache_free(struct pg_db *d);

/* --- db_pg.c -------------------------------------------------------------- */

/* db.h's reset. */
void pg_reset(struct db_stmt *st);

#endif
