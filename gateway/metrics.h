/*
 * metrics — counters and one histogram, rendered in Prometheus' text
 * format for GET /metrics. Counting is a few array increments, cheap enough
 * for every request.
 *
 * Lifecycle: a struct metrics embedded in the daemon, metrics_init() once;
 * counters survive config reloads. Loop thread only.
 */
#ifndef CHABAR_METRICS_H
#define CHABAR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_ROUTES_MAX 8 /* routes in the table, plus "unrouted" */

/* HTTP statuses chabard answers with; anything else counts as "other". */
#define METRICS_STATUSES(X) X(200) X(400) X(403) X(404) X(405) X(408) X(413) X(431) X(500) X(503)

/* Upper bounds of the histograms' buckets: SQLite commit latency
 * (seconds), and messages a commit holds (batch.h). */
#define METRICS_COMMIT_BUCKETS(X)                                                                  \
	X(0.0001) X(0.00025) X(0.0005) X(0.001) X(0.0025) X(0.005) X(0.01) X(0.025) X(0.1) X(1.0)
#define METRICS_BATCH_BUCKETS(X) X(1) X(2) X(4) X(8) X(16) X(32) X(64) X(128) X(256) X(1024)
#define METRICS_BUCKETS_MAX      10

enum {
#define X(code) METRICS_STATUS_##code,
	METRICS_STATUSES(X)
#undef X
	    METRICS_STATUS_OTHER,
	METRICS_STATUS_SLOTS
};

/* Why chabard refused or closed a connection (http.c, http_guard.c): its
 * address is in no route's allow list; it held max_connections_per_address
 * and none was idle; it was idle and gave way to a new connection; no
 * request came for idle_timeout; its request took longer than
 * request_timeout. */
#define METRICS_CONNECTION_EVENTS(X)                                                               \
	X(REFUSED_NOT_ALLOWED, "refused_not_allowed")                                              \
	X(REFUSED_ADDRESS_LIMIT, "refused_address_limit")                                          \
	X(EVICTED_IDLE, "evicted_idle")                                                            \
	X(IDLE_TIMEOUT, "idle_timeout")                                                            \
	X(REQUEST_TIMEOUT, "request_timeout")

/* What became of a request to Kannel's sendsms (outbox.c), and of a
 * delivery report (dlr.c). */
#define METRICS_OUTBOX_RESULTS(X) X(ACCEPTED, "accepted") X(RETRY, "retry") X(REFUSED, "refused")
#define METRICS_DLR_RESULTS(X)                                                                     \
	X(DELIVERED, "delivered")                                                                  \
	X(UNDELIVERABLE, "undeliverable")                                                          \
	X(BUFFERED, "buffered")                                                                    \
	X(SMSC_ACCEPTED, "smsc_accepted")                                                          \
	X(SMSC_REJECTED, "smsc_rejected")                                                          \
	X(IGNORED, "ignored")

/* The box's connection to bearerbox and what went over it (box.c). */
#define METRICS_BOX_EVENTS(X)                                                                      \
	X(CONNECTED, "connected")                                                                  \
	X(DISCONNECTED, "disconnected")                                                            \
	X(MO, "mo")                                                                                \
	X(REPORTS, "report")                                                                       \
	X(REPLIES, "reply")                                                                        \
	X(PUSHES, "push")

enum metrics_box {
#define X(name, label) METRICS_BOX_##name,
	METRICS_BOX_EVENTS(X)
#undef X
	    METRICS_BOX_SLOTS
};

enum metrics_outbox {
#define X(name, label) METRICS_OUTBOX_##name,
	METRICS_OUTBOX_RESULTS(X)
#undef X
	    METRICS_OUTBOX_SLOTS
};

enum metrics_dlr {
#define X(name, label) METRICS_DLR_##name,
	METRICS_DLR_RESULTS(X)
#undef X
	    METRICS_DLR_SLOTS
};

enum metrics_conn {
#define X(name, label) METRICS_CONN_##name,
	METRICS_CONNECTION_EVENTS(X)
#undef X
	    METRICS_CONN_SLOTS
};

struct metrics_histogram {
	uint64_t buckets[METRICS_BUCKETS_MAX]; /* observations <= each bound */
	uint64_t count;
	double sum;
};

struct metrics {
	const char *route_names[METRICS_ROUTES_MAX];
	size_t route_count;
	uint64_t requests[METRICS_ROUTES_MAX][METRICS_STATUS_SLOTS];
	uint64_t inbound;         /* messages stored */
	uint64_t inbound_repeats; /* Kannel retries answered from the store */
	uint64_t replies;
	uint64_t store_errors;
	uint64_t connections[METRICS_CONN_SLOTS]; /* refused or closed, by reason */
	uint64_t outbox[METRICS_OUTBOX_SLOTS];    /* requests to sendsms, by result */
	uint64_t dlr[METRICS_DLR_SLOTS];          /* delivery reports, by type */
	uint64_t box[METRICS_BOX_SLOTS];          /* the box's connection and messages */
	struct metrics_histogram commit_seconds;
	struct metrics_histogram batch_size;
};

/* names: route paths in route-table order; the last slot is "unrouted". */
void metrics_init(struct metrics *m, const char *const *names, size_t count);
void metrics_request(struct metrics *m, size_t route, int status);
void metrics_connection(struct metrics *m, enum metrics_conn why);
/* A commit that took seconds and held batch_size messages. */
void metrics_commit(struct metrics *m, double seconds, size_t batch_size);
/* What the caller measures when the metrics are read. */
struct metrics_gauges {
	double uptime;
	int64_t open_sessions;
	unsigned open_connections;
	const char *backend; /* the store's: "sqlite" or "postgresql" */
	int standbys;        /* postgresql: synchronous standbys streaming (-1: unknown) */
	double flush_lag;    /* postgresql: the longest, seconds */
	size_t waiting;      /* messages waiting for a batch */
	size_t in_flight;    /* messages in batches begun, not yet answered */
};
/* Appends the exposition text. */
int metrics_render(const struct metrics *m, const struct metrics_gauges *g, struct buf *out);

#endif
