/*
 * db_pg — PostgreSQL under db.h, through libpq on the loop's thread.
 *
 * The connection is libpq's non-blocking one, to a URI that may name
 * several hosts with target_session_attrs=read-write, so that after a
 * promotion the next connect finds the new primary. Each call sends its
 * statement and waits for the answer on the socket with poll(), never
 * longer than the timeout: past it, the connection is dropped (never a
 * cancel, which would leave a commit standing on the primary alone) and
 * the call fails, so the batch is answered 503 and Kannel tries again.
 * The loop waits with the call: ARCHITECTURE.md says why that is the
 * shape for now, and what it costs.
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
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "store_migrate.h"

/* PostgreSQL's type oids (catalog/pg_type.h, which libpq does not ship) */
#define OID_BOOL  16
#define OID_BYTEA 17
#define OID_INT8  20

#define PARAMS_MAX 16  /* the most parameters a statement of store.c takes */
#define TABLES_MAX 63  /* tables told apart by the read cache; more share bit 63 */
#define CACHE_MAX  16  /* reads db_prefetch() may hold at once */
#define CACHE_KEY  256 /* bytes of bound values a held read is found by */

/* After a failed connect, calls fail at once for this long rather than
 * each waiting out its own connect. */
#define RECONNECT_AFTER_S 1.0

/* What a statement does, as far as the read cache needs to know. */
enum pg_kind { PG_READ, PG_WRITE, PG_SAVEPOINT_COMMAND };

struct pg_stmt;

/* A read sent ahead (db_prefetch), found again by its statement and the
 * values it was bound with. */
struct pg_cached {
	struct pg_stmt *stmt;
	int length[PARAMS_MAX]; /* -1: NULL */
	char key[CACHE_KEY];    /* the values, each NUL-terminated, one after the other */
	PGresult *result;       /* NULL until fetched */
};

struct pg_db {
	struct db db; /* first: a struct db * is one of these */
	char *uri;
	double timeout_s;
	PGconn *conn;
	struct pg_stmt *statements; /* every one made, newest first */
	unsigned statement_count;   /* names given */
	bool ready;                 /* all made: each connection prepares them */
	int64_t changes;
	bool warned;         /* the server sent a WARNING with the running command */
	bool in_transaction; /* begun, not yet committed or rolled back */
	bool overdue;        /* the last wait ran out: is a standby there? */
	int pending;         /* SAVEPOINTs sent whose answers are not read yet */
	double connect_after;
	char *tables[TABLES_MAX]; /* names, by the bit that stands for them */
	int table_count;
	struct pg_cached cache[CACHE_MAX];
	int cached;
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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct pg_db *pg(struct db *db)
{
	return (struct pg_db *)db;
}

static struct pg_stmt *pst(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

static void fail(struct pg_db *d, const char *what, const char *detail)
{
	snprintf(d->err, sizeof d->err, "%s%s%s", what, detail && *detail ? ": " : "",
		 detail ? detail : "");
	size_t n = strlen(d->err); /* libpq's messages end in a newline */
	while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

/* Closes the connection: the next call connects again. */
static void cache_drop(struct pg_db *d, uint64_t tables);

static void drop(struct pg_db *d)
{
	cache_drop(d, UINT64_MAX);
	d->pending = 0;
	if (!d->conn)
		return;
	PQfinish(d->conn);
	d->conn = NULL;
}

/* Waits until the socket is ready for events, or the deadline. */
static bool wait_socket(struct pg_db *d, short events, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = PQsocket(d->conn), .events = events};
		int n = poll(&p, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

static void on_notice(void *arg, const PGresult *r)
{
	struct pg_db *d = arg;
	const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	bool warning = severity && strcmp(severity, "WARNING") == 0;
	if (warning) {
		d->warned = true;
		fail(d, "the server warned", message);
	}
	log_msg(warning ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG, "store_notice",
		"severity=%s message=\"%s\"", severity ? severity : "-", message ? message : "");
}

static bool prepare_all(struct pg_db *d, double deadline);
static bool commits_wait_for_standby(struct pg_db *d);

/* A connection, made now if there is none, every statement prepared on
 * it: false with d->err if not. */
static bool connected(struct pg_db *d)
{
	if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
		return true;
	drop(d);
	if (d->in_transaction) { /* a new connection would run the rest outside it */
		fail(d, "the transaction was lost with its connection", NULL);
		return false;
	}
	double now = now_s();
	if (now < d->connect_after)
		return false; /* d->err still says why the last try failed */
	double deadline = now + d->timeout_s;
	d->conn = PQconnectStart(d->uri);
	PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
	while (d->conn && PQstatus(d->conn) != CONNECTION_BAD && polling != PGRES_POLLING_OK &&
	       polling != PGRES_POLLING_FAILED) {
		if (!wait_socket(d, polling == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline))
			break;
		polling = PQconnectPoll(d->conn);
	}
	if (!d->conn || polling != PGRES_POLLING_OK || PQsetnonblocking(d->conn, 1) != 0) {
		fail(d, "connecting to PostgreSQL",
		     !d->conn ? "out of memory"
		     : polling == PGRES_POLLING_FAILED || PQstatus(d->conn) == CONNECTION_BAD
			 ? PQerrorMessage(d->conn)
			 : "no read-write server answered in time");
		drop(d);
		d->connect_after = now_s() + RECONNECT_AFTER_S;
		log_msg(LOG_LEVEL_ERROR, "store_connect", "error=\"%s\"", d->err);
		return false;
	}
	PQsetNoticeReceiver(d->conn, on_notice, d);
	log_msg(LOG_LEVEL_INFO, "store_connected", "host=%s port=%s", PQhost(d->conn),
		PQport(d->conn));
	if (!commits_wait_for_standby(d) || (d->ready && !prepare_all(d, deadline))) {
		drop(d);
		d->connect_after = now_s() + RECONNECT_AFTER_S;
		return false;
	}
	return true;
}

/* The connection is gone, or the server too slow: dropped, d->err says
 * which. */
static void lost(struct pg_db *d, double deadline)
{
	d->overdue = now_s() >= deadline;
	fail(d,
	     d->overdue ? "PostgreSQL did not answer in time, connection dropped"
			: "connection to PostgreSQL lost",
	     PQerrorMessage(d->conn));
	log_msg(LOG_LEVEL_ERROR, "store_dropped", "error=\"%s\"", d->err);
	drop(d);
}

/* Sends what libpq holds: false (dropped) if it could not by the deadline. */
static bool flush_all(struct pg_db *d, double deadline)
{
	int flushed;
	while ((flushed = PQflush(d->conn)) > 0)
		if (!wait_socket(d, POLLIN | POLLOUT, deadline) || !PQconsumeInput(d->conn))
			break;
	if (flushed != 0)
		lost(d, deadline);
	return flushed == 0;
}

/* The results of the next command: the first error, else the last; at a
 * pipeline's sync point, its PGRES_PIPELINE_SYNC. NULL (dropped) if the
 * server did not answer by the deadline. */
static PGresult *next_result(struct pg_db *d, double deadline)
{
	PGresult *kept = NULL;
	for (;;) {
		while (PQisBusy(d->conn)) {
			if (!wait_socket(d, POLLIN, deadline) || !PQconsumeInput(d->conn)) {
				PQclear(kept);
				lost(d, deadline);
				return NULL;
			}
		}
		PGresult *r = PQgetResult(d->conn);
		if (!r)
			return kept;
		if (!kept && PQresultStatus(r) == PGRES_PIPELINE_SYNC)
			return r;
		if (kept && PQresultStatus(kept) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(kept);
			kept = r;
		}
	}
}

/* Whether a command succeeded without a warning; d->err says why not. */
static bool good(struct pg_db *d, const PGresult *r)
{
	ExecStatusType status = PQresultStatus(r);
	if ((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) && !d->warned)
		return true;
	if (!d->warned && status != PGRES_PIPELINE_ABORTED) {
		/* the primary message and its code only: the DETAIL of an
		 * error may quote a row, a number in it (it reaches the log) */
		const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		const char *message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		char why[sizeof d->err];
		snprintf(why, sizeof why, "%s (SQLSTATE %s)",
			 message ? message : PQresStatus(status), code ? code : "-");
		fail(d, "PostgreSQL", why);
	}
	return false;
}

/* Reads up to the pipeline's next sync point, what comes before it
 * dropped (the commands an error made the server skip). */
static bool read_to_sync(struct pg_db *d, double deadline)
{
	PGresult *r;
	while ((r = next_result(d, deadline))) {
		bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (sync)
			return true;
	}
	return false;
}

/* One round trip of the pipeline: what was sent goes, closed by a Sync
 * outside a transaction (each statement its own) or by a flush request in
 * one; then the answers to the pending SAVEPOINTs and to the n commands
 * sent last, into out[]. false, out[] empty, if any failed (d->err): an
 * error in a transaction leaves it aborted, for ROLLBACK TO. */
static bool round_trip(struct pg_db *d, PGresult **out, int n, double deadline)
{
	bool sync = !d->in_transaction;
	if (!(sync ? PQpipelineSync(d->conn) : PQsendFlushRequest(d->conn))) {
		fail(d, "PostgreSQL", PQerrorMessage(d->conn));
		drop(d);
		return false;
	}
	if (!flush_all(d, deadline))
		return false;
	bool ok = true;
	for (int i = -d->pending; i < n; i++) {
		PGresult *r = next_result(d, deadline);
		if (!r) {
			for (int j = 0; j < i; j++)
				PQclear(out[j]);
			return false;
		}
		ok = ok && good(d, r);
		if (i >= 0)
			out[i] = r;
		else
			PQclear(r);
	}
	d->pending = 0;
	if (!ok || sync) { /* a sync to read, or one to send: the pipeline goes on */
		if ((!sync && (!PQpipelineSync(d->conn) || !flush_all(d, deadline))) ||
		    !read_to_sync(d, deadline))
			ok = false;
	}
	if (!ok)
		for (int i = 0; i < n; i++) {
			PQclear(out[i]);
			out[i] = NULL;
		}
	return ok;
}

/* The pipeline for prepared statements, or not for run_sql (several
 * statements in one string, which only the simple protocol takes). */
static bool pipeline(struct pg_db *d, bool on)
{
	bool in = PQpipelineStatus(d->conn) != PQ_PIPELINE_OFF;
	if (in != on && !(on ? PQenterPipelineMode(d->conn) : PQexitPipelineMode(d->conn))) {
		fail(d, "PostgreSQL", PQerrorMessage(d->conn));
		drop(d); /* answers still owed: nothing sound follows on it */
		return false;
	}
	return true;
}

/* Runs SQL without parameters (several statements may share it): the
 * result of the last, or NULL with d->err. */
static PGresult *run_sql(struct pg_db *d, const char *sql)
{
	d->warned = false;
	if (!connected(d))
		return NULL;
	double deadline = now_s() + d->timeout_s;
	/* a SAVEPOINT's failure shows in what follows: COMMIT answers ROLLBACK */
	if (d->pending && !round_trip(d, NULL, 0, deadline) && !d->conn)
		return NULL;
	if (!pipeline(d, false))
		return NULL;
	if (!PQsendQuery(d->conn, sql)) {
		fail(d, "PostgreSQL", PQerrorMessage(d->conn));
		drop(d);
		return NULL;
	}
	PGresult *r = flush_all(d, deadline) ? next_result(d, deadline) : NULL;
	if (r && !good(d, r)) {
		PQclear(r);
		return NULL;
	}
	return r;
}

static int run_command(struct pg_db *d, const char *sql)
{
	PGresult *r = run_sql(d, sql);
	PQclear(r);
	return r ? 0 : DB_ERROR;
}

/* This connection's commits return once a standby flushed them, whatever
 * the role, the database or the URI set (remote_apply, stricter, kept);
 * a primary that waits for no standby at all is logged as an error, and
 * /health says so. False if the server did not answer. */
static bool commits_wait_for_standby(struct pg_db *d)
{
	PGresult *r = run_sql(d, "SELECT set_config('synchronous_commit',"
				 " CASE current_setting('synchronous_commit')"
				 " WHEN 'remote_apply' THEN 'remote_apply' ELSE 'on' END, false),"
				 " current_setting('synchronous_standby_names')");
	if (r && PQntuples(r) == 1 && !*PQgetvalue(r, 0, 1))
		log_msg(LOG_LEVEL_ERROR, "store_unreplicated",
			"error=\"the primary waits for no standby (synchronous_standby_names is "
			"empty): an answered message is on one machine\"");
	PQclear(r);
	return r != NULL;
}

/* The bit that stands for a table in reads and writes. */
static uint64_t table_bit(struct pg_db *d, const char *name, size_t len)
{
	int i;
	for (i = 0; i < d->table_count; i++)
		if (strlen(d->tables[i]) == len && strncmp(d->tables[i], name, len) == 0)
			return UINT64_C(1) << i;
	if (i == TABLES_MAX || !(d->tables[i] = strndup(name, len)))
		return UINT64_C(1) << TABLES_MAX;
	d->table_count++;
	return UINT64_C(1) << i;
}

static bool is_word_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool word_is(const char *w, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(w, word, len) == 0;
}

/* What p does and which tables it touches, read from its SQL: the word
 * after FROM, JOIN, INTO or UPDATE is a table; the first one a write
 * statement names after INTO, UPDATE or FROM (DELETE FROM) is the one it
 * writes. A write whose table is not found writes them all, to be safe. */
static void classify(struct pg_db *d, struct pg_stmt *p)
{
	const char *s = p->sql, *prev = NULL;
	size_t prev_len = 0;
	while (*s) {
		if (!is_word_char(*s) || (*s >= '0' && *s <= '9')) {
			s++;
			continue;
		}
		const char *w = s;
		while (is_word_char(*s))
			s++;
		size_t len = (size_t)(s - w);
		if (!prev) {
			bool savepoint = word_is(w, len, "SAVEPOINT") ||
					 word_is(w, len, "RELEASE") || word_is(w, len, "ROLLBACK");
			bool read = word_is(w, len, "SELECT") || word_is(w, len, "WITH");
			p->kind = savepoint ? PG_SAVEPOINT_COMMAND : read ? PG_READ : PG_WRITE;
		} else if (word_is(prev, prev_len, "FROM") || word_is(prev, prev_len, "JOIN") ||
			   word_is(prev, prev_len, "INTO") || word_is(prev, prev_len, "UPDATE")) {
			uint64_t bit = table_bit(d, w, len);
			p->reads |= bit;
			if (p->kind == PG_WRITE && !p->writes && !word_is(prev, prev_len, "JOIN"))
				p->writes = bit;
		}
		prev = w;
		prev_len = len;
	}
	if (p->kind == PG_WRITE && !p->writes)
		p->writes = UINT64_MAX;
}

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
		fail(pg(db), "preparing", p->sql ? "too many parameters" : "out of memory");
		free(p->sql);
		free(p);
		return NULL;
	}
	struct pg_db *d = pg(db);
	snprintf(p->name, sizeof p->name, "s%u", ++d->statement_count);
	classify(d, p);
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

static void reset(struct db_stmt *st)
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
	reset(st);
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

/* Sends p with these values (each text, or bytes where the server takes
 * bytea); false (dropped) if libpq could not. */
static bool send_prepared(struct pg_db *d, struct pg_stmt *p, const char *const *value,
			  const int *length)
{
	int format[PARAMS_MAX];
	for (int i = 0; i < p->params; i++)
		format[i] = p->bytea[i];
	if (PQsendQueryPrepared(d->conn, p->name, p->params, value, length, format, 0))
		return true;
	fail(d, "PostgreSQL", PQerrorMessage(d->conn));
	drop(d);
	return false;
}

/* Every statement prepared on this connection in one round trip, the
 * types of their parameters read from their SQL: false with d->err (the
 * first that failed named) if not. */
static bool prepare_all(struct pg_db *d, double deadline)
{
	if (!pipeline(d, true))
		return false;
	for (struct pg_stmt *p = d->statements; p; p = p->next) {
		if (!PQsendPrepare(d->conn, p->name, p->sql, p->params, NULL) ||
		    !PQsendDescribePrepared(d->conn, p->name)) {
			fail(d, "PostgreSQL", PQerrorMessage(d->conn));
			drop(d);
			return false;
		}
	}
	if (!PQpipelineSync(d->conn) || !flush_all(d, deadline))
		return false;
	bool ok = true;
	for (struct pg_stmt *p = d->statements; p; p = p->next) {
		PGresult *parsed = next_result(d, deadline);
		PGresult *described = parsed ? next_result(d, deadline) : NULL;
		if (!described) {
			PQclear(parsed);
			return false;
		}
		if (ok && !(good(d, parsed) && good(d, described))) {
			char why[sizeof d->err];
			snprintf(why, sizeof why, "%s", d->err);
			snprintf(d->err, sizeof d->err, "preparing \"%.60s\": %.400s", p->sql, why);
			ok = false;
		}
		for (int i = 0; ok && i < p->params; i++)
			p->bytea[i] = PQparamtype(described, i) == OID_BYTEA;
		PQclear(parsed);
		PQclear(described);
	}
	return read_to_sync(d, deadline) && ok;
}

static int ready(struct db *db)
{
	struct pg_db *d = pg(db);
	d->ready = true;
	/* a new connection prepares them itself */
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK)
		return connected(d) ? 0 : DB_ERROR;
	return prepare_all(d, now_s() + d->timeout_s) ? 0 : DB_ERROR;
}

/* --- reads sent ahead (db_prefetch) --------------------------------------- */

/* Forgets the held reads of tables a write to `tables` may change
 * (UINT64_MAX: all of them). */
static void cache_drop(struct pg_db *d, uint64_t tables)
{
	for (int i = 0; i < d->cached;) {
		struct pg_cached *c = &d->cache[i];
		if (tables != UINT64_MAX && !(c->stmt->reads & tables)) {
			i++;
			continue;
		}
		PQclear(c->result);
		*c = d->cache[--d->cached];
	}
}

/* The values p is bound with, as a held read keeps them: false if they
 * do not fit (then it is not held). */
static bool cache_key(const struct pg_stmt *p, struct pg_cached *c)
{
	size_t used = 0;
	for (int i = 0; i < p->params; i++) {
		c->length[i] = p->value[i] ? p->length[i] : -1;
		if (!p->value[i])
			continue;
		if ((size_t)p->length[i] >= sizeof c->key - used)
			return false;
		memcpy(c->key + used, p->value[i], (size_t)p->length[i]);
		used += (size_t)p->length[i];
		c->key[used++] = '\0'; /* text parameters are read up to it */
	}
	return true;
}

/* The read held for p bound as it is, moved to p (used once): false if
 * there is none. */
static bool cache_take(struct pg_db *d, struct pg_stmt *p)
{
	struct pg_cached want;
	if (!cache_key(p, &want))
		return false;
	for (int i = 0; i < d->cached; i++) {
		struct pg_cached *c = &d->cache[i];
		size_t n = 0;
		for (int j = 0; j < p->params; j++)
			n += c->length[j] >= 0 ? (size_t)c->length[j] + 1 : 0;
		if (c->stmt != p || !c->result ||
		    memcmp(c->length, want.length, sizeof want.length[0] * (size_t)p->params) ||
		    memcmp(c->key, want.key, n))
			continue;
		p->result = c->result;
		*c = d->cache[--d->cached];
		return true;
	}
	return false;
}

static void prefetch(struct db_stmt *st)
{
	struct pg_stmt *p = pst(st);
	struct pg_db *d = pg(st->db);
	if (p->kind == PG_READ && d->cached < CACHE_MAX) {
		struct pg_cached *c = &d->cache[d->cached];
		*c = (struct pg_cached){.stmt = p};
		d->cached += cache_key(p, c);
	}
	reset(st);
}

static void prefetched(struct db *db)
{
	struct pg_db *d = pg(db);
	int first = d->cached;
	while (first > 0 && !d->cache[first - 1].result)
		first--;
	int n = d->cached - first;
	if (!n)
		return;
	d->warned = false;
	double deadline = now_s() + d->timeout_s;
	bool sent = connected(d) && pipeline(d, true);
	for (int i = first; sent && i < d->cached; i++) {
		struct pg_cached *c = &d->cache[i];
		const char *value[PARAMS_MAX];
		size_t used = 0;
		for (int j = 0; j < c->stmt->params; j++) {
			value[j] = c->length[j] < 0 ? NULL : c->key + used;
			used += c->length[j] >= 0 ? (size_t)c->length[j] + 1 : 0;
		}
		sent = send_prepared(d, c->stmt, value, c->length);
	}
	PGresult *out[CACHE_MAX] = {NULL};
	if (sent && round_trip(d, out, n, deadline)) {
		for (int i = 0; i < n; i++)
			d->cache[first + i].result = out[i];
		return;
	}
	/* each is read when it is asked for, and fails then (a drop has
	 * emptied the cache already) */
	d->cached = first < d->cached ? first : d->cached;
}

/* --- statements ------------------------------------------------------------ */

/* Runs p: with later, in a transaction, only sends it (its answer is
 * read with the next statement's, and an error fails that one). */
static int execute(struct pg_stmt *p, bool later)
{
	struct pg_db *d = pg(p->st.db);
	d->warned = false;
	p->row = -1;
	if (p->unbound) {
		fail(d, "out of memory", NULL);
		return DB_ERROR;
	}
	if (p->kind == PG_READ && cache_take(d, p))
		return DB_DONE;
	cache_drop(d, p->kind == PG_WRITE ? p->writes : p->kind == PG_READ ? 0 : UINT64_MAX);
	if (!connected(d) || !pipeline(d, true))
		return DB_ERROR;
	double deadline = now_s() + d->timeout_s;
	if (!send_prepared(d, p, p->value, p->length))
		return DB_ERROR;
	if (later && d->in_transaction) {
		d->pending++;
		return DB_DONE;
	}
	if (!round_trip(d, &p->result, 1, deadline))
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
	reset(st);
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
	PGresult *r = run_sql(d, sql);
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
	return pg(db)->in_transaction && pg(db)->conn;
}

/* Synchronous standbys streaming, as the primary reports them; DB_ERROR
 * if it did not answer, or if this role may not read them (PostgreSQL
 * then shows their state as NULL: GRANT pg_monitor, contrib/postgresql). */
static int standbys(struct db *db, double *lag)
{
	struct pg_db *d = pg(db);
	PGresult *r = run_sql(d, "SELECT count(*) FILTER (WHERE state IS NULL),"
				 " count(*) FILTER (WHERE state = 'streaming'"
				 " AND sync_state IN ('sync', 'quorum')),"
				 " coalesce(extract(epoch FROM max(flush_lag)), 0)"
				 " FROM pg_stat_replication");
	int count = DB_ERROR;
	if (r && PQntuples(r) == 1 && strtol(PQgetvalue(r, 0, 0), NULL, 10) == 0) {
		count = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
		*lag = strtod(PQgetvalue(r, 0, 2), NULL);
	} else if (r) {
		fail(d, "this role may not read pg_stat_replication (GRANT pg_monitor)", NULL);
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
		drop(d);
}

static int begin(struct db *db)
{
	struct pg_db *d = pg(db);
	d->in_transaction = false;
	cache_drop(d, UINT64_MAX);
	/* After a wait ran out, most likely for a standby: while the primary
	 * reports none, fail at once rather than leave one more commit on the
	 * primary alone (and one more backend waiting there). If it cannot
	 * say, the commit will. */
	double lag;
	if (d->overdue && (d->overdue = standbys(db, &lag) == 0)) {
		fail(d, "no synchronous standby streams to the primary: a commit would wait", NULL);
		return DB_ERROR;
	}
	/* a row written, so that the commit waits for a standby even when the
	 * transaction only read (see above) */
	d->in_transaction =
	    run_command(d, "BEGIN; UPDATE chabar_schema SET version = version") == 0;
	if (!d->in_transaction)
		settled(d);
	return d->in_transaction ? 0 : DB_ERROR;
}

static int commit(struct db *db)
{
	struct pg_db *d = pg(db);
	PGresult *r = run_sql(d, "COMMIT");
	/* PostgreSQL answers COMMIT of a transaction an error aborted with
	 * ROLLBACK, not with an error */
	bool committed = r && strcmp(PQcmdStatus(r), "COMMIT") == 0;
	if (r && !committed)
		fail(d, "the transaction had failed: it was rolled back, not committed", NULL);
	PQclear(r);
	d->in_transaction = false;
	cache_drop(d, UINT64_MAX);
	settled(d);
	return committed ? 0 : DB_ERROR;
}

static int rollback(struct db *db)
{
	int rc = in_transaction(db) ? run_command(pg(db), "ROLLBACK") : 0;
	pg(db)->in_transaction = false;
	cache_drop(pg(db), UINT64_MAX);
	settled(pg(db));
	return rc;
}

/* One script in its own transaction, the schema table locked so that two
 * processes starting together apply it once. */
static int apply(struct pg_db *d, const struct store_migration *m)
{
	char done_sql[128];
	snprintf(done_sql, sizeof done_sql, "UPDATE chabar_schema SET version = %d", m->version);
	if (run_command(d, "BEGIN; LOCK TABLE chabar_schema IN EXCLUSIVE MODE") < 0)
		return -1;
	int64_t version = single_value(d, "SELECT version FROM chabar_schema");
	if (version >= m->version) /* the other process did it */
		return run_command(d, "COMMIT");
	if (version < 0 || run_command(d, m->sql_postgresql) < 0 || run_command(d, done_sql) < 0 ||
	    run_command(d, "COMMIT") < 0) {
		if (d->conn)
			run_command(d, "ROLLBACK");
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
	if (run_command(d, "CREATE TABLE IF NOT EXISTS chabar_schema (version integer NOT NULL);"
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
	return run_command(pg(db), "UPDATE chabar_schema SET version = version");
}

static int64_t data_version(struct db *db)
{
	/* where the primary's log has come to: it moves with every commit */
	PGresult *r = run_sql(pg(db), "SELECT pg_current_wal_insert_lsn()");
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
	drop(d);
	for (int i = 0; i < d->table_count; i++)
		free(d->tables[i]);
	free(d->uri);
	free(d);
}

static const struct db_driver pg_driver = {
    .name = "postgresql",
    .prepare = prepare,
    .finalize = finalize,
    .bind_int = bind_int,
    .bind_text = bind_text,
    .bind_blob = bind_blob,
    .bind_null = bind_null,
    .step = step,
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
    .commit = commit,
    .rollback = rollback,
    .migrate = migrate,
    .probe_write = probe_write,
    .data_version = data_version,
    .ready = ready,
    .run_later = run_later,
    .prefetch = prefetch,
    .prefetched = prefetched,
    .standbys = standbys,
    .disk_free = disk_free,
    .errmsg = errmsg,
    .close = close_db,
};

struct db *db_pg_open(const char *uri, unsigned timeout_ms, char *err, size_t err_size)
{
	struct pg_db *d = calloc(1, sizeof *d);
	if (!d || !(d->uri = strdup(uri))) {
		free(d);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	d->db.driver = &pg_driver;
	d->timeout_s = timeout_ms / 1000.0;
	if (!connected(d)) {
		snprintf(err, err_size, "%s", d->err);
		close_db(&d->db);
		return NULL;
	}
	return &d->db;
}

int db_pg_uri_check(const char *uri, char *err, size_t err_size)
{
	char *why = NULL;
	PQconninfoOption *options = PQconninfoParse(uri, &why);
	if (!options) {
		snprintf(err, err_size, "%s", why ? why : "out of memory");
		PQfreemem(why);
		return -1;
	}
	PQconninfoFree(options);
	return 0;
}
