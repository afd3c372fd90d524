/* metrics — see metrics.h. */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

static const int status_codes[] = {
#define X(code) code,
    METRICS_STATUSES(X)
#undef X
};

static const double commit_bounds[] = {
#define X(le) le,
    METRICS_COMMIT_BUCKETS(X)
#undef X
};

void metrics_init(struct metrics *m, const char *const *names, size_t count)
{
	memset(m, 0, sizeof *m);
	if (count > METRICS_ROUTES_MAX - 1)
		count = METRICS_ROUTES_MAX - 1;
	for (size_t i = 0; i < count; i++)
		m->route_names[i] = names[i];
	m->route_names[count] = "unrouted";
	m->route_count = count + 1;
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < METRICS_STATUS_OTHER; i++)
		if (status_codes[i] == status)
			return i;
	return METRICS_STATUS_OTHER;
}

void metrics_request(struct metrics *m, size_t route, int status)
{
	if (route >= m->route_count)
		route = m->route_count - 1;
	m->requests[route][status_slot(status)]++;
}

void metrics_commit(struct metrics *m, double seconds)
{
	for (size_t i = 0; i < METRICS_COMMIT_SLOTS; i++)
		if (seconds <= commit_bounds[i])
			m->commit_buckets[i]++;
	m->commit_count++;
	m->commit_seconds += seconds;
}

static void render_counter(struct buf *out, const char *name, const char *help, uint64_t v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
		   (unsigned long long)v);
}

int metrics_render(const struct metrics *m, double uptime, int64_t open_sessions, struct buf *out)
{
	buf_printf(out, "# HELP chabar_http_requests_total HTTP exchanges by route and status.\n"
			"# TYPE chabar_http_requests_total counter\n");
	for (size_t r = 0; r < m->route_count; r++) {
		for (size_t s = 0; s < METRICS_STATUS_SLOTS; s++) {
			if (!m->requests[r][s])
				continue;
			char status[8] = "other";
			if (s < METRICS_STATUS_OTHER)
				snprintf(status, sizeof status, "%d", status_codes[s]);
			buf_printf(
			    out, "chabar_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
			    m->route_names[r], status, (unsigned long long)m->requests[r][s]);
		}
	}
	render_counter(out, "chabar_inbound_messages_total", "Inbound messages stored.",
		       m->inbound);
	render_counter(out, "chabar_inbound_repeats_total",
		       "Repeated deliveries of a stored message, answered from the store.",
		       m->inbound_repeats);
	render_counter(out, "chabar_replies_total", "Replies sent on the HTTP exchange.",
		       m->replies);
	render_counter(out, "chabar_store_errors_total", "Failed SQLite writes (answered 503).",
		       m->store_errors);
	buf_printf(out, "# HELP chabar_sqlite_commit_seconds SQLite commit latency.\n"
			"# TYPE chabar_sqlite_commit_seconds histogram\n");
	for (size_t i = 0; i < METRICS_COMMIT_SLOTS; i++)
		buf_printf(out, "chabar_sqlite_commit_seconds_bucket{le=\"%g\"} %llu\n",
			   commit_bounds[i], (unsigned long long)m->commit_buckets[i]);
	buf_printf(out,
		   "chabar_sqlite_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
		   "chabar_sqlite_commit_seconds_sum %.9f\n"
		   "chabar_sqlite_commit_seconds_count %llu\n",
		   (unsigned long long)m->commit_count, m->commit_seconds,
		   (unsigned long long)m->commit_count);
	buf_printf(out,
		   "# HELP chabar_open_sessions Conversations not yet expired.\n"
		   "# TYPE chabar_open_sessions gauge\nchabar_open_sessions %lld\n",
		   (long long)open_sessions);
	return buf_printf(out,
			  "# HELP chabar_uptime_seconds Seconds since chabard started.\n"
			  "# TYPE chabar_uptime_seconds gauge\nchabar_uptime_seconds %.0f\n",
			  uptime);
}
