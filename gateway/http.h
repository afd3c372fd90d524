/*
 * http — chabard's HTTP server: libmicrohttpd driven from the libev loop
 * (MHD_USE_EPOLL, no MHD threads: one ev_io on MHD's epoll fd, one ev_timer
 * from MHD_get_timeout), a route table with a gate (allow list) per route,
 * request limits, the connection guard (http_guard.h), one log line and one
 * metrics count per exchange.
 *
 * Lifecycle: http_new() → requests call route handlers → http_quiesce()
 * (stop accepting, for draining) → http_free(). A handler gets an exchange,
 * reads it through the accessors below and answers with http_reply() before
 * it returns, or calls http_suspend() and answers later (after a commit
 * shared with other requests); the exchange is freed by the server when
 * MHD is done with it, not before it is answered. Loop thread only.
 */
#ifndef CHABAR_HTTP_H
#define CHABAR_HTTP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "metrics.h"

enum http_method { HTTP_GET = 1, HTTP_POST = 2, HTTP_HEAD = 4 };

struct http_exchange;
struct http_server;

typedef void (*http_handler_fn)(void *ctx, struct http_exchange *ex);
/* May addr call the routes behind this gate (an allow list)? */
typedef bool (*http_gate_fn)(void *ctx, int gate, const struct sockaddr *addr);

struct http_route {
	const char *path;
	unsigned methods; /* HTTP_GET | HTTP_POST … */
	http_handler_fn handler;
	int gate; /* handed to the gate function */
};

struct http_limits {
	size_t max_body;          /* larger bodies get 413 */
	size_t max_header;        /* request line + headers; larger gets 431 */
	unsigned max_connections; /* idle ones give way past this; then 503 */
	unsigned per_address;     /* connections one address may hold */
	unsigned idle_timeout;    /* seconds a connection may go without a request */
	unsigned request_timeout; /* seconds for a whole request to arrive */
	unsigned listen_backlog;
};

struct http_header {
	const char *name;
	const char *value;
};

/* Binds and listens on addr (port 0: any free port). routes and metrics must
 * outlive the server; ctx is passed to every handler and to gate. A
 * connection is accepted only from an address some route's gate admits
 * (before it takes a slot), and a request only from one its own route's
 * gate admits (else 403); gate NULL admits everyone. NULL on failure, with
 * the reason in err. */
struct http_server *http_new(struct ev_loop *loop, const struct sockaddr *addr,
			     const struct http_limits *limits, const struct http_route *routes,
			     size_t route_count, struct metrics *metrics, http_gate_fn gate,
			     void *ctx, char *err, size_t err_size);
void http_free(struct http_server *srv);

/* Limits that can change without rebinding (on reload). */
void http_set_max_body(struct http_server *srv, size_t max_body);
/* Stops accepting connections; requests under way go on. */
void http_quiesce(struct http_server *srv);
/* Requests begun and not yet completed. */
unsigned http_active_requests(const struct http_server *srv);
/* Open connections, idle ones included. */
unsigned http_connections(const struct http_server *srv);
/* The port actually bound. */
uint16_t http_port(const struct http_server *srv);

/* What a handler may read. query and body are decodable in place: each has
 * a NUL after its len bytes and one spare byte of room. */
enum http_method http_method(const struct http_exchange *ex);
char *http_query(struct http_exchange *ex, size_t *len);
char *http_body(struct http_exchange *ex, size_t *len);
const char *http_header_value(const struct http_exchange *ex, const char *name);
const struct sockaddr *http_peer(const struct http_exchange *ex);

/* Adds " key=value…" to the exchange's log line (bounded, truncated). */
void http_log_field(struct http_exchange *ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The handler will answer later: the connection waits (MHD reads and
 * times out nothing of it) until http_reply(). The exchange stays valid. */
void http_suspend(struct http_exchange *ex);

/* Queues the one response of this exchange (resuming a suspended one);
 * body is copied. */
int http_reply(struct http_exchange *ex, int status, const char *content_type, const void *body,
	       size_t len, const struct http_header *headers, size_t header_count);
/* A short text/plain response, e.g. "forbidden\n". */
int http_reply_text(struct http_exchange *ex, int status, const char *text);

#endif
