/* routes — see routes.h. */
#include "config.h"

#include "routes.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "box.h"
#include "buf.h"
#include "channel.h"
#include "clock.h"
#include "daemon.h"
#include "dlr.h"

#define METRICS_TEXT_MAX (64 * 1024)
/* Less free space than this on the database's file system, and a message
 * may not fit: /health says so before the writes fail. */
#define HEALTH_DISK_MIN (1024 * 1024)

static void health(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	bool db_ok = store_ping(d->store) == 0 && !batch_degraded(&d->batch);
	int64_t disk_free = store_disk_free(d->store);
	bool disk_ok = disk_free < 0 || disk_free >= HEALTH_DISK_MIN;
	const char *backend = store_backend(d->store);
	bool replicated = strcmp(backend, "postgresql") == 0;
	double lag;
	int standbys = replicated ? store_standbys(d->store, &lag) : 0;
	/* with no standby streaming, a commit waits until one is back (-1:
	 * this role may not see them, or the primary did not answer) */
	bool ok = db_ok && disk_ok && (!replicated || standbys != 0);
	char body[400], replication[48] = "";
	if (replicated)
		snprintf(replication, sizeof replication, ",\"standbys\":%d", standbys);
	/* in_flight counts this request too */
	int n = snprintf(body, sizeof body,
			 "{\"status\":\"%s\",\"version\":\"%s\",\"uptime\":%.0f,"
			 "\"database\":\"%s\",\"store\":\"%s\"%s,\"disk\":\"%s\","
			 "\"disk_free_bytes\":%lld,\"in_flight\":%u,\"box\":\"%s\"}\n",
			 ok ? "ok" : "degraded", PACKAGE_VERSION, ev_now(d->loop) - d->started,
			 db_ok ? "ok" : "error", backend, replication, disk_ok ? "ok" : "low",
			 (long long)disk_free, http_active_requests(d->http), box_status(d->box));
	http_reply(ex, ok ? 200 : 503, "application/json", body, (size_t)n, NULL, 0);
}

static void metrics(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct buf out;
	buf_init(&out, METRICS_TEXT_MAX);
	struct metrics_gauges g = {
	    .uptime = ev_now(d->loop) - d->started,
	    .open_sessions = store_count_open_sessions(d->store, (int64_t)clock_now(d->loop)),
	    .open_connections = http_connections(d->http),
	    .backend = store_backend(d->store),
	};
	g.standbys = store_standbys(d->store, &g.flush_lag);
	batch_counts(&d->batch, &g.waiting, &g.in_flight);
	if (metrics_render(&d->metrics, &g, &out) < 0)
		http_reply_text(ex, 500, "metrics too large\n");
	else
		http_reply(ex, 200, "text/plain; version=0.0.4", out.data, out.len, NULL, 0);
	buf_cleanup(&out);
}

/* Which allow list guards a route. */
enum gate { GATE_STATUS, GATE_KANNEL, GATE_USSD };

const struct http_route routes[] = {
    {"/health", HTTP_GET | HTTP_HEAD, health, GATE_STATUS},
    {"/metrics", HTTP_GET, metrics, GATE_STATUS},
    {"/kannel/mo", HTTP_GET | HTTP_POST, channel_kannel_mo, GATE_KANNEL},
    {"/ussd/at", HTTP_POST, channel_ussd_at, GATE_USSD},
    {"/kannel/dlr", HTTP_GET | HTTP_POST, dlr_kannel, GATE_KANNEL},
};
const size_t routes_count = sizeof routes / sizeof routes[0];

bool routes_gate(void *ctx, int gate, const struct sockaddr *addr)
{
	const struct cfg *cfg = ((struct daemon *)ctx)->cfg;
	switch (gate) {
	case GATE_STATUS: return cfg_allowed(&cfg->status_allow, addr);
	case GATE_KANNEL: return cfg_allowed(&cfg->kannel_allow, addr);
	/* with USSD off, /ussd/at lets no one in: no connection for it */
	case GATE_USSD: return cfg->ussd_enabled && cfg_allowed(&cfg->ussd_allow, addr);
	default: return false;
	}
}
