/* Unit tests for gateway/http.c and http_guard.c: a real server on
 * 127.0.0.1 (port 0) in a child process, driven over raw sockets by the
 * parent, from several loopback addresses: routing, methods, binary-safe
 * queries, keep-alive, gates, and every limit (413, 431, 503, the
 * per-address limit, idle connections giving way, idle and request
 * timeouts that trickling bytes do not extend). */
#include <arpa/inet.h>
#include <ev.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "form.h"
#include "http.h"
#include "tap.h"

#define MAX_BODY        1024
#define MAX_HEADER      4096
#define MAX_CONNECTIONS 4
#define PER_ADDRESS     3
#define IDLE_TIMEOUT    2
#define REQUEST_TIMEOUT 1

/* GET or POST /echo: reports the query's fields and the body's length. */
static void echo(void *ctx, struct http_exchange *ex)
{
	size_t qlen, blen;
	char *query = http_query(ex, &qlen);
	struct form f;
	form_init(&f);
	form_parse(&f, query, qlen);
	size_t text_len = 0;
	form_get(&f, "text", &text_len);
	http_body(ex, &blen);
	char body[128];
	int n = snprintf(body, sizeof body, "fields=%zu text_len=%zu body=%zu", f.count, text_len,
			 blen);
	http_log_field(ex, "test=1");
	http_reply(ex, 200, "text/plain", body, (size_t)n, NULL, 0);
}

static void silent(void *ctx, struct http_exchange *ex)
{
	(void)ctx;
	(void)ex; /* forgets to reply: the server must answer 500 */
}

enum { GATE_OPEN, GATE_LOCAL };

static const struct http_route test_routes[] = {
    {"/echo", HTTP_GET | HTTP_POST, echo, GATE_OPEN},
    {"/silent", HTTP_GET, silent, GATE_OPEN},
    {"/local", HTTP_GET, echo, GATE_LOCAL},
};

/* 127.0.0.4 may call nothing; /local answers 127.0.0.1 only. */
static bool test_gate(void *ctx, int gate, const struct sockaddr *addr)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	uint32_t a = ntohl(in->sin_addr.s_addr);
	return a != 0x7f000004 && (gate == GATE_OPEN || a == 0x7f000001);
}

static void on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* The child: serve until SIGTERM. Reports its port through fd. */
static void serve(int fd)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct metrics m;
	const char *names[] = {"/echo", "/silent"};
	metrics_init(&m, names, 2);
	struct http_limits limits = {
	    .max_body = MAX_BODY,
	    .max_header = MAX_HEADER,
	    .max_connections = MAX_CONNECTIONS,
	    .per_address = PER_ADDRESS,
	    .idle_timeout = IDLE_TIMEOUT,
	    .request_timeout = REQUEST_TIMEOUT,
	    .listen_backlog = 512,
	};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	char err[256];
	struct http_server *srv = http_new(loop, (struct sockaddr *)&addr, &limits, test_routes, 3,
					   &m, test_gate, NULL, err, sizeof err);
	uint16_t port = srv ? http_port(srv) : 0;
	if (write(fd, &port, sizeof port) != sizeof port || !srv)
		_exit(1);
	close(fd);
	ev_signal term;
	ev_signal_init(&term, on_term, SIGTERM);
	ev_signal_start(loop, &term);
	ev_run(loop, 0);
	http_free(srv);
	ev_loop_destroy(loop);
	_exit(0);
}

static uint16_t port;

/* A connection from the loopback address from (127.0.0.x). */
static int connect_from(const char *from)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in local = {.sin_family = AF_INET};
	inet_pton(AF_INET, from, &local.sin_addr);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_server(void)
{
	return connect_from("127.0.0.1");
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* Reads one response (headers plus Content-Length body), or until the
 * server closes or 3 s pass. Returns the status, 0 if there was none. */
static int read_response(int fd, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (;;) {
		char *end = strstr(out, "\r\n\r\n");
		if (end) {
			const char *cl = strstr(out, "Content-Length: ");
			size_t want =
			    (size_t)(end + 4 - out) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
			if (used >= want)
				break;
		}
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 3000) <= 0)
			break;
		ssize_t n = read(fd, out + used, size - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		out[used] = '\0';
	}
	int status = 0;
	sscanf(out, "HTTP/1.1 %d", &status);
	return status;
}

static int request_from(const char *from, const char *raw, char *out, size_t size)
{
	int fd = connect_from(from);
	if (fd < 0)
		return -1;
	send_all(fd, raw, strlen(raw));
	int status = read_response(fd, out, size);
	close(fd);
	return status;
}

static int request(const char *raw, char *out, size_t size)
{
	return request_from("127.0.0.1", raw, out, size);
}

/* True if the server closes fd within seconds (EOF or reset, nothing
 * else read). */
static bool closed_within(int fd, double seconds)
{
	struct pollfd p = {fd, POLLIN, 0};
	char c;
	return poll(&p, 1, (int)(seconds * 1000)) == 1 && read(fd, &c, 1) <= 0;
}

/* Nothing from the server on fd for a while: it is still open. */
static bool still_open(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 100) == 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void test_routing(void)
{
	char out[4096];
	is_int(request("GET /echo?a=1&text=hi HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 200,
	       "GET /echo answers 200");
	ok(strstr(out, "fields=2 text_len=2") != NULL, "query reaches the handler");
	is_int(request("GET /echo?text=%00%01%02 HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out),
	       200, "a query with NUL bytes is accepted");
	ok(strstr(out, "text_len=3") != NULL, "its value keeps all 3 bytes");
	is_int(request("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 404,
	       "unknown path is 404");
	is_int(request("POST /silent HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", out,
		       sizeof out),
	       405, "wrong method is 405");
	is_int(request("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 500,
	       "a handler that does not answer yields 500");
	is_int(request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", out,
		       sizeof out),
	       200, "POST with a body");
	ok(strstr(out, "body=5") != NULL, "body reaches the handler");
	/* libmicrohttpd drops a connection whose request line is not HTTP. */
	is_int(request("garbage\r\n\r\n", out, sizeof out), 0, "a garbage request line is dropped");
}

static void test_keep_alive(void)
{
	char out[4096];
	int fd = connect_server();
	const char *get = "GET /echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	send_all(fd, get, strlen(get));
	int first = read_response(fd, out, sizeof out);
	send_all(fd, get, strlen(get));
	int second = read_response(fd, out, sizeof out);
	ok(first == 200 && second == 200, "two requests on one kept-alive connection");
	close(fd);
}

static void test_limits(void)
{
	char out[8192];
	char raw[8192];
	snprintf(raw, sizeof raw, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
		 MAX_BODY + 1);
	is_int(request(raw, out, sizeof out), 413, "a declared body over max_body is 413");

	/* A chunked body announces no length: it is counted as it arrives. */
	char chunk[MAX_BODY + 200];
	memset(chunk, 'a', sizeof chunk);
	int n =
	    snprintf(raw, sizeof raw,
		     "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n",
		     sizeof chunk);
	memcpy(raw + n, chunk, sizeof chunk);
	memcpy(raw + n + sizeof chunk, "\r\n0\r\n\r\n", 8);
	int fd = connect_server();
	send_all(fd, raw, (size_t)n + sizeof chunk + 7);
	is_int(read_response(fd, out, sizeof out), 413, "a chunked body over max_body is 413");
	close(fd);

	n = snprintf(raw, sizeof raw, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(raw + n, 'b', MAX_HEADER + 100);
	memcpy(raw + n + MAX_HEADER + 100, "\r\n\r\n", 5);
	is_int(request(raw, out, sizeof out), 431, "headers over max_header are 431");

	is_int(request("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 200,
	       "the server still answers after all that");
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Gates are applied at accept, before a slot is taken, and per route. */
static void test_gates(void)
{
	char out[4096];
	int fd = connect_from("127.0.0.4");
	ok(fd >= 0 && closed_within(fd, 2), "an address no route admits is closed at once");
	close(fd);
	is_int(request_from("127.0.0.2", "GET /local HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out),
	       403, "a route's own gate refuses another address: 403");
	is_int(request("GET /local HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 200,
	       "and admits its own");
}

static void test_connection_limits(void)
{
	char out[4096];
	const char *get = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
	usleep(100 * 1000); /* the server sees the earlier tests' connections go */
	/* An address at its limit with every connection busy is refused;
	 * another address is not. */
	int busy[PER_ADDRESS];
	for (int i = 0; i < PER_ADDRESS; i++) {
		busy[i] = connect_server();
		send_all(busy[i], "GET /echo HTTP/1.1\r\n", 20);
	}
	usleep(100 * 1000); /* the server reads their first lines: they are busy */
	int extra = connect_server();
	ok(extra >= 0 && closed_within(extra, 2),
	   "past the per-address limit, with none idle: closed before it takes a slot");
	close(extra);
	is_int(request_from("127.0.0.2", get, out, sizeof out), 200, "another address is served");
	close_all(busy, PER_ADDRESS);
	usleep(100 * 1000); /* the server sees them go */

	/* At the per-address limit with idle connections: the oldest gives way. */
	int idle[PER_ADDRESS];
	for (int i = 0; i < PER_ADDRESS; i++)
		idle[i] = connect_server();
	usleep(100 * 1000); /* each is accepted, in order */
	is_int(request(get, out, sizeof out), 200,
	       "a new connection from a full address is served");
	ok(closed_within(idle[0], 2), "and the address's oldest idle connection gave way");
	ok(still_open(idle[1]) && still_open(idle[2]), "the others stay");
	close_all(idle, PER_ADDRESS);

	/* At max_connections: an idle connection of anyone gives way; with
	 * all of them busy, 503. */
	const char *from[MAX_CONNECTIONS] = {"127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2"};
	int held[MAX_CONNECTIONS];
	for (int i = 0; i < MAX_CONNECTIONS; i++)
		held[i] = connect_from(from[i]);
	usleep(100 * 1000);
	is_int(request_from("127.0.0.3", get, out, sizeof out), 200,
	       "at max_connections a new peer is served");
	ok(closed_within(held[0], 2), "the oldest idle connection gave way");
	close_all(held, MAX_CONNECTIONS);
	usleep(100 * 1000);
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		held[i] = connect_from(from[i]);
		send_all(held[i], "GET /echo HTTP/1.1\r\n", 20);
	}
	usleep(100 * 1000);
	is_int(request_from("127.0.0.3", get, out, sizeof out), 503,
	       "with every connection busy, a connection past max_connections gets 503");
	ok(strstr(out, "Connection: close") != NULL, "and is closed");
	close_all(held, MAX_CONNECTIONS);
}

/* Bytes that trickle in extend neither the idle nor the request timeout. */
static void test_slow_peers(void)
{
	char out[4096];
	int slow = connect_server();
	send_all(slow, "GET /echo HTTP/1.1\r\n", 20);
	double t0 = now();
	bool open = true;
	while (open && now() - t0 < REQUEST_TIMEOUT + 3) {
		send_all(slow, "X", 1); /* a header that never ends, a byte at a time */
		open = !closed_within(slow, 0.3);
	}
	double took = now() - t0;
	ok(!open && took < REQUEST_TIMEOUT + 1.5,
	   "a request dribbled a byte at a time is cut at request_timeout (%.1f s)", took);
	close(slow);

	int dribble = connect_server();
	t0 = now();
	open = true;
	while (open && now() - t0 < IDLE_TIMEOUT + 3) {
		send_all(dribble, "G", 1); /* a request line that never ends */
		open = !closed_within(dribble, 0.3);
	}
	took = now() - t0;
	ok(!open && took < IDLE_TIMEOUT + 1.5,
	   "a request line dribbled a byte at a time is cut at idle_timeout (%.1f s)", took);
	close(dribble);

	int quiet = connect_server();
	t0 = now();
	ok(closed_within(quiet, IDLE_TIMEOUT + 3) && now() - t0 >= IDLE_TIMEOUT - 0.1,
	   "an idle connection is closed after idle_timeout");
	close(quiet);
	is_int(request("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 200,
	       "the server still answers after all that");
}

int main(void)
{
	int fds[2];
	if (pipe(fds) < 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		close(fds[0]);
		serve(fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &port, sizeof port) != sizeof port || port == 0) {
		ok(0, "server started");
		return tap_done();
	}
	ok(1, "server started on port %u", port);
	test_routing();
	test_keep_alive();
	test_limits();
	test_gates();
	test_connection_limits();
	test_slow_peers();
	kill(child, SIGTERM);
	int status = 0;
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server stops cleanly on SIGTERM");
	return tap_done();
}
