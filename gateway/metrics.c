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
static const double batch_bounds[] = {
#define X(le) le,
    METRICS_BATCH_BUCKETS(X)
#undef X
};
#define BOUNDS(a) (sizeof a / sizeof a[0])
_Static_assert(BOUNDS(commit_bounds) <= METRICS_BUCKETS_MAX, "raise METRICS_BUCKETS_MAX");
_Static_assert(BOUNDS(batch_bounds) <= METRICS_BUCKETS_MAX, "raise METRICS_BUCKETS_MAX");

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

void metrics_connection(struct metrics *m, enum metrics_conn why)
{
	m->connections[why]++;
}

static void observe(struct metrics_histogram *h, const double *bounds, size_t n, double v)
{
	for (size_t i = 0; i < n; i++)
		if (v <= bounds[i])
			h->buckets[i]++;
	h->count++;
	h->sum += v;
}

void metrics_commit(struct metrics *m, double seconds, size_t batch_size)
{
	observe(&m->commit_seconds, commit_bounds, BOUNDS(commit_bounds), seconds);
	observe(&m->batch_size, batch_bounds, BOUNDS(batch_bounds), (double)batch_size);
}

static void render_counter(struct buf *out, const char *name, const char *help, uint64_t v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
		   (unsigned long long)v);
}

static void render_histogram(struct buf *out, const char *name, const char *help,
			     const struct metrics_histogram *h, const double *bounds, size_t n)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
			   (unsigned long long)h->buckets[i]);
	buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n", name,
		   (unsigned long long)h->count, name, h->sum, name, (unsigned long long)h->count);
}

/* One counter family with a label, its values in the order of labels. */
static void render_labelled(struct buf *out, const char *name, const char *help, const char *label,
			    const char *const *labels, const uint64_t *values, size_t n)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s{%s=\"%s\"} %llu\n", name, label, labels[i],
			   (unsigned long long)values[i]);
}

static void render_outbound(const struct metrics *m, struct buf *out)
{
	static const char *const results[] = {
#define X(name, label) label,
	    METRICS_OUTBOX_RESULTS(X)
#undef X
	};
	static const char *const reports[] = {
#define X(name, label) label,
	    METRICS_DLR_RESULTS(X)
#undef X
	};
	render_labelled(out, "chabar_outbox_requests_total",
			"Requests to Kannel's sendsms, by what became of them.", "result", results,
			m->outbox, METRICS_OUTBOX_SLOTS);
	render_labelled(out, "chabar_delivery_reports_total",
			"Kannel's delivery reports on what chabard sent, by type.", "type", reports,
			m->dlr, METRICS_DLR_SLOTS);
	static const char *const box_events[] = {
#define X(name, label) label,
	    METRICS_BOX_EVENTS(X)
#undef X
	};
	render_labelled(out, "chabar_box_events_total",
			"chabard as a box of bearerbox: connections and messages.", "event",
			box_events, m->box, METRICS_BOX_SLOTS);
}

static void render_connections(const struct metrics *m, unsigned open, struct buf *out)
{
	static const char *const labels[] = {
#define X(name, label) label,
	    METRICS_CONNECTION_EVENTS(X)
#undef X
	};
	render_labelled(out, "chabar_connections_closed_total",
			"Connections chabard refused or closed, by reason.", "reason", labels,
			m->connections, METRICS_CONN_SLOTS);
	buf_printf(out,
		   "# HELP chabar_open_connections TCP connections open, idle ones included.\n"
		   "# TYPE chabar_open_connections gauge\nchabar_open_connections %u\n",
		   open);
}

/* The store's engine, and for PostgreSQL its replication as the primary
 * reports it. */
static void render_store(const struct metrics_gauges *g, struct buf *out)
{
	buf_printf(out,
		   "# HELP chabar_store_info The store's engine.\n"
		   "# TYPE chabar_store_info gauge\nchabar_store_info{backend=\"%s\"} 1\n",
		   g->backend);
	if (strcmp(g->backend, "postgresql") != 0)
		return;
	buf_printf(out,
		   "# HELP chabar_store_standbys Synchronous standbys streaming, as the primary "
		   "reports them (-1: it did not answer).\n"
		   "# TYPE chabar_store_standbys gauge\nchabar_store_standbys %d\n"
		   "# HELP chabar_store_flush_lag_seconds The longest a standby lags in flushing "
		   "the primary's log.\n"
		   "# TYPE chabar_store_flush_lag_seconds gauge\n"
		   "chabar_store_flush_lag_seconds %.6f\n",
		   g->standbys, g->flush_lag);
}

int metrics_render(const struct metrics *m, const struct metrics_gauges *g, struct buf *out)
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
	render_counter(out, "chabar_replies_total",
		       "Replies sent (HTTP answers, or MTs through the box).", m->replies);
	render_counter(out, "chabar_store_errors_total", "Failed store writes (answered 503).",
		       m->store_errors);
	render_connections(m, g->open_connections, out);
	render_outbound(m, out);
	render_store(g, out);
	render_histogram(out, "chabar_store_commit_seconds",
			 "Commit latency (PostgreSQL: until a standby has it).", &m->commit_seconds,
			 commit_bounds, BOUNDS(commit_bounds));
	render_histogram(out, "chabar_commit_batch_size", "Messages one commit held.",
			 &m->batch_size, batch_bounds, BOUNDS(batch_bounds));
	buf_printf(out,
		   "# HELP chabar_batch_waiting Messages waiting for a batch.\n"
		   "# TYPE chabar_batch_waiting gauge\nchabar_batch_waiting %zu\n"
		   "# HELP chabar_batch_in_flight Messages in batches begun, not yet answered.\n"
		   "# TYPE chabar_batch_in_flight gauge\nchabar_batch_in_flight %zu\n",
		   g->waiting, g->in_flight);
	buf_printf(out,
		   "# HELP chabar_open_sessions Conversations not yet expired.\n"
		   "# TYPE chabar_open_sessions gauge\nchabar_open_sessions %lld\n",
		   (long long)g->open_sessions);
	return buf_printf(out,
			  "# HELP chabar_uptime_seconds Seconds since chabard started.\n"
			  "# TYPE chabar_uptime_seconds gauge\nchabar_uptime_seconds %.0f\n",
			  g->uptime);
}
