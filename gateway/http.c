/* http — see http.h.
 *
 * One exchange per request is allocated in MHD's URI-log callback, which
 * sees the request line before MHD splits it: that is where we copy the raw
 * query string, so the query and form bodies are decoded by one parser of
 * ours (form.c), binary-safe, instead of MHD's NUL-terminated arguments. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "http_guard.h"
#include "log.h"

#define HTTP_LOG_FIELDS_MAX 256
#define HTTP_UNROUTED       ((size_t)-1)

struct http_server {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	ev_io io;
	ev_timer timer;
	ev_prepare prepare;
	int listen_fd; /* ours until MHD is given it; -1 once quiesced */
	uint16_t port;
	struct http_limits limits;
	const struct http_route *routes;
	size_t route_count;
	struct metrics *metrics;
	http_gate_fn gate;
	void *ctx;
	struct http_guard *guard;
	unsigned connections; /* open TCP connections, closing ones included */
	unsigned active;      /* requests begun, not yet completed */
	bool resumed;         /* a suspended exchange got its answer: run MHD soon */
};

struct http_exchange {
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct http_guard_conn *guard; /* its connection's */
	size_t route;
	enum http_method method;
	bool started;                 /* the access handler has seen this request */
	bool body_too_large;          /* the body passed max_body while arriving */
	bool suspended;               /* the handler answers later (http_suspend) */
	bool resumed;                 /* it was, and got its answer (in pending) */
	int status;                   /* the status we queued, 0 if none */
	struct MHD_Response *pending; /* an answer made while suspended, queued on resume */
	ev_tstamp began;
	struct buf body;
	size_t log_len;
	char log_fields[HTTP_LOG_FIELDS_MAX];
	size_t query_len;
	char query[]; /* the raw query string, NUL and one spare byte after it */
};

enum http_method http_method(const struct http_exchange *ex)
{
	return ex->method;
}

char *http_query(struct http_exchange *ex, size_t *len)
{
	*len = ex->query_len;
	return ex->query;
}

char *http_body(struct http_exchange *ex, size_t *len)
{
	*len = ex->body.len;
	/* An empty body still needs a writable terminated buffer. */
	if (!ex->body.data && buf_append(&ex->body, "", 0) < 0)
		return NULL;
	return ex->body.data;
}

const char *http_header_value(const struct http_exchange *ex, const char *name)
{
	return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

const struct sockaddr *http_peer(const struct http_exchange *ex)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(ex->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return info ? info->client_addr : NULL;
}

void http_log_field(struct http_exchange *ex, const char *fmt, ...)
{
	size_t room = sizeof ex->log_fields - ex->log_len;
	if (room < 2)
		return;
	ex->log_fields[ex->log_len++] = ' ';
	room--;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(ex->log_fields + ex->log_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		ex->log_len += (size_t)n < room ? (size_t)n : room - 1;
}

void http_suspend(struct http_exchange *ex)
{
	MHD_suspend_connection(ex->conn);
	ex->suspended = true;
}

int http_reply(struct http_exchange *ex, int status, const char *content_type, const void *body,
	       size_t len, const struct http_header *headers, size_t header_count)
{
	if (ex->status)
		return -1; /* one response per exchange */
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	int failed = !r || (content_type && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
								    content_type) != MHD_YES);
	for (size_t i = 0; i < header_count && !failed; i++)
		failed = MHD_add_response_header(r, headers[i].name, headers[i].value) != MHD_YES;
	if (ex->suspended) {
		/* MHD takes a response when it calls the handler again, which it
		 * does once the connection is resumed; a suspended connection
		 * must be resumed whatever happens, or it would hang */
		static const char internal[] = "internal error\n";
		if (failed) {
			if (r)
				MHD_destroy_response(r);
			r = MHD_create_response_from_buffer(sizeof internal - 1, (void *)internal,
							    MHD_RESPMEM_PERSISTENT);
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
		ex->pending = r; /* NULL (no memory): the connection is closed */
		ex->status = status;
		ex->suspended = false;
		ex->resumed = true;
		ex->srv->resumed = true;
		MHD_resume_connection(ex->conn);
		return failed ? -1 : 0;
	}
	if (!failed)
		failed = MHD_queue_response(ex->conn, (unsigned)status, r) != MHD_YES;
	if (r)
		MHD_destroy_response(r);
	if (failed)
		return -1;
	ex->status = status;
	return 0;
}

int http_reply_text(struct http_exchange *ex, int status, const char *text)
{
	return http_reply(ex, status, "text/plain; charset=UTF-8", text, strlen(text), NULL, 0);
}

/* An answer chabard gives before any handler runs; it closes the
 * connection, as the client may still be sending a body we will not read. */
static void refuse(struct http_exchange *ex, int status, const char *text)
{
	static const struct http_header close_header = {"Connection", "close"};
	http_reply(ex, status, "text/plain; charset=UTF-8", text, strlen(text), &close_header, 1);
}

static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	const char *q = strchr(uri, '?');
	size_t qlen = q ? strlen(q + 1) : 0;
	struct http_exchange *ex = malloc(sizeof *ex + qlen + 2);
	if (!ex)
		return NULL; /* on_access answers 500 for a request without one */
	memset(ex, 0, sizeof *ex);
	ex->srv = srv;
	ex->conn = conn;
	ex->route = HTTP_UNROUTED;
	ex->began = ev_time();
	buf_init(&ex->body, srv->limits.max_body);
	ex->query_len = qlen;
	if (qlen)
		memcpy(ex->query, q + 1, qlen);
	ex->query[qlen] = '\0';
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	ex->guard = info ? info->socket_context : NULL;
	http_guard_busy(srv->guard, ex->guard);
	srv->active++;
	return ex;
}

static size_t find_route(const struct http_server *srv, const char *path)
{
	for (size_t i = 0; i < srv->route_count; i++)
		if (strcmp(srv->routes[i].path, path) == 0)
			return i;
	return HTTP_UNROUTED;
}

static enum http_method parse_method(const char *method)
{
	if (strcmp(method, "GET") == 0)
		return HTTP_GET;
	if (strcmp(method, "POST") == 0)
		return HTTP_POST;
	if (strcmp(method, "HEAD") == 0)
		return HTTP_HEAD;
	return 0;
}

/* The checks made once the headers are in, before any body is read. */
static void admit(struct http_exchange *ex, const char *url, const char *method)
{
	struct http_server *srv = ex->srv;
	ex->method = parse_method(method);
	ex->route = find_route(srv, url);
	if (http_guard_open(srv->guard) > srv->limits.max_connections) {
		refuse(ex, MHD_HTTP_SERVICE_UNAVAILABLE, "too many connections\n");
		return;
	}
	if (ex->route == HTTP_UNROUTED) {
		refuse(ex, MHD_HTTP_NOT_FOUND, "not found\n");
		return;
	}
	if (srv->gate && !srv->gate(srv->ctx, srv->routes[ex->route].gate, http_peer(ex))) {
		http_log_field(ex, "reason=peer_not_allowed");
		refuse(ex, MHD_HTTP_FORBIDDEN, "forbidden\n");
		return;
	}
	if (!(srv->routes[ex->route].methods & ex->method)) {
		refuse(ex, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
		return;
	}
	const char *length =
	    MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length && strtoull(length, NULL, 10) > srv->limits.max_body)
		refuse(ex, MHD_HTTP_CONTENT_TOO_LARGE, "body too large\n");
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct http_exchange *ex = *con_cls;
	if (!ex) {
		static const char oom[] = "out of memory\n";
		struct MHD_Response *r = MHD_create_response_from_buffer(
		    sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
		enum MHD_Result res = MHD_queue_response(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, r);
		MHD_destroy_response(r);
		return res;
	}
	if (!ex->started) {
		ex->started = true;
		admit(ex, url, method);
		return MHD_YES;
	}
	if (ex->status && !ex->pending && ex->resumed)
		return MHD_NO; /* resumed without an answer (no memory): close */
	if (ex->pending) {     /* resumed with its answer */
		enum MHD_Result res = MHD_queue_response(conn, (unsigned)ex->status, ex->pending);
		MHD_destroy_response(ex->pending);
		ex->pending = NULL;
		return res;
	}
	if (*upload_data_size) {
		/* A chunked body has no Content-Length to check up front. */
		if (!ex->status && buf_append(&ex->body, upload_data, *upload_data_size) < 0)
			ex->body_too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	http_guard_read(ex->srv->guard, ex->guard); /* all of it is in */
	if (ex->status)
		return MHD_YES; /* refused in admit() */
	if (ex->body_too_large) {
		refuse(ex, MHD_HTTP_CONTENT_TOO_LARGE, "body too large\n");
		return MHD_YES;
	}
	ex->srv->routes[ex->route].handler(ex->srv->ctx, ex);
	if (!ex->status && !ex->suspended) {
		log_msg(LOG_LEVEL_ERROR, "http_no_reply", "route=%s",
			ex->srv->routes[ex->route].path);
		http_reply_text(ex, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
	}
	return MHD_YES;
}

static const char *method_name(enum http_method m)
{
	return m == HTTP_GET ? "GET" : m == HTTP_POST ? "POST" : m == HTTP_HEAD ? "HEAD" : "other";
}

static const char *route_name(const struct http_exchange *ex)
{
	return ex->route == HTTP_UNROUTED ? "-" : ex->srv->routes[ex->route].path;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_exchange *ex = *con_cls;
	if (!ex)
		return;
	*con_cls = NULL;
	srv->active--;
	bool unsent = ex->pending != NULL; /* the connection ended before MHD took it */
	if (unsent)
		MHD_destroy_response(ex->pending);
	static const char *const endings[] = {
	    [MHD_REQUEST_TERMINATED_COMPLETED_OK] = "ok",
	    [MHD_REQUEST_TERMINATED_WITH_ERROR] = "error",
	    [MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = "timeout",
	    [MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = "shutdown",
	    [MHD_REQUEST_TERMINATED_READ_ERROR] = "read_error",
	    [MHD_REQUEST_TERMINATED_CLIENT_ABORT] = "client_abort",
	};
	const char *ending = (size_t)toe < sizeof endings / sizeof endings[0] && endings[toe]
				 ? endings[toe]
				 : "unknown";
	/* A request cut off by the idle timeout is logged as 408, though MHD
	 * closes the connection without sending one. */
	/* An answer still pending was never sent (the connection ended while
	 * it waited for its commit): no status. A request the guard cut at
	 * its deadline is a 408 too. */
	bool cut = http_guard_cut(ex->guard);
	int status = ex->status && !unsent ? ex->status
		     : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || cut
			 ? MHD_HTTP_REQUEST_TIMEOUT
			 : 0;
	if (cut)
		http_log_field(ex, "reason=request_timeout");
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		http_guard_idle(srv->guard, ex->guard);
	if (status)
		metrics_request(srv->metrics, ex->route, status);
	log_msg(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
		"http", "method=%s route=%s status=%d ms=%.3f end=%s%.*s", method_name(ex->method),
		route_name(ex), status, (ev_time() - ex->began) * 1000.0, ending, (int)ex->log_len,
		ex->log_fields);
	buf_cleanup(&ex->body);
	free(ex);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
		srv->connections--;
		http_guard_closed(srv->guard, *socket_context);
		return;
	}
	srv->connections++;
	const union MHD_ConnectionInfo *fd =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *addr =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!fd || !addr)
		return; /* cannot be: MHD knows both of every connection */
	*socket_context = http_guard_opened(srv->guard, fd->connect_fd, addr->client_addr);
	if (!*socket_context) /* untracked, it could outstay every limit */
		shutdown(fd->connect_fd, SHUT_RDWR);
}

/* Before a connection takes a slot: an address no route admits is closed
 * at once; the guard may make room or refuse (http_guard.h). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct http_server *srv = cls;
	bool admitted = !srv->gate;
	for (size_t i = 0; i < srv->route_count && !admitted; i++)
		admitted = srv->gate(srv->ctx, srv->routes[i].gate, addr);
	if (!admitted) {
		metrics_connection(srv->metrics, METRICS_CONN_REFUSED_NOT_ALLOWED);
		return MHD_NO;
	}
	return http_guard_accept(srv->guard, addr) ? MHD_YES : MHD_NO;
}

/* MHD would unescape every query argument it splits; we parse the query
 * ourselves (see on_request_line), so its copy is left as it is. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char message[256];
	vsnprintf(message, sizeof message, fmt, ap);
	message[strcspn(message, "\n")] = '\0';
	log_msg(LOG_LEVEL_WARN, "mhd", "message=\"%s\"", message);
}

static void run_mhd(struct http_server *srv)
{
	if (MHD_run(srv->mhd) != MHD_YES)
		log_msg(LOG_LEVEL_WARN, "mhd_run", "result=failed");
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	run_mhd(w->data);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	run_mhd(w->data);
}

/* Before the loop sleeps, arm the timer for MHD's next deadline; MHD says 0
 * when it has work ready without new socket events. */
static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct http_server *srv = w->data;
	MHD_UNSIGNED_LONG_LONG ms;
	ev_timer_stop(loop, &srv->timer);
	if (srv->resumed) { /* answers to send: MHD runs before the loop sleeps */
		srv->resumed = false;
		ev_timer_set(&srv->timer, 0.0, 0.0);
		ev_timer_start(loop, &srv->timer);
	} else if (MHD_get_timeout(srv->mhd, &ms) == MHD_YES) {
		ev_timer_set(&srv->timer, (ev_tstamp)ms / 1000.0, 0.0);
		ev_timer_start(loop, &srv->timer);
	}
}

static int open_listener(const struct sockaddr *addr, unsigned backlog, uint16_t *port, char *err,
			 size_t err_size)
{
	socklen_t len =
	    addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof bound;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(fd, addr, len) < 0 || listen(fd, (int)backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len) < 0) {
		snprintf(err, err_size, "listen: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						  : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

struct http_server *http_new(struct ev_loop *loop, const struct sockaddr *addr,
			     const struct http_limits *limits, const struct http_route *routes,
			     size_t route_count, struct metrics *metrics, http_gate_fn gate,
			     void *ctx, char *err, size_t err_size)
{
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	srv->loop = loop;
	srv->limits = *limits;
	srv->routes = routes;
	srv->route_count = route_count;
	srv->metrics = metrics;
	srv->gate = gate;
	srv->ctx = ctx;
	struct http_guard_limits guard_limits = {limits->max_connections, limits->per_address,
						 limits->idle_timeout, limits->request_timeout};
	srv->guard = http_guard_new(loop, &guard_limits, metrics);
	if (!srv->guard) {
		snprintf(err, err_size, "out of memory");
		free(srv);
		return NULL;
	}
	srv->listen_fd = open_listener(addr, limits->listen_backlog, &srv->port, err, err_size);
	if (srv->listen_fd < 0) {
		http_guard_free(srv->guard);
		free(srv);
		return NULL;
	}
	/* MHD's own connection cap sits above ours, so the connections between
	 * the two get a 503 instead of a silent close. */
	unsigned hard_limit = limits->max_connections + limits->max_connections / 8 + 16;
	srv->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_SUPPRESS_DATE_NO_CLOCK |
		MHD_ALLOW_SUSPEND_RESUME,
	    0, on_accept, srv, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)srv->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
	    hard_limit, MHD_OPTION_CONNECTION_TIMEOUT, limits->idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, limits->max_header, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
	    MHD_OPTION_URI_LOG_CALLBACK, on_request_line, srv, MHD_OPTION_UNESCAPE_CALLBACK,
	    keep_escaped, srv, MHD_OPTION_END);
	const union MHD_DaemonInfo *info =
	    srv->mhd ? MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		snprintf(err, err_size, "cannot start libmicrohttpd");
		if (srv->mhd)
			MHD_stop_daemon(srv->mhd);
		else
			close(srv->listen_fd);
		http_guard_free(srv->guard);
		free(srv);
		return NULL;
	}
	ev_io_init(&srv->io, on_io, info->epoll_fd, EV_READ);
	srv->io.data = srv;
	ev_io_start(loop, &srv->io);
	ev_init(&srv->timer, on_timer);
	srv->timer.data = srv;
	ev_prepare_init(&srv->prepare, on_prepare);
	srv->prepare.data = srv;
	ev_prepare_start(loop, &srv->prepare);
	return srv;
}

void http_free(struct http_server *srv)
{
	if (!srv)
		return;
	ev_io_stop(srv->loop, &srv->io);
	ev_timer_stop(srv->loop, &srv->timer);
	ev_prepare_stop(srv->loop, &srv->prepare);
	MHD_stop_daemon(srv->mhd); /* closes every connection: the guard hears of each */
	http_guard_free(srv->guard);
	free(srv);
}

void http_set_max_body(struct http_server *srv, size_t max_body)
{
	srv->limits.max_body = max_body;
}

void http_quiesce(struct http_server *srv)
{
	if (srv->listen_fd < 0)
		return;
	MHD_socket fd = MHD_quiesce_daemon(srv->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	srv->listen_fd = -1;
}

unsigned http_active_requests(const struct http_server *srv)
{
	return srv->active;
}

unsigned http_connections(const struct http_server *srv)
{
	return srv->connections;
}

uint16_t http_port(const struct http_server *srv)
{
	return srv->port;
}
