/* Unit tests for the outbox sender's pure parts (gateway/outbox.c) and the
 * delivery reports' types (gateway/dlr.c): the backoff, what Kannel's
 * sendsms answers mean, the keyed mark of a dlr-url. The sending itself,
 * through real Kannel, is tests/integration/outbox.sh. */
#include <sodium.h>
#include <string.h>

#include "dlr.h"
#include "outbox.h"
#include "tap.h"

static void test_backoff(void)
{
	is_int((int)outbox_backoff(1, 1.0), 2, "the first retry after 2 s");
	is_int((int)outbox_backoff(2, 1.0), 4, "then 4 s");
	is_int((int)outbox_backoff(5, 1.0), 32, "doubling: the fifth after 32 s");
	is_int((int)outbox_backoff(9, 1.0), 300, "at most 5 minutes");
	is_int((int)outbox_backoff(1000, 1.0), 300, "however many attempts");
	is_int((int)outbox_backoff(3, 0.5), 4, "jitter halves it");
	is_int((int)outbox_backoff(3, 1.5), 12, "or adds half");
}

static void test_rate(void)
{
	struct outbox_bucket b = {10, 100.0};
	int taken = 0;
	while (outbox_bucket_take(&b, 10, 100.0) == 0 && taken < 100)
		taken++;
	is_int(taken, 10, "a full bucket: a second's worth at once (rate 10)");
	is_int((int)(outbox_bucket_take(&b, 10, 100.0) * 1000 + 0.5), 100,
	       "then the next in 100 ms");
	is_int((int)outbox_bucket_take(&b, 10, 100.1), 0, "and 100 ms later there is one");
	ok(outbox_bucket_take(&b, 10, 100.1) > 0, "only one");
	taken = 0;
	while (outbox_bucket_take(&b, 10, 3600.0) == 0 && taken < 100)
		taken++;
	is_int(taken, 10, "an hour idle still gives a second's worth, no more");
	for (taken = 0; taken < 1000 && outbox_bucket_take(&b, 0, 3600.0) == 0;)
		taken++;
	is_int(taken, 1000, "rate 0: no limit");
}

static void test_sendsms_answers(void)
{
	is_int(outbox_sendsms_answer(202, "0: Accepted for delivery"), 1, "202 0: Accepted: taken");
	is_int(outbox_sendsms_answer(202, "3: Queued for later delivery"), 1, "3: Queued: taken");
	is_int(outbox_sendsms_answer(200, "0: Accepted for delivery"), 1, "200 as well");
	is_int(outbox_sendsms_answer(403, "Authorization failed for sendsms"), -1,
	       "a 4xx is for good");
	is_int(outbox_sendsms_answer(400, "Missing receiver number"), -1, "400 too");
	is_int(outbox_sendsms_answer(503, "Temporal failure, try again later."), 0,
	       "503: try again");
	is_int(outbox_sendsms_answer(202, "<html>not Kannel</html>"), 0,
	       "a 2xx that is not Kannel's answer: try again");
	is_int(outbox_sendsms_answer(0, ""), 0, "no answer: try again");
}

static void test_dlr_types(void)
{
	static const struct {
		long type;
		const char *status;
		enum metrics_dlr metric;
		const char *what;
	} want[] = {
	    {1, "delivered", METRICS_DLR_DELIVERED, "type 1 is delivered"},
	    {2, "undeliverable", METRICS_DLR_UNDELIVERABLE, "type 2 is undeliverable"},
	    {4, NULL, METRICS_DLR_BUFFERED, "type 4 (buffered) changes no status"},
	    {8, "accepted", METRICS_DLR_SMSC_ACCEPTED, "type 8 is accepted by the SMSC"},
	    {16, "failed", METRICS_DLR_SMSC_REJECTED, "type 16 is rejected by the SMSC"},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct dlr_type *t = dlr_type(want[i].type);
		ok(t &&
		       (t->status == want[i].status ||
			(t->status && want[i].status && strcmp(t->status, want[i].status) == 0)) &&
		       t->metric == want[i].metric && t->note[0],
		   "%s, with a note and its counter", want[i].what);
	}
	ok(!dlr_type(3), "a sum of types is no type");
	ok(!dlr_type(32), "nor is a bit outside the mask");
}

/* dlr_parse() of a query string as Kannel fills in a dlr-url. */
static const char *parse(const char *query, struct dlr_report *r)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s", query);
	struct form f;
	form_init(&f);
	form_parse(&f, buf, strlen(buf));
	return dlr_parse(&f, r);
}

static void test_dlr_parse(void)
{
	struct dlr_report r;
	ok(!parse("id=12&mark=ab&status=1&smsc_id=1000010&answer=ACK%2F", &r) &&
	       r.of == OUTBOX_REPORT_ROW && r.id == 12 && r.type->type == 1 && r.mark_len == 2 &&
	       strcmp(r.smsc_id, "1000010") == 0 &&
	       strcmp(r.note, "delivered to the phone: ACK/") == 0,
	   "a row's report: id, type, mark, the SMSC's id, our note and its answer");
	ok(!parse("msg=7&mark=ab&status=16&answer=NACK%2F0x0b", &r) &&
	       r.of == OUTBOX_REPORT_REPLY && r.id == 7 && r.type->type == 16,
	   "a reply's report (msg=)");
	is_str(parse("status=1", &r), "no_id", "no id: none");
	is_str(parse("id=1&msg=2&status=1", &r), "no_id", "both ids: not a URL we gave");
	is_str(parse("id=%d&status=1", &r), "no_id", "a placeholder Kannel left: no id");
	is_str(parse("id=0&status=1", &r), "no_id", "id 0: none");
	is_str(parse("id=1&status=3", &r), "bad_status", "a sum of types: refused");
	is_str(parse("id=1&status=", &r), "bad_status", "no type: refused");
	ok(!parse("id=1&status=8&smsc_id=%0Aforged&answer=a%0Db%1Bc%FF", &r) &&
	       r.smsc_id[0] == '\0' && strcmp(r.note, "accepted by the SMSC: abc") == 0,
	   "an SMSC id that is not one is dropped; control and 8-bit bytes leave the note");
}

static void test_mark(void)
{
	unsigned char key[32], other[32];
	memset(key, 7, sizeof key);
	memset(other, 8, sizeof other);
	char a[OUTBOX_MARK_SIZE], b[OUTBOX_MARK_SIZE], c[OUTBOX_MARK_SIZE];
	outbox_dlr_mark(key, OUTBOX_REPORT_ROW, 42, a);
	outbox_dlr_mark(key, OUTBOX_REPORT_ROW, 42, b);
	is_int((int)strlen(a), OUTBOX_MARK_SIZE - 1, "a mark is 32 hex digits");
	is_str(a, b, "the same row, the same mark");
	outbox_dlr_mark(key, OUTBOX_REPORT_ROW, 43, c);
	ok(strcmp(a, c) != 0, "another row, another mark");
	outbox_dlr_mark(key, OUTBOX_REPORT_REPLY, 42, c);
	ok(strcmp(a, c) != 0, "a reply's mark is not the row's of the same number");
	outbox_dlr_mark(other, OUTBOX_REPORT_ROW, 42, c);
	ok(strcmp(a, c) != 0, "another key, another mark: it cannot be made without the key");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_backoff();
	test_rate();
	test_sendsms_answers();
	test_dlr_types();
	test_dlr_parse();
	test_mark();
	return tap_done();
}
