/* Unit tests for gateway/metrics.c: request counts by route and status, the
 * commit histogram, and the exposition text. */
#include <stdio.h>

#include "metrics.h"
#include "tap.h"

static const char *const routes[] = {"/kannel/mo", "/health", "/metrics"};

static void has_line(const char *text, const char *line)
{
	char want[256];
	snprintf(want, sizeof want, "\n%s\n", line);
	ok(strstr(text, want) != NULL, "renders: %s", line);
}

static void test_init(void)
{
	struct metrics m;
	metrics_init(&m, routes, 3);
	is_int(m.route_count, 4, "three routes plus unrouted");
	is_str(m.route_names[0], "/kannel/mo", "first route name");
	is_str(m.route_names[3], "unrouted", "the last slot is unrouted");

	static const char *const many[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
	metrics_init(&m, many, 10);
	is_int(m.route_count, METRICS_ROUTES_MAX, "too many routes are capped");
	is_str(m.route_names[METRICS_ROUTES_MAX - 1], "unrouted", "unrouted stays last");
	metrics_request(&m, 9, 200);
	is_int(m.requests[METRICS_ROUTES_MAX - 1][METRICS_STATUS_200], 1,
	       "a dropped route counts as unrouted");

	metrics_init(&m, NULL, 0);
	is_int(m.route_count, 1, "no routes: only unrouted");
	metrics_request(&m, 0, 404);
	is_int(m.requests[0][METRICS_STATUS_404], 1, "counted as unrouted");
}

static void test_requests(void)
{
	struct metrics m;
	metrics_init(&m, routes, 3);
	metrics_request(&m, 0, 200);
	metrics_request(&m, 0, 200);
	metrics_request(&m, 0, 400);
	metrics_request(&m, 0, 418);
	metrics_request(&m, 0, 302);
	metrics_request(&m, 1, 200);
	metrics_request(&m, 3, 404);
	metrics_request(&m, 99, 404);
	metrics_request(&m, (size_t)-1, 503);
	is_int(m.requests[0][METRICS_STATUS_200], 2, "route 0 status 200");
	is_int(m.requests[0][METRICS_STATUS_400], 1, "route 0 status 400");
	is_int(m.requests[0][METRICS_STATUS_OTHER], 2, "unknown statuses count as other");
	is_int(m.requests[1][METRICS_STATUS_200], 1, "route 1 status 200");
	is_int(m.requests[3][METRICS_STATUS_404], 2, "out-of-range route counts as unrouted");
	is_int(m.requests[3][METRICS_STATUS_503], 1, "a huge route index too");
	is_int(m.requests[2][METRICS_STATUS_200], 0, "untouched route stays 0");

	m.inbound = 5;
	m.inbound_repeats = 1;
	m.replies = 4;
	m.store_errors = 2;
	metrics_commit(&m, 0.0003, 3);
	metrics_connection(&m, METRICS_CONN_EVICTED_IDLE);
	metrics_connection(&m, METRICS_CONN_EVICTED_IDLE);
	metrics_connection(&m, METRICS_CONN_REQUEST_TIMEOUT);

	struct buf out;
	buf_init(&out, 64 * 1024);
	buf_append(&out, "\n", 1); /* so has_line can anchor the first line too */
	struct metrics_gauges g = {
	    .uptime = 12.4, .open_sessions = 3, .open_connections = 7, .backend = "sqlite"};
	is_int(metrics_render(&m, &g, &out), 0, "render succeeds");
	const char *t = out.data;
	has_line(t, "# TYPE chabar_http_requests_total counter");
	has_line(t, "chabar_http_requests_total{route=\"/kannel/mo\",status=\"200\"} 2");
	has_line(t, "chabar_http_requests_total{route=\"/kannel/mo\",status=\"400\"} 1");
	has_line(t, "chabar_http_requests_total{route=\"/kannel/mo\",status=\"other\"} 2");
	has_line(t, "chabar_http_requests_total{route=\"/health\",status=\"200\"} 1");
	has_line(t, "chabar_http_requests_total{route=\"unrouted\",status=\"404\"} 2");
	has_line(t, "chabar_http_requests_total{route=\"unrouted\",status=\"503\"} 1");
	ok(strstr(t, "route=\"/metrics\"") == NULL, "a route with no requests is not rendered");
	ok(strstr(t, "status=\"418\"") == NULL, "no line for an unknown status of its own");
	has_line(t, "chabar_inbound_messages_total 5");
	has_line(t, "chabar_inbound_repeats_total 1");
	has_line(t, "chabar_replies_total 4");
	has_line(t, "chabar_store_errors_total 2");
	has_line(t, "chabar_store_info{backend=\"sqlite\"} 1");
	ok(strstr(t, "chabar_store_standbys") == NULL, "SQLite: no standbys said");
	has_line(t, "# TYPE chabar_store_commit_seconds histogram");
	has_line(t, "chabar_store_commit_seconds_bucket{le=\"0.0001\"} 0");
	has_line(t, "chabar_store_commit_seconds_bucket{le=\"0.00025\"} 0");
	has_line(t, "chabar_store_commit_seconds_bucket{le=\"0.0005\"} 1");
	has_line(t, "chabar_store_commit_seconds_bucket{le=\"0.001\"} 1");
	has_line(t, "chabar_store_commit_seconds_bucket{le=\"1\"} 1");
	has_line(t, "chabar_store_commit_seconds_bucket{le=\"+Inf\"} 1");
	has_line(t, "chabar_store_commit_seconds_sum 0.000300000");
	has_line(t, "chabar_store_commit_seconds_count 1");
	has_line(t, "# TYPE chabar_commit_batch_size histogram");
	has_line(t, "chabar_commit_batch_size_bucket{le=\"2\"} 0");
	has_line(t, "chabar_commit_batch_size_bucket{le=\"4\"} 1");
	has_line(t, "chabar_commit_batch_size_sum 3.000000000");
	has_line(t, "chabar_commit_batch_size_count 1");
	has_line(t, "chabar_open_sessions 3");
	has_line(t, "chabar_connections_closed_total{reason=\"evicted_idle\"} 2");
	has_line(t, "chabar_connections_closed_total{reason=\"request_timeout\"} 1");
	has_line(t, "chabar_connections_closed_total{reason=\"refused_not_allowed\"} 0");
	has_line(t, "chabar_open_connections 7");
	has_line(t, "chabar_outbox_requests_total{result=\"retry\"} 0");
	has_line(t, "chabar_delivery_reports_total{type=\"delivered\"} 0");
	has_line(t, "chabar_uptime_seconds 12");
	ok(out.len > 0 && t[out.len - 1] == '\n', "the text ends with a newline");
	buf_cleanup(&out);

	buf_init(&out, 100);
	g.uptime = 1;
	is_int(metrics_render(&m, &g, &out), -1, "render into a too-small buffer fails");
	ok(out.overflowed, "and the buffer says so");
	buf_cleanup(&out);
}

/* Buckets of the commit latency histogram. */
#define X(le) +1
enum { COMMIT_SLOTS = 0 METRICS_COMMIT_BUCKETS(X) };
#undef X

static void test_histogram(void)
{
	struct metrics m;
	metrics_init(&m, routes, 3);
	metrics_commit(&m, 0.0003, 1);
	is_int(m.commit_seconds.buckets[0], 0, "0.0003 s is not in le=0.0001");
	is_int(m.commit_seconds.buckets[1], 0, "0.0003 s is not in le=0.00025");
	is_int(m.commit_seconds.buckets[2], 1, "0.0003 s is in le=0.0005");
	int all = 1;
	for (size_t i = 2; i < COMMIT_SLOTS; i++)
		all &= m.commit_seconds.buckets[i] == 1;
	ok(all, "0.0003 s is in every bucket from le=0.0005 up");

	metrics_commit(&m, 0.0001, 1);
	is_int(m.commit_seconds.buckets[0], 1, "a commit on a bound counts in that bucket");
	metrics_commit(&m, 0.0, 1);
	is_int(m.commit_seconds.buckets[0], 2, "a zero commit counts in the first bucket");
	metrics_commit(&m, 5.0, 64);
	is_int(m.commit_seconds.buckets[COMMIT_SLOTS - 1], 3, "5 s is past le=1");
	is_int(m.commit_seconds.count, 4, "but counted in the total");
	ok(m.commit_seconds.sum > 5.00039 && m.commit_seconds.sum < 5.00041, "seconds summed");
	is_int(m.batch_size.count, 4, "every commit's batch size counted");
	is_int(m.batch_size.buckets[0], 3, "three commits of one message");
	ok(m.batch_size.sum == 67.0, "messages summed");
	int monotonic = 1;
	for (size_t i = 1; i < COMMIT_SLOTS; i++)
		monotonic &= m.commit_seconds.buckets[i] >= m.commit_seconds.buckets[i - 1];
	ok(monotonic, "buckets are cumulative");

	struct buf out;
	buf_init(&out, 64 * 1024);
	buf_append(&out, "\n", 1);
	struct metrics_gauges g = {.backend = "postgresql", .standbys = 2, .flush_lag = 0.0005};
	metrics_render(&m, &g, &out);
	has_line(out.data, "chabar_store_commit_seconds_bucket{le=\"1\"} 3");
	has_line(out.data, "chabar_store_commit_seconds_bucket{le=\"+Inf\"} 4");
	has_line(out.data, "chabar_store_commit_seconds_count 4");
	has_line(out.data, "chabar_store_info{backend=\"postgresql\"} 1");
	has_line(out.data, "chabar_store_standbys 2");
	has_line(out.data, "chabar_store_flush_lag_seconds 0.000500");
	ok(strstr(out.data, "chabar_http_requests_total{") == NULL,
	   "no requests: no request lines");
	buf_cleanup(&out);
}

int main(void)
{
	test_init();
	test_requests();
	test_histogram();
	return tap_done();
}
