/* daemon — see daemon.h. */
#include "config.h"

#include "daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "lint.h"
#include "log.h"
#include "box.h"
#include "due.h"
#include "outbox.h"
#include "routes.h"

#define DRAIN_POLL_SECONDS 0.05

/* Descriptors chabard needs besides its connections: the database, its
 * WAL and shm, the listener, epoll, libev's, the log. */
#define DESCRIPTORS_BESIDES 64

/* Raises the soft descriptor limit to what max_connections needs (MHD may
 * hold an eighth more while idle ones are closing); if the hard limit is
 * lower, fewer connections are allowed and the log says so. */
static unsigned connections_allowed(unsigned wanted)
{
	rlim_t need = (rlim_t)wanted + wanted / 8 + 16 + DESCRIPTORS_BESIDES;
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
		return wanted;
	if (lim.rlim_cur < need) {
		lim.rlim_cur =
		    lim.rlim_max == RLIM_INFINITY || lim.rlim_max > need ? need : lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
		getrlimit(RLIMIT_NOFILE, &lim);
	}
	if (lim.rlim_cur >= need)
		return wanted;
	rlim_t room =
	    lim.rlim_cur > DESCRIPTORS_BESIDES + 16 ? lim.rlim_cur - DESCRIPTORS_BESIDES - 16 : 1;
	unsigned allowed = (unsigned)(room * 8 / 9);
	log_msg(LOG_LEVEL_WARN, "descriptor_limit", "limit=%llu max_connections=%u allowed=%u",
		(unsigned long long)lim.rlim_cur, wanted, allowed ? allowed : 1);
	return allowed ? allowed : 1;
}

static void http_limits_from(const struct cfg *c, struct http_limits *l)
{
	l->max_body = c->max_body;
	l->max_header = c->max_header;
	l->max_connections = connections_allowed(c->max_connections);
	l->per_address = c->max_connections_per_address;
	l->idle_timeout = c->idle_timeout;
	l->request_timeout = c->request_timeout;
	l->listen_backlog = c->listen_backlog;
}

/* SIGHUP: a config that fails to load changes nothing (convention 3). */
static void reload(struct daemon *d)
{
	/* the open batch's answers point into the flows and config it used */
	batch_flush(&d->batch);
	struct diag diag;
	diag_init(&diag, NULL);
	struct cfg *fresh = cfg_load(d->cfg_path, &diag);
	struct flow_set *flows = NULL;
	struct locales *locales = NULL;
	if (!fresh || lint_load(fresh->flows_dir, fresh->locales_dir, LINT_ENGINE_BUDGET, &diag,
				&flows, &locales) < 0) {
		log_msg(LOG_LEVEL_ERROR, "reload_failed", "config=%s errors=%d kept=previous",
			d->cfg_path, diag.errors);
		cfg_unref(fresh);
		return;
	}
	flow_set_unref(d->flows);
	locales_unref(d->locales);
	d->flows = flows;
	d->locales = locales;
	char restart[256];
	cfg_restart_keys(d->cfg, fresh, restart, sizeof restart);
	if (restart[0])
		log_msg(LOG_LEVEL_WARN, "reload_needs_restart", "keys=%s", restart);
	cfg_unref(d->cfg);
	d->cfg = fresh;
	log_set_level(d->debug ? LOG_LEVEL_DEBUG : fresh->log_level);
	http_set_max_body(d->http, fresh->max_body);
	log_msg(LOG_LEVEL_INFO, "reloaded", "config=%s", d->cfg_path);
}

static void on_drain_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	batch_flush(&d->batch); /* what waits for a commit is answered before we stop */
	unsigned active = http_active_requests(d->http);
	if (active == 0 || ev_now(loop) >= d->drain_deadline) {
		if (active)
			log_msg(LOG_LEVEL_WARN, "drain_timeout", "abandoned=%u", active);
		ev_timer_stop(loop, w);
		ev_break(loop, EVBREAK_ALL);
	}
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	if (w->signum == SIGHUP) {
		reload(d);
		return;
	}
	if (ev_is_active(&d->drain))
		return; /* already draining */
	log_msg(LOG_LEVEL_INFO, "stopping", "signal=%d active=%u", w->signum,
		http_active_requests(d->http));
	http_quiesce(d->http);
	box_quiesce(d->box);
	d->drain_deadline = ev_now(loop) + d->cfg->drain_timeout;
	ev_timer_start(loop, &d->drain);
	ev_feed_event(loop, &d->drain, EV_TIMER); /* nothing in flight: stop now */
}

static void watch_signal(struct daemon *d, ev_signal *w, int signum)
{
	ev_signal_init(w, on_signal, signum);
	w->data = d;
	ev_signal_start(d->loop, w);
}

static void on_log_flush(struct ev_loop *loop, ev_prepare *w, int revents)
{
	log_flush();
}

struct daemon *daemon_new(struct ev_loop *loop, const char *cfg_path, struct cfg *cfg, char *err,
			  size_t err_size)
{
	struct daemon *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, err_size, "out of memory");
		cfg_unref(cfg);
		return NULL;
	}
	d->loop = loop;
	d->cfg_path = cfg_path;
	d->cfg = cfg;
	d->started = ev_now(loop);
	const char *names[METRICS_ROUTES_MAX];
	for (size_t i = 0; i < routes_count && i < METRICS_ROUTES_MAX; i++)
		names[i] = routes[i].path;
	metrics_init(&d->metrics, names, routes_count);

	struct diag diag;
	diag_init(&diag, NULL);
	if (lint_load(cfg->flows_dir, cfg->locales_dir, LINT_ENGINE_BUDGET, &diag, &d->flows,
		      &d->locales) < 0) {
		snprintf(err, err_size, "flows %s and catalogs %s: %d errors (logged above)",
			 cfg->flows_dir, cfg->locales_dir, diag.errors);
		daemon_free(d);
		return NULL;
	}
	d->store = store_connect(cfg, err, err_size);
	if (!d->store) {
		daemon_free(d);
		return NULL;
	}
	struct http_limits limits;
	http_limits_from(cfg, &limits);
	d->http = http_new(loop, (const struct sockaddr *)&cfg->listen.sa, &limits, routes,
			   routes_count, &d->metrics, routes_gate, d, err, err_size);
	if (!d->http || batch_init(&d->batch, d) < 0) {
		if (d->http)
			snprintf(err, err_size, "out of memory");
		daemon_free(d);
		return NULL;
	}
	d->outbox = outbox_new(d, err, err_size);
	if (!d->outbox && err[0]) {
		daemon_free(d);
		return NULL;
	}
	d->box = box_new(d, err, err_size);
	if (!d->box && err[0]) {
		daemon_free(d);
		return NULL;
	}
	if (!(d->due = due_new(d))) {
		snprintf(err, err_size, "out of memory");
		daemon_free(d);
		return NULL;
	}
	watch_signal(d, &d->sigterm, SIGTERM);
	watch_signal(d, &d->sigint, SIGINT);
	watch_signal(d, &d->sighup, SIGHUP);
	ev_timer_init(&d->drain, on_drain_tick, DRAIN_POLL_SECONDS, DRAIN_POLL_SECONDS);
	d->drain.data = d;
	ev_prepare_init(&d->log_flusher, on_log_flush);
	ev_set_priority(&d->log_flusher, EV_MINPRI); /* after everything else */
	ev_prepare_start(loop, &d->log_flusher);
	log_hold(true);
	log_msg(LOG_LEVEL_INFO, "started", "version=%s listen=%s port=%u database=%s schema=%d",
		PACKAGE_VERSION, cfg->listen.text, http_port(d->http), cfg->database,
		store_schema_version(d->store));
	return d;
}

void daemon_run(struct daemon *d)
{
	ev_run(d->loop, 0);
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	ev_signal_stop(d->loop, &d->sigterm);
	ev_signal_stop(d->loop, &d->sigint);
	ev_signal_stop(d->loop, &d->sighup);
	ev_timer_stop(d->loop, &d->drain);
	ev_prepare_stop(d->loop, &d->log_flusher);
	batch_cleanup(&d->batch); /* answers what it holds: before the server goes */
	due_free(d->due);
	box_free(d->box); /* its MTs not acknowledged go back to the outbox */
	outbox_free(d->outbox);
	http_free(d->http);
	store_free(d->store);
	flow_set_unref(d->flows);
	locales_unref(d->locales);
	cfg_unref(d->cfg);
	free(d);
	log_hold(false);
}
