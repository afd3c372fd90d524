/*
 * db_pg — PostgreSQL under db.h, through libpq on the loop's thread.
 *
 * The connection is libpq's non-blocking one, to a URI that may name
 * several hosts with target_session_attrs=read-write, so that after a
 * promotion the next connect finds the new primary, in pipeline mode: a
 * statement whose answer no one waits for is only sent, and a read is
 * fetched ahead with others (db_pg_cache.c). A call that needs an answer
 * waits for it on the socket with poll(), the loop with it, never past
 * the transaction's deadline (the timeout from its BEGIN): past it, the
 * connection is dropped (never a cancel, which would leave a commit
 * standing on the primary alone) and the call fails, so the batch is
 * answered 503 and Kannel tries again. A commit is only sent: its
 * answer is read when it comes (db_commit_wait, batch.c).
 *
 * A commit is kept only if the primary answered it without a WARNING:
 * "canceling wait for synchronous replication" comes as one, with the row
 * already committed locally and on no standby. Every transaction writes
 * a row when it begins (PostgreSQL waits for a standby only at the commit
 * of a transaction that wrote), so even one that only read (a repeat
 * found) waits at its commit for a standby to have everything committed
 * before it, the repeat's first commit too. Each connection asks for
 * synchronous_commit = on (remote_apply if it says so already), whatever
 * the role or the database set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_pg.h"
#include "log.h"
#include "store_migrate.h"

bool pg_overdue;

/* store.c's ?N as PostgreSQL's $N, outside quoted text. */
static char *dialect(const char *sql, int *params)
{
	char *out = malloc(strlen(sql) + 1);
	if (!out)
		return NULL;
	char *o = out;
	bool quoted = false;
	*params = 0;
	for (const char *s = sql; *s; s++) {
		if (*s == '\'')
			quoted = !quoted;
		if (*s != '?' || quoted) {
			*o++ = *s;
			continue;
		}
		*o++ = '$';
		int n = (int)strtol(s + 1, NULL, 10);
		if (n > *params)
			*params = n;
	}
	*o = '\0';
	return out;
}

static struct db_stmt *prepare(struct db *db, const char *sql)
{
	struct pg_stmt *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->st.db = db;
	p->sql = dialect(sql, &p->params);
	if (!p->sql || p->params > PARAMS_MAX) {
		pg_fail(pg(db), "preparing", p->sql ? "too many parameters" : "out of memory");
		free(p->sql);
		free(p);
		return NULL;
	}
	struct pg_db *d = pg(db);
	snprintf(p->name, sizeof p->name, "s%u", ++d->statement_count);
	pg_classify(d, p);
	p->next = d->statements;
	d->statements = p;
	return &p->st;
}

static void forget_row(struct pg_stmt *p)
{
	for (int i = 0; p->decoded && i < p->columns; i++)
		free(p->decoded[i]);
	free(p->decoded);
	free(p->decoded_len);
	p->decoded = NULL;
	p->decoded_len = NULL;
}

void pg_reset(struct db_stmt *st)
{
	struct pg_stmt *p = pst(st);
	forget_row(p);
	PQclear(p->result);
	p->result = NULL;
	p->executed = false;
	p->unbound = false;
	for (int i = 0; i < PARAMS_MAX; i++) {
		free(p->copy[i]);
		p->copy[i] = NULL;
	}
	memset(p->value, 0, sizeof p->value);
}

static void finalize(struct db_stmt *st)
{
	struct pg_db *d = pg(st->db);
	struct pg_stmt **link = &d->statements;
	while (*link && *link != pst(st))
		link = &(*link)->next;
	if (*link)
		*link = pst(st)->next;
	pg_reset(st);
	free(pst(st)->sql);
	free(st);
}

static void bind_int(struct db_stmt *st, int i, int64_t v)
{
	struct pg_stmt *p = pst(st);
	snprintf(p->number[i - 1], sizeof p->number[i - 1], "%lld", (long long)v);
	p->value[i - 1] = p->number[i - 1];
	p->length[i - 1] = (int)strlen(p->number[i - 1]);
}

static void bind_text(struct db_stmt *st, int i, const char *v, int len)
{
	struct pg_stmt *p = pst(st);
	free(p->copy[i - 1]);
	p->copy[i - 1] = NULL;
	if (len >= 0) { /* libpq reads a text parameter up to its NUL */
		p->copy[i - 1] = malloc((size_t)len + 1);
		p->unbound |= !p->copy[i - 1];
		if (p->copy[i - 1]) {
			memcpy(p->copy[i - 1], v, (size_t)len);
			p->copy[i - 1][len] = '\0';
		}
		v = p->copy[i - 1] ? p->copy[i - 1] : "";
	}
	p->value[i - 1] = v;
	p->length[i - 1] = len < 0 ? (int)strlen(v) : len;
}

static void bind_blob(struct db_stmt *st, int i, const void *v, int len)
{
	struct pg_stmt *p = pst(st);
	p->value[i - 1] = len ? v : "";
	p->length[i - 1] = len;
}

static void bind_null(struct db_stmt *st, int i)
{
	pst(st)->value[i - 1] = NULL;
}

static int ready(struct db *db)
{
	struct pg_db *d = pg(db);
	d->ready = true;
	/* a new connection prepares them itself */
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK)
		return pg_connected(d) ? 0 : DB_ERROR;
	return pg_prepare_all(d, pg_now() + d->timeout_s) ? 0 : DB_ERROR;
}

/* --- statements ------------------------------------------------------------ */

/* Runs p: with later, in a transaction, only sends it (its answer is
 * read with the next statement's, and an error fails that one). */
static int execute(struct pg_stmt *p, bool later)
{
	struct pg_db *d = pg(p->st.db);
	d->warned = false;
	p->row = -1;
	if (p->unbound || d->aborted) {
		pg_fail(d,
			d->aborted ? "the transaction is over: it must be rolled back"
				   : "out of memory",
			NULL);
		return DB_ERROR;
	}
	if (p->kind == PG_READ && pg_cache_take(d, p))
		return DB_DONE;
	pg_cache_drop(d, p->kind == PG_WRITE ? p->writes : 0);
	d->wrote |= p->kind == PG_WRITE;
	if (!pg_connected(d) || !pg_pipeline(d, true))
		return DB_ERROR;
	double deadline = pg_deadline(d);
	if (!pg_send_prepared(d, p, p->value, p->length))
		return DB_ERROR;
	if (later && d->in_transaction) {
		d->pending++;
		return DB_DONE;
	}
	if (!pg_round_trip(d, &p->result, 1, deadline))
		return DB_ERROR;
	d->changes = strtoll(PQcmdTuples(p->result), NULL, 10);
	return DB_DONE;
}

static int step(struct db_stmt *st)
{
	struct pg_stmt *p = pst(st);
	if (!p->executed) {
		if (execute(p, false) < 0)
			return DB_ERROR;
		p->executed = true;
	}
	forget_row(p);
	p->row++;
	return p->row < PQntuples(p->result) ? DB_ROW : DB_DONE;
}

static int run_later(struct db_stmt *st)
{
	int rc = execute(pst(st), true);
	pg_reset(st);
	return rc < 0 ? DB_ERROR : 0;
}

/* Column i's bytea value as bytes, decoded once per row. */
static const unsigned char *bytes_of(struct pg_stmt *p, int i, size_t *len)
{
	if (!p->decoded) {
		p->columns = PQnfields(p->result);
		p->decoded = calloc((size_t)p->columns, sizeof *p->decoded);
		p->decoded_len = calloc((size_t)p->columns, sizeof *p->decoded_len);
		if (!p->decoded || !p->decoded_len) {
			forget_row(p);
			return NULL;
		}
	}
	if (!p->decoded[i]) {
		size_t n = 0;
		unsigned char *raw =
		    PQunescapeBytea((const unsigned char *)PQgetvalue(p->result, p->row, i), &n);
		unsigned char *copy = raw ? malloc(n + 1) : NULL; /* NUL-terminated, as db.h says */
		if (copy) {
			memcpy(copy, raw, n);
			copy[n] = '\0';
		}
		PQfreemem(raw);
		if (!copy)
			return NULL;
		p->decoded[i] = copy;
		p->decoded_len[i] = n;
	}
	*len = p->decoded_len[i];
	return p->decoded[i];
}

static bool is_bool(struct pg_stmt *p, int i)
{
	return PQftype(p->result, i) == OID_BOOL;
}

static bool is_bytea(struct pg_stmt *p, int i)
{
	return PQftype(p->result, i) == OID_BYTEA;
}

static bool column_null(struct db_stmt *st, int i)
{
	return PQgetisnull(pst(st)->result, pst(st)->row, i);
}

static int64_t column_int(struct db_stmt *st, int i)
{
	struct pg_stmt *p = pst(st);
	const char *v = PQgetvalue(p->result, p->row, i);
	if (is_bool(p, i))
		return *v == 't';
	return strtoll(v, NULL, 10); /* "" for NULL: 0, as SQLite says */
}

static const unsigned char *column_text(struct db_stmt *st, int i)
{
	struct pg_stmt *p = pst(st);
	if (column_null(st, i))
		return NULL;
	if (is_bool(p, i)) /* as SQLite's 1 and 0 */
		return (const unsigned char *)(column_int(st, i) ? "1" : "0");
	size_t len;
	if (is_bytea(p, i))
		return bytes_of(p, i, &len);
	return (const unsigned char *)PQgetvalue(p->result, p->row, i);
}

static int column_bytes(struct db_stmt *st, int i)
{
	struct pg_stmt *p = pst(st);
	size_t len = 0;
	if (column_null(st, i))
		return 0;
	if (is_bool(p, i))
		return 1;
	if (is_bytea(p, i))
		return bytes_of(p, i, &len) ? (int)len : 0;
	return PQgetlength(p->result, p->row, i);
}

static int column_count(struct db_stmt *st)
{
	return PQnfields(pst(st)->result);
}

static int64_t changes(struct db *db)
{
	return pg(db)->changes;
}

static int64_t single_value(struct pg_db *d, const char *sql)
{
	PGresult *r = pg_run_sql(d, sql);
	int64_t v = r && PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : DB_ERROR;
	PQclear(r);
	return v;
}

static int64_t last_id(struct db *db)
{
	return single_value(pg(db), "SELECT lastval()");
}

static bool in_transaction(struct db *db)
{
	return pg(db)->in_transaction && pg(db)->conn && !pg(db)->aborted;
}

/* Synchronous standbys streaming, as the primary reports them; DB_ERROR
 * if it did not answer, or if this role may not read them (PostgreSQL
 * then shows their state as NULL: GRANT pg_monitor, contrib/postgresql). */
static int standbys(struct db *db, double *lag)
{
	struct pg_db *d = pg(db);
	PGresult *r = pg_run_sql(d, "SELECT count(*) FILTER (WHERE state IS NULL),"
				    " count(*) FILTER (WHERE state = 'streaming'"
				    " AND sync_state IN ('sync', 'quorum')),"
				    " coalesce(extract(epoch FROM max(flush_lag)), 0)"
				    " FROM pg_stat_replication");
	int count = DB_ERROR;
	if (r && PQntuples(r) == 1 && strtol(PQgetvalue(r, 0, 0), NULL, 10) == 0) {
		count = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
		*lag = strtod(PQgetvalue(r, 0, 2), NULL);
	} else if (r) {
		pg_fail(d, "this role may not read pg_stat_replication (GRANT pg_monitor)", NULL);
	}
	PQclear(r);
	return count;
}

/* The server's transaction ended as the driver thinks: a connection left
 * inside one (a BEGIN half done, a COMMIT not sent) is dropped, or its
 * next BEGIN would fail for ever. */
static void settled(struct pg_db *d)
{
	if (d->conn && PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		pg_drop(d);
}

/* A row of its own written by this session (so no two sessions wait for
 * each other's): what makes a commit wait for a standby (see above). */
#define COMMIT_MARK                                                                                \
	"INSERT INTO chabar_commit_marks (backend, at) VALUES (pg_backend_pid(), now())"           \
	" ON CONFLICT (backend) DO UPDATE SET at = excluded.at"

/* Fails, the transaction with it, if the primary waits for no standby
 * at all (it may have been set to wait for none since the last one): its
 * answer comes with the first statement's, so the failure is made by the
 * server, a cast that cannot succeed, whose message says why (of the
 * empty setting and the text, not of a constant, which the planner would
 * fold, failing every time). */
#define STANDBY_NAMED                                                                              \
	"SELECT CASE WHEN current_setting('synchronous_standby_names') = '' THEN CAST("            \
	"current_setting('synchronous_standby_names') || 'the primary waits for no standby"        \
	" (synchronous_standby_names is empty)' AS integer) ELSE 0 END"

/* What was held for a transaction: its reads fetched ahead, its ids. */
static void forget_held(struct pg_db *d)
{
	pg_cache_drop(d, UINT64_MAX);
	d->id_count = d->next_id = 0;
}

/* Sends one of the driver's own statements, its answer read with the
 * next round trip's. */
static bool send_own(struct pg_db *d, struct pg_stmt *p)
{
	if (!pg_send_prepared(d, p, p->value, p->length))
		return false;
	d->pending++;
	return true;
}

static int begin(struct db *db)
{
	struct pg_db *d = pg(db);
	d->in_transaction = false;
	forget_held(d);
	/* After a wait ran out, most likely for a standby: while the primary
	 * reports none, fail at once rather than leave one more commit on the
	 * primary alone (and one more backend waiting there). If it cannot
	 * say, the commit will. */
	double lag;
	if (pg_overdue && (pg_overdue = standbys(db, &lag) == 0)) {
		pg_fail(d, "no synchronous standby streams to the primary: a commit would wait",
			NULL);
		return DB_ERROR;
	}
	/* Sent, not waited for: the answers come with the first statement's
	 * (a batch's reads fetched ahead), and if one failed, so does that
	 * statement, and the transaction is over (fragile). A row written,
	 * so that the commit waits for a standby even when the transaction
	 * only read (see above). */
	d->deadline = pg_now() + d->timeout_s; /* for all of it, the commit's answer too */
	d->aborted = d->wrote = false;
	d->in_transaction = pg_send_later(d, "BEGIN") && send_own(d, d->mark) &&
			    (!d->standby_required || send_own(d, d->named));
	d->fragile = d->in_transaction;
	return d->in_transaction ? 0 : DB_ERROR;
}

static int commit_send(struct db *db)
{
	struct pg_db *d = pg(db);
	forget_held(d);
	bool sent = in_transaction(db) && pg_send_commit(d);
	d->in_transaction = d->aborted = false;
	if (!sent)
		settled(d); /* a transaction left open is dropped with its connection */
	return sent ? 0 : DB_ERROR;
}

static int commit_wait(struct db *db, bool wait)
{
	return pg_read_commit(pg(db), wait);
}

static int socket_of(struct db *db)
{
	struct pg_db *d = pg(db);
	return d->committing ? pg_socket(d) : -1;
}

static bool wrote(struct db *db)
{
	return pg(db)->wrote;
}

static int savepoint(struct db *db, bool alone)
{
	struct pg_db *d = pg(db);
	d->alone = alone;
	d->fragile |= !alone; /* no savepoint: a failure is the transaction's */
	if (!in_transaction(db))
		return DB_ERROR;
	return !alone || pg_send_later(d, "SAVEPOINT message") ? 0 : DB_ERROR;
}

/* Sends sql after what is pending and waits for all of it. */
static int confirm(struct pg_db *d, const char *sql)
{
	return pg_send_later(d, sql) && pg_round_trip(d, NULL, 0, pg_deadline(d)) ? 0 : DB_ERROR;
}

static int release(struct db *db)
{
	struct pg_db *d = pg(db);
	if (!in_transaction(db))
		return DB_ERROR;
	return d->alone ? confirm(d, "RELEASE message") : 0;
}

static int rollback_to(struct db *db)
{
	struct pg_db *d = pg(db);
	pg_cache_drop(d, UINT64_MAX); /* what was held may be undone */
	if (!d->alone || !in_transaction(db)) {
		d->aborted = true;
		pg_fail(d, "the transaction is over", "a message failed that had no savepoint");
		return DB_ERROR;
	}
	/* ROLLBACK TO keeps the savepoint open: released too */
	return confirm(d, "ROLLBACK TO message") == 0 ? confirm(d, "RELEASE message") : DB_ERROR;
}

static int rollback(struct db *db)
{
	struct pg_db *d = pg(db);
	int rc = d->in_transaction && d->conn && !d->committing ? pg_run_command(d, "ROLLBACK") : 0;
	d->in_transaction = d->aborted = false;
	forget_held(d);
	settled(d);
	return rc;
}

/* One script in its own transaction, the schema table locked so that two
 * processes starting together apply it once. */
static int apply(struct pg_db *d, const struct store_migration *m)
{
	char done_sql[128];
	snprintf(done_sql, sizeof done_sql, "UPDATE chabar_schema SET version = %d", m->version);
	/* the session's lock_timeout is for messages: another process's
	 * migration is waited for, up to the deadline */
	if (pg_run_command(d, "BEGIN; SET LOCAL lock_timeout = 0;"
			      " LOCK TABLE chabar_schema IN EXCLUSIVE MODE") < 0)
		return -1;
	int64_t version = single_value(d, "SELECT version FROM chabar_schema");
	if (version >= m->version) /* the other process did it */
		return pg_run_command(d, "COMMIT");
	if (version < 0 || pg_run_command(d, m->sql_postgresql) < 0 ||
	    pg_run_command(d, done_sql) < 0 || pg_run_command(d, "COMMIT") < 0) {
		if (d->conn)
			pg_run_command(d, "ROLLBACK");
		return -1;
	}
	log_msg(LOG_LEVEL_INFO, "migrated", "version=%d name=%s", m->version, m->name);
	return 0;
}

static int migrate(struct db *db, const struct store_migration *scripts, int count, char *err,
		   size_t err_size)
{
	struct pg_db *d = pg(db);
	int64_t version = -1;
	if (pg_run_command(d,
			   "CREATE TABLE IF NOT EXISTS chabar_commit_marks"
			   " (backend integer PRIMARY KEY, at timestamptz NOT NULL);"
			   " CREATE TABLE IF NOT EXISTS chabar_schema (version integer NOT NULL);"
			   " INSERT INTO chabar_schema SELECT 0"
			   " WHERE NOT EXISTS (SELECT 1 FROM chabar_schema)") == 0)
		version = single_value(d, "SELECT version FROM chabar_schema");
	if (version > count) {
		snprintf(err, err_size,
			 "database schema version %lld is newer than this chabar knows (%d): "
			 "run a newer chabar or restore a matching backup",
			 (long long)version, count);
		return -1;
	}
	for (int i = version < 0 ? count : (int)version; i < count; i++) {
		if (apply(d, &scripts[i]) < 0) {
			snprintf(err, err_size, "migration %s: %s", scripts[i].name, d->err);
			return -1;
		}
	}
	if (version < 0)
		snprintf(err, err_size, "%s", d->err);
	return version < 0 ? -1 : 0;
}

static int probe_write(struct db *db)
{
	/* a row version written, and its commit waits for a standby */
	return pg_run_command(pg(db), COMMIT_MARK);
}

static int64_t data_version(struct db *db)
{
	/* where the primary's log has come to: it moves with every commit */
	PGresult *r = pg_run_sql(pg(db), "SELECT pg_current_wal_insert_lsn()");
	unsigned hi = 0, lo = 0;
	bool read = r && PQntuples(r) == 1 && sscanf(PQgetvalue(r, 0, 0), "%X/%X", &hi, &lo) == 2;
	PQclear(r);
	return read ? (int64_t)(((uint64_t)hi << 32 | lo) & INT64_MAX) : DB_ERROR;
}

static int64_t disk_free(struct db *db)
{
	return -1; /* the primary's disk is its own to watch */
}

static const char *errmsg(struct db *db)
{
	return pg(db)->err;
}

static void close_db(struct db *db)
{
	struct pg_db *d = pg(db);
	pg_drop(d);
	struct pg_stmt *own[] = {d->mark, d->named, d->reserve};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (own[i])
			finalize(&own[i]->st);
	pg_cache_free(d);
	for (int i = 0; i < d->table_count; i++)
		free(d->tables[i]);
	pg_forget_uri(d);
	free(d);
}

static const struct db_driver pg_driver = {
    .name = "postgresql",
    .concurrent = true,
    .prepare = prepare,
    .finalize = finalize,
    .bind_int = bind_int,
    .bind_text = bind_text,
    .bind_blob = bind_blob,
    .bind_null = bind_null,
    .step = step,
    .reset = pg_reset,
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
    .scope = pg_scope,
    .partition = pg_partition,
    .wrote = wrote,
    .savepoint = savepoint,
    .release = release,
    .rollback_to = rollback_to,
    .reserve_ids = pg_reserve_ids,
    .take_id = pg_take_id,
    .rollback = rollback,
    .migrate = migrate,
    .probe_write = probe_write,
    .data_version = data_version,
    .ready = ready,
    .run_later = run_later,
    .prefetch = pg_prefetch,
    .prefetched = pg_prefetched,
    .standbys = standbys,
    .disk_free = disk_free,
    .errmsg = errmsg,
    .close = close_db,
};

struct db *db_pg_open(const char *uri, unsigned timeout_ms, bool standby_required, char *err,
		      size_t err_size)
{
	struct pg_db *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	d->db.driver = &pg_driver;
	d->timeout_s = timeout_ms / 1000.0;
	d->standby_required = standby_required;
	struct db_stmt *mark = prepare(&d->db, COMMIT_MARK);
	struct db_stmt *named = prepare(&d->db, STANDBY_NAMED);
	struct db_stmt *reserve = prepare(&d->db, "SELECT nextval(pg_get_serial_sequence(?1, 'id'))"
						  " FROM generate_series(1, CAST(?2 AS integer))");
	d->mark = mark ? pst(mark) : NULL;
	d->named = named ? pst(named) : NULL;
	d->reserve = reserve ? pst(reserve) : NULL;
	if (!mark || !named || !reserve) {
		snprintf(err, err_size, "out of memory");
		close_db(&d->db);
		return NULL;
	}
	char why[256];
	if (!pg_read_uri(d, uri, why, sizeof why)) {
		snprintf(err, err_size, "[store] uri: %s", why);
		close_db(&d->db);
		return NULL;
	}
	if (!pg_connected(d)) {
		snprintf(err, err_size, "%s", d->err);
		close_db(&d->db);
		return NULL;
	}
	return &d->db;
}

int db_pg_uri_check(const char *uri, char *err, size_t err_size)
{
	struct pg_db d = {0};
	bool ok = pg_read_uri(&d, uri, err, err_size);
	pg_forget_uri(&d);
	return ok ? 0 : -1;
}
