/* db_pg_wire — see db_pg.h: the connection to PostgreSQL, and its round
 * trips, waited for on the socket until a deadline. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "db_pg.h"
#include "log.h"

/* After a failed connect, calls fail at once for this long rather than
 * each waiting out its own connect. */
#define RECONNECT_AFTER_S 1.0

/* Cuts a comma-separated list in place into out[]: how many entries, -1
 * if more than max. */
static int split(char *list, char **out, int max)
{
	int n = 0;
	for (char *s = list; n < max; s++) {
		out[n++] = s;
		if (!(s = strchr(s, ',')))
			return n;
		*s = '\0';
	}
	return -1;
}

bool pg_read_uri(struct pg_db *d, const char *uri, char *err, size_t err_size)
{
	char *why = NULL;
	d->conninfo = PQconninfoParse(uri, &why);
	PQfreemem(why); /* it may quote the URI */
	if (!d->conninfo) {
		snprintf(err, err_size,
			 "libpq cannot read it (not shown here: it may hold a password)");
		return false;
	}
	static const char *const keys[] = {"host", "hostaddr", "port"};
	char **lists[] = {d->host, d->hostaddr, d->port};
	int counts[3] = {0, 0, 0};
	for (PQconninfoOption *o = d->conninfo; o->keyword; o++)
		for (int k = 0; k < 3; k++)
			if (o->val && *o->val && strcmp(o->keyword, keys[k]) == 0)
				counts[k] = split(o->val, lists[k], PG_HOSTS_MAX);
	d->hosts = counts[0] > counts[1] ? counts[0] : counts[1];
	if (!d->hosts)
		d->hosts = 1; /* libpq's default host */
	for (int k = 0; k < 3; k++) {
		if (counts[k] < 0) {
			snprintf(err, err_size, "it names more than %d hosts", PG_HOSTS_MAX);
			return false;
		}
		if (counts[k] == 1) /* one port (or address) for every host */
			for (int i = 1; i < d->hosts; i++)
				lists[k][i] = lists[k][0];
		else if (counts[k] && counts[k] != d->hosts) {
			snprintf(err, err_size,
				 "its lists of hosts, addresses and ports differ (at most %d each)",
				 PG_HOSTS_MAX);
			return false;
		}
	}
	for (int i = 0; i < d->hosts; i++) {
		if (d->host[i] && strchr(d->host[i], '@')) {
			snprintf(err, err_size,
				 "a host holds '@': percent-encode it in a password, as %%40");
			return false;
		}
	}
	return true;
}

void pg_forget_uri(struct pg_db *d)
{
	if (!d->conninfo)
		return;
	for (PQconninfoOption *o = d->conninfo; o->keyword; o++)
		if (o->val && strcmp(o->keyword, "password") == 0)
			sodium_memzero(o->val, strlen(o->val));
	PQconninfoFree(d->conninfo);
	d->conninfo = NULL;
}

double pg_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pg_fail(struct pg_db *d, const char *what, const char *detail)
{
	snprintf(d->err, sizeof d->err, "%s%s%s", what, detail && *detail ? ": " : "",
		 detail ? detail : "");
	size_t n = strlen(d->err); /* libpq's messages end in a newline */
	while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

/* Closes the connection: the next call connects again. */
void pg_drop(struct pg_db *d)
{
	pg_cache_drop(d, UINT64_MAX);
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
		double left = deadline - pg_now();
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
		pg_fail(d, "the server warned", message);
	}
	log_msg(warning ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG, "store_notice",
		"severity=%s message=\"%s\"", severity ? severity : "-", message ? message : "");
}

static bool session_settings(struct pg_db *d);

/* libpq's non-blocking connect to one host of the URI (index i: its
 * host, hostaddr and port lists cut to their i-th entry), until the
 * deadline: true with d->conn a read-write session (as the URI's
 * target_session_attrs asks). */
static bool connect_host(struct pg_db *d, int i, double deadline)
{
	const char *keys[PG_CONNINFO_MAX + 1], *values[PG_CONNINFO_MAX + 1];
	int n = 0;
	for (PQconninfoOption *o = d->conninfo; o->keyword && n < PG_CONNINFO_MAX; o++) {
		if (!o->val)
			continue;
		keys[n] = o->keyword;
		values[n++] = strcmp(o->keyword, "host") == 0       ? d->host[i]
			      : strcmp(o->keyword, "hostaddr") == 0 ? d->hostaddr[i]
			      : strcmp(o->keyword, "port") == 0     ? d->port[i]
								    : o->val;
	}
	keys[n] = values[n] = NULL;
	d->conn = PQconnectStartParams(keys, values, 0);
	PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
	while (d->conn && PQstatus(d->conn) != CONNECTION_BAD && polling != PGRES_POLLING_OK &&
	       polling != PGRES_POLLING_FAILED) {
		if (!wait_socket(d, polling == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline))
			break;
		polling = PQconnectPoll(d->conn);
	}
	if (d->conn && polling == PGRES_POLLING_OK && PQsetnonblocking(d->conn, 1) == 0)
		return true;
	pg_fail(d, "connecting to PostgreSQL",
		!d->conn ? "out of memory"
		: polling == PGRES_POLLING_FAILED || PQstatus(d->conn) == CONNECTION_BAD
		    ? PQerrorMessage(d->conn)
		    : "no answer in time");
	pg_drop(d);
	return false;
}

/* A read-write session on one of the URI's hosts, tried one at a time,
 * the one that was the primary last first, each with an even share of
 * what is left before the deadline: a host that does not answer at all
 * (a machine gone, no RST) cannot keep chabard from the others, as it
 * would within libpq's own walk of the list (its connect_timeout applies
 * only to a blocking connect). */
static bool connect_any_host(struct pg_db *d, double deadline)
{
	for (int tried = 0; tried < d->hosts; tried++) {
		int i = (d->last_host + tried) % d->hosts;
		double share = (deadline - pg_now()) / (d->hosts - tried);
		if (connect_host(d, i, pg_now() + share)) {
			d->last_host = i;
			return true;
		}
		log_msg(LOG_LEVEL_WARN, "store_host", "host=%s port=%s error=\"%s\"",
			d->host[i]       ? d->host[i]
			: d->hostaddr[i] ? d->hostaddr[i]
					 : "-",
			d->port[i] ? d->port[i] : "-", d->err);
	}
	return false;
}

/* A connection, made now if there is none, every statement prepared on
 * it: false with d->err if not. */
bool pg_connected(struct pg_db *d)
{
	/* a commit sent owns the connection until its answer is read: it is
	 * read now, kept for db_commit_wait */
	if (d->committing)
		pg_read_commit(d, true);
	if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
		return true;
	pg_drop(d);
	if (d->in_transaction) { /* a new connection would run the rest outside it */
		pg_fail(d, "the transaction was lost with its connection", NULL);
		return false;
	}
	double now = pg_now();
	if (now < d->connect_after)
		return false; /* d->err still says why the last try failed */
	double deadline = now + d->timeout_s;
	if (!connect_any_host(d, deadline)) {
		d->connect_after = pg_now() + RECONNECT_AFTER_S;
		log_msg(LOG_LEVEL_ERROR, "store_connect", "error=\"%s\"", d->err);
		return false;
	}
	PQsetNoticeReceiver(d->conn, on_notice, d);
	log_msg(LOG_LEVEL_INFO, "store_connected", "host=%s port=%s", PQhost(d->conn),
		PQport(d->conn));
	if (!session_settings(d) || (d->ready && !pg_prepare_all(d, deadline))) {
		pg_drop(d);
		d->connect_after = pg_now() + RECONNECT_AFTER_S;
		return false;
	}
	return true;
}

/* The connection is gone, or the server too slow: dropped, d->err says
 * which. */
static void lost(struct pg_db *d, double deadline)
{
	bool overdue = pg_now() >= deadline;
	pg_overdue |= overdue;
	pg_fail(d,
		overdue ? "PostgreSQL did not answer in time, connection dropped"
			: "connection to PostgreSQL lost",
		PQerrorMessage(d->conn));
	log_msg(LOG_LEVEL_ERROR, "store_dropped", "error=\"%s\"", d->err);
	pg_drop(d);
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
		pg_fail(d, "PostgreSQL", why);
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

/* libpq could not send (d->err says why): the connection is dropped,
 * as nothing sound can follow on it. false. */
static bool unsent(struct pg_db *d)
{
	pg_fail(d, "PostgreSQL", PQerrorMessage(d->conn));
	pg_drop(d);
	return false;
}

/* A statement failed while what was pending was fragile (a BEGIN not
 * yet answered, a message's writes without a savepoint: db_savepoint):
 * no savepoint can undo it alone, so the transaction is over, its
 * statements failing until it is rolled back. d->err still says what
 * failed. */
static void abandon(struct pg_db *d)
{
	char why[sizeof d->err];
	snprintf(why, sizeof why, "%s", d->err);
	d->aborted = true;
	pg_fail(d, "the transaction is over", why);
}

/* One round trip of the pipeline: what was sent goes, closed by a Sync
 * outside a transaction (each statement its own) or by a flush request in
 * one; then the answers to what was pending (a BEGIN, writes) and to the
 * n commands sent last, into out[]. false, out[] empty, if any failed
 * (d->err): an error in a transaction leaves it aborted, for ROLLBACK TO,
 * or over if what was pending was fragile (abandon). */
bool pg_round_trip(struct pg_db *d, PGresult **out, int n, double deadline)
{
	bool sync = !d->in_transaction;
	if (!(sync ? PQpipelineSync(d->conn) : PQsendFlushRequest(d->conn))) {
		return unsent(d);
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
	if (!ok && d->fragile && d->in_transaction)
		abandon(d);
	d->fragile = false;
	return ok;
}

/* The pipeline for prepared statements, or not for run_sql (several
 * statements in one string, which only the simple protocol takes). */
bool pg_pipeline(struct pg_db *d, bool on)
{
	bool in = PQpipelineStatus(d->conn) != PQ_PIPELINE_OFF;
	if (in != on && !(on ? PQenterPipelineMode(d->conn) : PQexitPipelineMode(d->conn))) {
		return unsent(d); /* answers still owed */
	}
	return true;
}

double pg_deadline(const struct pg_db *d)
{
	return d->in_transaction || d->committing ? d->deadline : pg_now() + d->timeout_s;
}

/* Runs SQL without parameters (several statements may share it): the
 * result of the last, or NULL with d->err. */
PGresult *pg_run_sql(struct pg_db *d, const char *sql)
{
	d->warned = false;
	if (!pg_connected(d))
		return NULL;
	double deadline = pg_deadline(d);
	/* a failure among them shows in what follows: COMMIT answers ROLLBACK */
	if (d->pending && !pg_round_trip(d, NULL, 0, deadline) && !d->conn)
		return NULL;
	if (!pg_pipeline(d, false))
		return NULL;
	if (!PQsendQuery(d->conn, sql)) {
		unsent(d);
		return NULL;
	}
	PGresult *r = flush_all(d, deadline) ? next_result(d, deadline) : NULL;
	if (r && !good(d, r)) {
		PQclear(r);
		return NULL;
	}
	return r;
}

int pg_socket(struct pg_db *d)
{
	return d->conn ? PQsocket(d->conn) : -1;
}

bool pg_send_later(struct pg_db *d, const char *sql)
{
	if (!pg_connected(d) || !pg_pipeline(d, true))
		return false;
	if (!PQsendQueryParams(d->conn, sql, 0, NULL, NULL, NULL, NULL, 0)) {
		return unsent(d);
	}
	d->pending++;
	return true;
}

bool pg_send_commit(struct pg_db *d)
{
	d->warned = false;
	if (!d->conn || !pg_pipeline(d, true))
		return false;
	if (!PQsendQueryParams(d->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQpipelineSync(d->conn)) {
		return unsent(d);
	}
	if (!flush_all(d, d->deadline))
		return false;
	d->pending = 0; /* their answers come before COMMIT's: pg_read_commit */
	d->fragile = false;
	d->committing = true;
	d->commit_ok = true;
	d->commit_said = false;
	return true;
}

/* The commit's answers are all read (answered) or can no longer be: its
 * outcome. */
static int commit_over(struct pg_db *d, bool answered)
{
	d->committing = false;
	bool committed = answered && d->commit_ok && d->commit_said;
	if (answered && d->commit_ok && !committed) /* answered ROLLBACK: an error before */
		pg_fail(d, "the transaction had failed: it was rolled back, not committed", NULL);
	/* a write failed before it: the server skipped COMMIT, its transaction
	 * left aborted, rolled back here rather than the connection dropped */
	if (answered && PQtransactionStatus(d->conn) == PQTRANS_INERROR)
		pg_run_command(d, "ROLLBACK");
	d->committed = committed ? 0 : DB_ERROR;
	return d->committed;
}

int pg_read_commit(struct pg_db *d, bool wait)
{
	if (!d->committing)
		return d->committed;
	wait |= pg_now() >= d->deadline; /* then it fails at once, dropped */
	while (d->conn) {
		if (!PQconsumeInput(d->conn)) {
			lost(d, d->deadline);
			break;
		}
		while (!PQisBusy(d->conn)) {
			PGresult *r = PQgetResult(d->conn);
			if (!r) /* the end of one command's answers */
				continue;
			if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				return commit_over(d, true);
			}
			/* PostgreSQL answers the COMMIT of a transaction an error
			 * aborted with ROLLBACK, not with an error */
			d->commit_said = strcmp(PQcmdStatus(r), "COMMIT") == 0;
			d->commit_ok &= good(d, r);
			PQclear(r);
		}
		if (!wait)
			return DB_BUSY;
		if (!wait_socket(d, POLLIN, d->deadline)) {
			lost(d, d->deadline);
			break;
		}
	}
	return commit_over(d, false);
}

int pg_run_command(struct pg_db *d, const char *sql)
{
	PGresult *r = pg_run_sql(d, sql);
	PQclear(r);
	return r ? 0 : DB_ERROR;
}

/* This session's settings, whatever the role, the database or the URI
 * set: commits return once a standby flushed them (remote_apply,
 * stricter, kept); a lock waited for 200 ms at most, as SQLite's busy
 * timeout (another session's transaction then fails one message, not the
 * connection); a backend whose client went away notices it within a
 * second. A primary that waits for no standby at all is logged as an
 * error (begin() refuses it unless [store] standby = optional). False if
 * the server did not answer. */
static bool session_settings(struct pg_db *d)
{
	PGresult *r =
	    pg_run_sql(d, "SELECT set_config('synchronous_commit',"
			  " CASE current_setting('synchronous_commit')"
			  " WHEN 'remote_apply' THEN 'remote_apply' ELSE 'on' END, false),"
			  " current_setting('synchronous_standby_names'),"
			  " set_config('lock_timeout', '200ms', false),"
			  " set_config('client_connection_check_interval', '1s', false)");
	if (r && PQntuples(r) == 1 && !*PQgetvalue(r, 0, 1))
		log_msg(LOG_LEVEL_ERROR, "store_unreplicated",
			"error=\"the primary waits for no standby (synchronous_standby_names is "
			"empty): an answered message is on one machine\"");
	PQclear(r);
	return r != NULL;
}

/* Sends p with these values (each text, or bytes where the server takes
 * bytea); false (dropped) if libpq could not. */
bool pg_send_prepared(struct pg_db *d, struct pg_stmt *p, const char *const *value,
		      const int *length)
{
	int format[PARAMS_MAX];
	for (int i = 0; i < p->params; i++)
		format[i] = p->bytea[i];
	return PQsendQueryPrepared(d->conn, p->name, p->params, value, length, format, 0) ||
	       unsent(d);
}

/* Every statement prepared on this connection in one round trip, the
 * types of their parameters read from their SQL: false with d->err (the
 * first that failed named) if not. */
bool pg_prepare_all(struct pg_db *d, double deadline)
{
	if (!pg_pipeline(d, true))
		return false;
	for (struct pg_stmt *p = d->statements; p; p = p->next) {
		if (!PQsendPrepare(d->conn, p->name, p->sql, p->params, NULL) ||
		    !PQsendDescribePrepared(d->conn, p->name)) {
			return unsent(d);
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
