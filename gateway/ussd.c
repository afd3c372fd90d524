/* ussd — see ussd.h. */
#include "ussd.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf.h"

/* A required field: present and not empty. */
static const char *required(const struct form *f, const char *name, const char *error,
			    const char **first_error)
{
	size_t len;
	const char *v = form_get(f, name, &len);
	if ((!v || len == 0) && !*first_error)
		*first_error = error;
	return v;
}

/* Every field reaches the log or the store: each is held to what the
 * network really sends, so that no byte of it can forge a log line or a
 * row. */
static bool only(const char *v, const char *allowed, size_t max)
{
	size_t len = strlen(v);
	return len <= max && strspn(v, allowed) == len;
}

bool ussd_is_code(const char *text, size_t len)
{
	if (len == 0 || len > USSD_CODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("*#0123456789", text[i]) || text[i] == '\0')
			return false;
	return true;
}

int ussd_at_parse(const struct form *f, struct ussd_at_request *req, const char **error)
{
	*error = NULL;
	memset(req, 0, sizeof *req);
	req->session_id = required(f, "sessionId", "missing sessionId", error);
	req->service_code = required(f, "serviceCode", "missing serviceCode", error);
	req->phone = required(f, "phoneNumber", "missing phoneNumber", error);
	req->network = form_get(f, "networkCode", NULL);
	req->text = form_get(f, "text", &req->text_len);
	if (!req->network)
		req->network = "";
	if (!req->text) {
		req->text = "";
		req->text_len = 0;
	}
	if (*error)
		return -1;
	if (!form_token(req->session_id, strlen(req->session_id), USSD_SESSION_ID_MAX))
		*error = "bad sessionId";
	else if (!ussd_is_code(req->service_code, strlen(req->service_code)))
		*error = "bad serviceCode";
	else if (!only(req->network, "0123456789", USSD_NETWORK_MAX))
		*error = "bad networkCode";
	return *error ? -1 : 0;
}

void ussd_at_seen(const unsigned char key[USSD_KEY_SIZE], const char *text, size_t len,
		  char out[USSD_SEEN_SIZE])
{
	unsigned char h[16];
	crypto_generichash(h, sizeof h, (const unsigned char *)text, len, key, USSD_KEY_SIZE);
	int n = snprintf(out, USSD_SEEN_SIZE, "%zu:", len);
	sodium_bin2hex(out + n, USSD_SEEN_SIZE - (size_t)n, h, sizeof h);
}

int ussd_at_new_input(const unsigned char key[USSD_KEY_SIZE], const char *seen, const char *text,
		      size_t len, const char **input, size_t *input_len)
{
	if (!seen || !*seen) {
		*input = text;
		*input_len = len;
		return 0;
	}
	char *rest;
	unsigned long n = strtoul(seen, &rest, 10);
	char check[USSD_SEEN_SIZE];
	if (*rest != ':' || n > len)
		return USSD_LOST;
	ussd_at_seen(key, text, n, check);
	if (strcmp(check, seen) != 0)
		return USSD_LOST;
	if (n == len)
		return USSD_REPEAT;
	if (n == 0) { /* the first answer after the empty first step */
		*input = text;
		*input_len = len;
		return 0;
	}
	if (text[n] != '*')
		return USSD_LOST;
	*input = text + n + 1;
	*input_len = len - n - 1;
	return 0;
}

void ussd_at_message_id(const unsigned char key[USSD_KEY_SIZE], const struct ussd_at_request *req,
			char out[USSD_ID_SIZE])
{
	unsigned char h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, USSD_KEY_SIZE, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)req->session_id,
				  strlen(req->session_id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)req->text, req->text_len);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(out, "at:", 3);
	sodium_bin2hex(out + 3, USSD_ID_SIZE - 3, h, sizeof h);
}

/* Whether text[0..len) with footer fits one page. */
static bool fits(const char *text, size_t len, const char *footer,
		 const struct gsm_ussd_budget *budget)
{
	char page[1024];
	size_t flen = strlen(footer);
	if (len + flen >= sizeof page)
		return false;
	memcpy(page, text, len);
	memcpy(page + len, footer, flen);
	struct gsm_fit fit;
	return gsm_measure(page, len + flen, &fit) == 0 && gsm_fits_ussd(&fit, budget);
}

/* How much of text[0..len) goes on a page with footer: the longest prefix
 * that fits and ends before a line break or a space (else the longest that
 * fits at a character boundary). At least one character. */
static size_t page_cut(const char *text, size_t len, const char *footer,
		       const struct gsm_ussd_budget *budget)
{
	size_t best = 0, word = 0;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
			continue; /* not a character boundary */
		if (!fits(text, i, footer, budget))
			break;
		best = i;
		if (i == len || text[i] == '\n' || text[i] == ' ')
			word = i;
	}
	size_t cut = word ? word : best;
	if (cut == 0) /* not even one character fits: take one anyway */
		for (cut = 1; cut < len && ((unsigned char)text[cut] & 0xc0) == 0x80; cut++)
			;
	return cut;
}

int ussd_page(const char *text, size_t len, size_t n, bool ended, const char *more,
	      const char *back, const struct gsm_ussd_budget *budget, struct buf *out,
	      size_t *pages)
{
	if (!utf8_valid(text, len))
		return -1;
	char footer_more[128], footer_both[256], footer_back[128];
	snprintf(footer_more, sizeof footer_more, "\n0 %s", more);
	snprintf(footer_back, sizeof footer_back, "\n00 %s", back);
	snprintf(footer_both, sizeof footer_both, "\n0 %s\n00 %s", more, back);
	size_t start = 0, page = 0, found = (size_t)-1, found_len = 0;
	bool found_last = false;
	while (start < len || page == 0) {
		/* the last page needs no "more"; try it first */
		const char *last_footer = page && !ended ? footer_back : "";
		bool last = fits(text + start, len - start, last_footer, budget);
		size_t take = last ? len - start
				   : page_cut(text + start, len - start,
					      page ? footer_both : footer_more, budget);
		if (page == n) {
			found = start;
			found_len = take;
			found_last = last;
		}
		page++;
		start += take;
		while (start < len && (text[start] == ' ' || text[start] == '\n'))
			start++; /* the next page starts with the next word */
		if (last)
			break;
	}
	*pages = page;
	if (found == (size_t)-1)
		return -1;
	buf_append(out, text + found, found_len);
	if (!found_last)
		buf_printf(out, "%s", n ? footer_both : footer_more);
	else if (n && !ended)
		buf_printf(out, "%s", footer_back);
	return out->overflowed ? -1 : 0;
}
