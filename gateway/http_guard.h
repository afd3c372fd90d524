/*
 * http_guard — who may hold one of chabard's connections, and for how long.
 * The port meets the internet's manners: thousands of idle connections from
 * one host, or a client that sends a byte every few seconds, must not keep
 * Kannel's next MO waiting. The guard sees every connection from its accept
 * to its close and enforces:
 *
 *   - a per-address limit, checked when the connection is accepted, before
 *     it takes a slot;
 *   - room for new peers: when the connections near max_connections, or an
 *     address reaches its limit, the oldest idle connection (no request
 *     under way) gives way;
 *   - idle_timeout from the end of the last request, which bytes trickling
 *     in without making a request do not extend (MHD's own timeout is
 *     reset by every byte);
 *   - request_timeout for a whole request, from its first line to the end
 *     of its body; a request chabard itself holds (waiting for its commit)
 *     is not the peer's doing and is never cut.
 *
 * A connection is closed with shutdown(2): libmicrohttpd sees the end of
 * its stream and closes it the usual way, so its bookkeeping stays its own.
 *
 * Lifecycle: http_guard_new() → per connection: http_guard_accept() (may it
 * be accepted?), http_guard_opened() … http_guard_closed(), and in between
 * busy (a request began), read (all of it is in), idle (answered) →
 * http_guard_free(). Loop thread only.
 */
#ifndef CHABAR_HTTP_GUARD_H
#define CHABAR_HTTP_GUARD_H

#include <ev.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "metrics.h"

struct http_guard;
struct http_guard_conn;

struct http_guard_limits {
	unsigned max_connections; /* past this, idle connections give way */
	unsigned per_address;     /* connections one address may hold */
	unsigned idle_timeout;    /* seconds without a request */
	unsigned request_timeout; /* seconds for a whole request to arrive */
};

struct http_guard *http_guard_new(struct ev_loop *loop, const struct http_guard_limits *limits,
				  struct metrics *metrics);
void http_guard_free(struct http_guard *g);

/* A peer at addr is connecting: true if it may, having made room by closing
 * an idle connection if need be; false if its address holds all it may and
 * none of them is idle. */
bool http_guard_accept(struct http_guard *g, const struct sockaddr *addr);

/* The connection on fd was accepted (idle until its first request). NULL
 * if there is no memory to track it: the caller closes it. */
struct http_guard_conn *http_guard_opened(struct http_guard *g, int fd,
					  const struct sockaddr *addr);
void http_guard_closed(struct http_guard *g, struct http_guard_conn *c);

/* A request's first line arrived: its deadline starts. */
void http_guard_busy(struct http_guard *g, struct http_guard_conn *c);
/* The whole request is in: chabard has it, the deadline stops. */
void http_guard_read(struct http_guard *g, struct http_guard_conn *c);
/* Answered: the connection is idle until the next request. */
void http_guard_idle(struct http_guard *g, struct http_guard_conn *c);

/* Connections open, those the guard is closing left out. */
unsigned http_guard_open(const struct http_guard *g);

/* True if the guard cut the connection's request at its deadline. */
bool http_guard_cut(const struct http_guard_conn *c);

#endif
