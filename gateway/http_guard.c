/* http_guard — see http_guard.h.
 *
 * Two lists, each in the order its members entered it, so the oldest is
 * always at the head: idle connections (since their last answer, or their
 * accept) and connections whose request is arriving (since its first
 * line). A connection chabard is answering is in neither. The sweep, once
 * a second, closes from the heads what has run out of time; making room
 * takes the idle list's head. Per-address counts live in a small hash
 * table. Every step is O(1) but the search for one address's oldest idle
 * connection, which only happens when that address is at its limit. */
#include "http_guard.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define SWEEP_SECONDS 1.0
#define PEER_BUCKETS  1024 /* a power of two */

enum conn_state { CONN_IDLE, CONN_READING, CONN_SERVING, CONN_CLOSING };

struct peer {
	struct in6_addr addr;
	unsigned count; /* its open connections, those closing left out */
	struct peer *next;
};

struct conn_list {
	struct http_guard_conn *head, *tail;
};

struct http_guard_conn {
	struct http_guard_conn *prev, *next; /* in idle or reading, by state */
	struct peer *peer;
	int fd;
	enum conn_state state;
	ev_tstamp since; /* when it entered its list */
	bool cut;        /* its request ran out of time */
};

struct http_guard {
	struct ev_loop *loop;
	struct http_guard_limits limits;
	struct metrics *metrics;
	ev_timer sweep;
	unsigned open; /* connections, those closing left out */
	struct conn_list idle, reading;
	struct peer *peers[PEER_BUCKETS];
};

static struct peer **bucket(struct http_guard *g, const struct in6_addr *a)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < sizeof a->s6_addr; i++)
		h = (h ^ a->s6_addr[i]) * 16777619u;
	return &g->peers[h & (PEER_BUCKETS - 1)];
}

static struct peer *find_peer(struct http_guard *g, const struct in6_addr *a)
{
	for (struct peer *p = *bucket(g, a); p; p = p->next)
		if (memcmp(&p->addr, a, sizeof *a) == 0)
			return p;
	return NULL;
}

static void release_peer(struct http_guard *g, struct http_guard_conn *c)
{
	struct peer *p = c->peer;
	c->peer = NULL;
	if (!p || --p->count > 0)
		return;
	for (struct peer **at = bucket(g, &p->addr); *at; at = &(*at)->next) {
		if (*at == p) {
			*at = p->next;
			break;
		}
	}
	free(p);
}

static void list_append(struct conn_list *l, struct http_guard_conn *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void list_remove(struct conn_list *l, struct http_guard_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static struct conn_list *list_of(struct http_guard *g, enum conn_state state)
{
	return state == CONN_IDLE ? &g->idle : state == CONN_READING ? &g->reading : NULL;
}

static void enter(struct http_guard *g, struct http_guard_conn *c, enum conn_state state)
{
	struct conn_list *from = list_of(g, c->state);
	struct conn_list *to = list_of(g, state);
	if (from)
		list_remove(from, c);
	c->state = state;
	c->since = ev_now(g->loop);
	if (to)
		list_append(to, c);
}

/* Ends the connection: MHD reads the end of the stream and closes it. It no
 * longer counts against any limit. */
static void close_conn(struct http_guard *g, struct http_guard_conn *c, enum metrics_conn why)
{
	enter(g, c, CONN_CLOSING);
	shutdown(c->fd, SHUT_RDWR);
	release_peer(g, c);
	g->open--;
	metrics_connection(g->metrics, why);
}

/* The oldest idle connection (of peer p, or of anyone if p is NULL) gives
 * way. False if there is none. */
static bool make_room(struct http_guard *g, const struct peer *p)
{
	for (struct http_guard_conn *c = g->idle.head; c; c = c->next) {
		if (!p || c->peer == p) {
			close_conn(g, c, METRICS_CONN_EVICTED_IDLE);
			return true;
		}
	}
	return false;
}

static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_guard *g = w->data;
	ev_tstamp now = ev_now(loop);
	while (g->reading.head && now - g->reading.head->since >= g->limits.request_timeout) {
		g->reading.head->cut = true;
		close_conn(g, g->reading.head, METRICS_CONN_REQUEST_TIMEOUT);
	}
	while (g->idle.head && now - g->idle.head->since >= g->limits.idle_timeout)
		close_conn(g, g->idle.head, METRICS_CONN_IDLE_TIMEOUT);
}

struct http_guard *http_guard_new(struct ev_loop *loop, const struct http_guard_limits *limits,
				  struct metrics *metrics)
{
	struct http_guard *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->loop = loop;
	g->limits = *limits;
	g->metrics = metrics;
	ev_timer_init(&g->sweep, on_sweep, SWEEP_SECONDS, SWEEP_SECONDS);
	g->sweep.data = g;
	ev_timer_start(loop, &g->sweep);
	ev_unref(loop); /* the sweep alone does not keep the loop running */
	return g;
}

void http_guard_free(struct http_guard *g)
{
	if (!g)
		return;
	ev_ref(g->loop);
	ev_timer_stop(g->loop, &g->sweep);
	for (size_t i = 0; i < PEER_BUCKETS; i++) {
		while (g->peers[i]) {
			struct peer *p = g->peers[i];
			g->peers[i] = p->next;
			free(p);
		}
	}
	free(g);
}

bool http_guard_accept(struct http_guard *g, const struct sockaddr *addr)
{
	struct in6_addr a;
	struct peer *p = addr_of(addr, &a) ? find_peer(g, &a) : NULL;
	if (p && p->count >= g->limits.per_address && !make_room(g, p)) {
		metrics_connection(g->metrics, METRICS_CONN_REFUSED_ADDRESS_LIMIT);
		return false;
	}
	/* past the limit with nothing idle: accepted, and told 503 once its
	 * request is in (http.c), which a client understands better than a
	 * connection closed at once */
	if (g->open >= g->limits.max_connections)
		make_room(g, NULL);
	return true;
}

struct http_guard_conn *http_guard_opened(struct http_guard *g, int fd, const struct sockaddr *addr)
{
	struct http_guard_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	struct in6_addr a;
	if (addr_of(addr, &a)) {
		c->peer = find_peer(g, &a);
		if (!c->peer) {
			c->peer = calloc(1, sizeof *c->peer);
			if (!c->peer) {
				free(c);
				return NULL;
			}
			c->peer->addr = a;
			struct peer **at = bucket(g, &a);
			c->peer->next = *at;
			*at = c->peer;
		}
		c->peer->count++;
	}
	c->fd = fd;
	c->state = CONN_SERVING; /* in no list yet */
	g->open++;
	enter(g, c, CONN_IDLE);
	return c;
}

void http_guard_closed(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	if (c->state != CONN_CLOSING) {
		enter(g, c, CONN_CLOSING);
		release_peer(g, c);
		g->open--;
	}
	free(c);
}

void http_guard_busy(struct http_guard *g, struct http_guard_conn *c)
{
	if (c && c->state != CONN_CLOSING)
		enter(g, c, CONN_READING);
}

void http_guard_read(struct http_guard *g, struct http_guard_conn *c)
{
	if (c && c->state != CONN_CLOSING)
		enter(g, c, CONN_SERVING);
}

void http_guard_idle(struct http_guard *g, struct http_guard_conn *c)
{
	if (c && c->state != CONN_CLOSING)
		enter(g, c, CONN_IDLE);
}

unsigned http_guard_open(const struct http_guard *g)
{
	return g->open;
}

bool http_guard_cut(const struct http_guard_conn *c)
{
	return c && c->cut;
}
