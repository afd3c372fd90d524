/* Unit tests for gateway/ussd.c: the aggregator's form, the new input read
 * by position (a '*' inside an answer, the empty first step, retries, a lost
 * step) and the message id of a request. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "ussd.h"

static int parse(const char *body, struct ussd_at_request *req, const char **error)
{
	static char buf[512];
	size_t len = strlen(body);
	memcpy(buf, body, len + 1);
	static struct form f;
	form_init(&f);
	form_parse(&f, buf, len);
	return ussd_at_parse(&f, req, error);
}

static void test_parse(void)
{
	struct ussd_at_request req;
	const char *missing;
	is_int(parse("sessionId=ATUid_1&serviceCode=%2A384%2A1%23&phoneNumber=%2B996555000001"
		     "&networkCode=63902&text=1%2A2",
		     &req, &missing),
	       0, "a full request parses");
	is_str(req.session_id, "ATUid_1", "sessionId");
	is_str(req.service_code, "*384*1#", "serviceCode decoded");
	is_str(req.phone, "+996555000001", "phoneNumber");
	is_str(req.network, "63902", "networkCode");
	is_mem(req.text, req.text_len, "1*2", 3, "text");
	is_int(parse("sessionId=a&serviceCode=*1%23&phoneNumber=c", &req, &missing), 0,
	       "text and networkCode may be absent");
	is_int(req.text_len, 0, "absent text is the empty first step");
	is_str(req.network, "", "absent network is empty");
	is_int(parse("serviceCode=b&phoneNumber=c&text=", &req, &missing), -1, "no sessionId");
	is_str(missing, "missing sessionId", "and the field is named");
	is_int(parse("sessionId=a&phoneNumber=c", &req, &missing), -1, "no serviceCode");
	is_str(missing, "missing serviceCode", "named");
	is_int(parse("sessionId=a&serviceCode=b&phoneNumber=", &req, &missing), -1,
	       "an empty phoneNumber");
	is_str(missing, "missing phoneNumber", "named");
	/* what reaches the log and the store is held to what networks send */
	is_int(parse("sessionId=a&serviceCode=%2A384%23%0Alevel%3Derror&phoneNumber=c", &req,
		     &missing),
	       -1, "a serviceCode with a newline is refused");
	is_str(missing, "bad serviceCode", "and named");
	is_int(parse("sessionId=a&serviceCode=%2A384%FF%23&phoneNumber=c", &req, &missing), -1,
	       "a serviceCode with a raw byte is refused");
	is_int(parse("sessionId=a%0Ab&serviceCode=%2A384%23&phoneNumber=c", &req, &missing), -1,
	       "a sessionId with a control character is refused");
	is_str(missing, "bad sessionId", "and named");
	is_int(parse("sessionId=a&serviceCode=%2A384%23&phoneNumber=c&networkCode=6390x", &req,
		     &missing),
	       -1, "a networkCode that is not digits is refused");
	is_str(missing, "bad networkCode", "and named");
}

static const unsigned char key[USSD_KEY_SIZE] = "0123456789abcdef0123456789abcdef";

/* What a session keeps of seen (NULL: a new session). */
static const char *kept(const char *seen)
{
	static char out[4][USSD_SEEN_SIZE];
	static int next;
	if (!seen)
		return NULL;
	char *o = out[next++ % 4];
	ussd_at_seen(key, seen, strlen(seen), o);
	return o;
}

static void expect_input(const char *seen, const char *text, const char *want, const char *what)
{
	const char *input = NULL;
	size_t len = 0;
	int rc = ussd_at_new_input(key, kept(seen), text, strlen(text), &input, &len);
	ok(rc == 0 && len == strlen(want) && memcmp(input, want, len) == 0, "%s", what);
	if (rc != 0 || len != strlen(want))
		printf("#   rc %d, got \"%.*s\"\n", rc, (int)len, input ? input : "");
}

static void test_new_input(void)
{
	expect_input(NULL, "", "", "the first step has no input");
	is_int(ussd_at_new_input(key, "garbage", "1", 1, &(const char *){NULL}, &(size_t){0}),
	       USSD_LOST, "a malformed stored history is a lost step");
	expect_input(NULL, "1", "1", "a first step with text (dialled *384*1#) is an input");
	expect_input("", "1234", "1234", "the first answer");
	expect_input("1234", "1234*2", "2", "the second answer follows the '*'");
	expect_input("", "1*2", "1*2", "an answer may hold a '*'");
	expect_input("1*2", "1*2*3", "3", "and the next one is read by position");
	expect_input("1", "1*", "", "an empty answer");
	const char *input;
	size_t len;
	ok(strstr(kept("1234"), "1234") == NULL && strncmp(kept("1234"), "4:", 2) == 0,
	   "the session keeps the length and a hash, never the PIN");
	is_int(ussd_at_new_input(key, kept("1234"), "1234", 4, &input, &len), USSD_REPEAT,
	       "the same text again is a retry");
	is_int(ussd_at_new_input(key, kept(""), "", 0, &input, &len), USSD_REPEAT,
	       "so is the same empty text");
	is_int(ussd_at_new_input(key, kept("1234"), "9999*2", 6, &input, &len), USSD_LOST,
	       "a text that does not continue the session is a lost step");
	is_int(ussd_at_new_input(key, kept("1234"), "12", 2, &input, &len), USSD_LOST,
	       "a shorter text is a lost step");
	is_int(ussd_at_new_input(key, kept("12"), "1234", 4, &input, &len), USSD_LOST,
	       "a prefix without the '*' is a lost step");
}

static void test_message_id(void)
{
	struct ussd_at_request a = {.session_id = "S1", .text = "1", .text_len = 1};
	struct ussd_at_request b = a;
	char ia[USSD_ID_SIZE], ib[USSD_ID_SIZE];
	ussd_at_message_id(key, &a, ia);
	ussd_at_message_id(key, &b, ib);
	is_str(ia, ib, "the same request has the same id");
	is_int(strlen(ia), USSD_ID_SIZE - 1, "an id is 35 characters");
	ok(strncmp(ia, "at:", 3) == 0, "it starts with at:");
	b.text = "1*2";
	b.text_len = 3;
	ussd_at_message_id(key, &b, ib);
	ok(strcmp(ia, ib) != 0, "another text, another id");
	b = a;
	b.session_id = "S2";
	ussd_at_message_id(key, &b, ib);
	ok(strcmp(ia, ib) != 0, "another session, another id");
	unsigned char other_key[USSD_KEY_SIZE] = {1};
	ussd_at_message_id(other_key, &a, ib);
	ok(strcmp(ia, ib) != 0, "another key, another id: the id is keyed");
}

static void test_pages(void)
{
	/* 30 Cyrillic words of 5 letters: 179 characters, UCS-2: 3 pages of 80 */
	char text[1024] = "";
	for (int i = 0; i < 30; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%sслово", i ? " " : "");
	struct gsm_ussd_budget budget = GSM_USSD_DEFAULT;
	size_t pages = 0, words = 0;
	bool all_fit = true, cut_at_words = true;
	for (size_t n = 0;; n++) {
		struct buf page;
		buf_init(&page, 1024);
		if (ussd_page(text, strlen(text), n, true, "Ещё", "Назад", &budget, &page, &pages) <
		    0) {
			buf_cleanup(&page);
			is_int(n, pages, "pages run out after the last");
			break;
		}
		struct gsm_fit fit;
		gsm_measure(page.data, page.len, &fit);
		all_fit &= gsm_fits_ussd(&fit, &budget);
		for (const char *w = page.data; (w = strstr(w, "слово")) != NULL; w += 1)
			words++;
		char *footer = strstr(page.data, "\n0 ");
		if (n + 1 < pages)
			cut_at_words &= footer != NULL && footer[-1] != ' ';
		if (n == 1)
			ok(strstr(page.data, "\n0 Ещё\n00 Назад") != NULL,
			   "a middle page offers more and back");
		if (n + 1 == pages)
			ok(!strstr(page.data, "\n0 ") && !strstr(page.data, "\n00 "),
			   "the last page of an ended conversation has no footer");
		buf_cleanup(&page);
	}
	ok(pages >= 3, "179 Cyrillic characters take %zu pages", pages);
	ok(all_fit, "every page fits one USSD page with its footer");
	is_int(words, 30, "no word is lost or cut");
	ok(cut_at_words, "pages end at a word");

	struct buf page;
	buf_init(&page, 1024);
	is_int(ussd_page(text, strlen(text), 2, false, "More", "Back", &budget, &page, &pages), 0,
	       "the last page of a waiting conversation");
	ok(strstr(page.data, "\n00 Back") != NULL, "offers back");
	buf_cleanup(&page);
	buf_init(&page, 1024);
	is_int(ussd_page("\xff", 1, 0, true, "M", "B", &budget, &page, &pages), -1,
	       "invalid UTF-8 is refused");
	buf_cleanup(&page);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_parse();
	test_new_input();
	test_message_id();
	test_pages();
	return tap_done();
}
