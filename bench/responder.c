/*
 * responder — the baseline of bench/kannel.sh: the least an HTTP
 * application behind smsbox's post-url (or get-url) can do. One epoll
 * loop, keep-alive, each request (its body, if any, skipped) answered "ok"
 * in one send. What chabard does per message is measured against this.
 *
 *     responder PORT           listens on 127.0.0.1:PORT; prints "ready"
 *     responder PORT sendsms   answers as Kannel's sendsms does (202
 *                              "0: Accepted for delivery"): the sink of
 *                              bench/fanout.sh
 *
 * Not part of chabar: a benchmark tool, built by `make bench-kannel`.
 */
#define _GNU_SOURCE /* memmem, accept4, strcasestr */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER 16384

static const char ok_answer[] = "HTTP/1.1 200 OK\r\n"
				"Content-Type: text/plain\r\n"
				"Content-Length: 2\r\n"
				"\r\n"
				"ok";
static const char sendsms_answer[] = "HTTP/1.1 202 Accepted\r\n"
				     "Content-Type: text/html\r\n"
				     "Content-Length: 24\r\n"
				     "\r\n"
				     "0: Accepted for delivery";
static const char *answer = ok_answer;
static size_t answer_len = sizeof ok_answer - 1;

struct connection {
	int fd;
	size_t len;
	char in[BUFFER];
};

/* Answers every complete request in c's buffer; -1 if the peer is gone. */
static int serve(struct connection *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->in + c->len, sizeof c->in - c->len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (n < 0)
			return 0;
		c->len += (size_t)n;
		char *end;
		while ((end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
			*end = '\0'; /* the headers as a string, for the body's length */
			const char *length = strcasestr(c->in, "\r\nContent-Length:");
			size_t used = (size_t)(end + 4 - c->in) +
				      (length ? strtoul(length + 17, NULL, 10) : 0);
			if (used > c->len) {
				*end = '\r';
				break; /* the rest of the body is still to come */
			}
			if (write(c->fd, answer, answer_len) != (ssize_t)answer_len)
				return -1;
			memmove(c->in, c->in + used, c->len - used);
			c->len -= used;
		}
		if (c->len == sizeof c->in)
			return -1; /* a request larger than a benchmark's MO */
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 && !(argc == 3 && strcmp(argv[2], "sendsms") == 0)) {
		fprintf(stderr, "usage: responder PORT [sendsms]\n");
		return 2;
	}
	if (argc == 3) {
		answer = sendsms_answer;
		answer_len = sizeof sendsms_answer - 1;
	}
	int one = 1;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10)),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) {
		perror("responder: listen");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct epoll_event events[64];
		int n = epoll_wait(ep, events, 64, -1);
		for (int i = 0; i < n; i++) {
			struct connection *c = events[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					if (!(c = calloc(1, sizeof *c))) {
						close(fd);
						continue;
					}
					c->fd = fd;
					ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
			} else if (serve(c) < 0) {
				close(c->fd);
				free(c);
			}
		}
	}
}
