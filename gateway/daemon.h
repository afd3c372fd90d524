/*
 * daemon — the one context struct of chabard: the loop, the current
 * config, the store, the HTTP server, metrics and the signal watchers.
 * Everything the route handlers need, they reach through it.
 *
 * Lifecycle: daemon_new() (opens the database, binds the port; fails
 * before ev_run, where fatal is allowed) → daemon_run() until SIGTERM or
 * SIGINT has drained requests → daemon_free(). Loop thread only.
 */
#ifndef CHABAR_DAEMON_H
#define CHABAR_DAEMON_H

#include <ev.h>
#include <stdbool.h>

#include "batch.h"
#include "cfg.h"
#include "flow.h"
#include "http.h"
#include "locale.h"
#include "metrics.h"
#include "store.h"

struct daemon {
	struct ev_loop *loop;
	const char *cfg_path;
	struct cfg *cfg; /* replaced on a good SIGHUP reload, with the next two */
	struct flow_set *flows;
	struct locales *locales;
	struct store *store;
	struct http_server *http;
	struct batch batch;    /* the open group commit */
	struct outbox *outbox; /* the sender, NULL without [sendsms] url or via = box */
	struct box *box;       /* chabard as a box of bearerbox, NULL without [box] */
	struct due *due;       /* the timer of what falls due */
	struct metrics metrics;
	ev_signal sigterm, sigint, sighup;
	ev_timer drain;
	ev_prepare log_flusher; /* the turn's log lines, in one write, before the loop sleeps */
	ev_tstamp started;
	ev_tstamp drain_deadline;
	bool debug; /* -d: debug logging whatever the config says, also after reloads */
};

/* Takes over the caller's reference to cfg; loads the flows and catalogs it
 * names (problems go to the log). NULL with err on failure. */
struct daemon *daemon_new(struct ev_loop *loop, const char *cfg_path, struct cfg *cfg, char *err,
			  size_t err_size);
/* Runs the loop until a stop signal has drained the server. */
void daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

#endif
