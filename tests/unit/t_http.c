/* Unit tests for gateway/http.c: a real server on 127.0.0.1 (port 0) in a
 * child process, driven over raw sockets by the parent: routing, methods,
 * binary-safe queries, keep-alive, and every limit (413, 431, 503, idle). */
#include <arpa/inet.h>
#include <ev.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "form.h"
#include "http.h"
#include "tap.h"

#define MAX_BODY        1024
#define MAX_HEADER      4096
#define MAX_CONNECTIONS 3

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

static const struct http_route test_routes[] = {
    {"/echo", HTTP_GET | HTTP_POST, echo},
    {"/silent", HTTP_GET, silent},
};

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
	struct http_limits limits = {MAX_BODY, MAX_HEADER, MAX_CONNECTIONS, 1, 512};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	char err[256];
	struct http_server *srv = http_new(loop, (struct sockaddr *)&addr, &limits, test_routes, 2,
					   &m, NULL, err, sizeof err);
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

static int connect_server(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
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

static int request(const char *raw, char *out, size_t size)
{
	int fd = connect_server();
	if (fd < 0)
		return -1;
	send_all(fd, raw, strlen(raw));
	int status = read_response(fd, out, size);
	close(fd);
	return status;
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

	int held[MAX_CONNECTIONS];
	for (int i = 0; i < MAX_CONNECTIONS; i++)
		held[i] = connect_server();
	is_int(request("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out), 503,
	       "a connection past max_connections gets 503");
	ok(strstr(out, "Connection: close") != NULL, "and is closed");
	for (int i = 0; i < MAX_CONNECTIONS; i++)
		close(held[i]);

	/* A request that stalls is cut off by the idle timeout (1 s here). */
	fd = connect_server();
	send_all(fd, "GET /echo HTTP/1.1\r\n", 20);
	struct pollfd p = {fd, POLLIN, 0};
	char c;
	ok(poll(&p, 1, 5000) == 1 && read(fd, &c, 1) == 0,
	   "a stalled request is closed by the idle timeout");
	close(fd);
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
	kill(child, SIGTERM);
	int status = 0;
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server stops cleanly on SIGTERM");
	return tap_done();
}
