/* routes — see routes.h. */
#include "config.h"

#include "routes.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "channel.h"
#include "daemon.h"

#define METRICS_TEXT_MAX (64 * 1024)

static void health(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	bool db_ok = store_ping(d->store) == 0;
	char body[256];
	/* in_flight counts this request too */
	int n = snprintf(body, sizeof body,
			 "{\"status\":\"%s\",\"version\":\"%s\",\"uptime\":%.0f,"
			 "\"database\":\"%s\",\"in_flight\":%u}\n",
			 db_ok ? "ok" : "degraded", PACKAGE_VERSION, ev_now(d->loop) - d->started,
			 db_ok ? "ok" : "error", http_active_requests(d->http));
	http_reply(ex, db_ok ? 200 : 503, "application/json", body, (size_t)n, NULL, 0);
}

static void metrics(void *ctx, struct http_exchange *ex)
{
	struct daemon *d = ctx;
	struct buf out;
	buf_init(&out, METRICS_TEXT_MAX);
	int64_t sessions = store_count_open_sessions(d->store, (int64_t)ev_now(d->loop));
	if (metrics_render(&d->metrics, ev_now(d->loop) - d->started, sessions, &out) < 0)
		http_reply_text(ex, 500, "metrics too large\n");
	else
		http_reply(ex, 200, "text/plain; version=0.0.4", out.data, out.len, NULL, 0);
	buf_cleanup(&out);
}

const struct http_route routes[] = {
    {"/health", HTTP_GET | HTTP_HEAD, health},
    {"/metrics", HTTP_GET, metrics},
    {"/kannel/mo", HTTP_GET | HTTP_POST, channel_kannel_mo},
    {"/ussd/at", HTTP_POST, channel_ussd_at},
};
const size_t routes_count = sizeof routes / sizeof routes[0];
