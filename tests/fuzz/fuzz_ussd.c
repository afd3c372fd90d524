/* Fuzz target for the USSD aggregator's form (ussd_at_parse) and the text
 * history (ussd_at_new_input), with the input's first half as the history
 * already seen. No I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ussd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every page of text fits one USSD page with its footer. */
static void check_pages(const char *text, size_t len)
{
	struct gsm_ussd_budget budget = GSM_USSD_DEFAULT;
	size_t pages = 1;
	for (size_t n = 0; n < pages && n < 64; n++) {
		struct buf page;
		buf_init(&page, 4096);
		if (ussd_page(text, len, n, n % 2, "Ещё", "Назад", &budget, &page, &pages) == 0) {
			struct gsm_fit fit;
			if (gsm_measure(page.data, page.len, &fit) < 0)
				abort(); /* pages are cut at characters */
			if (pages > 1 && !gsm_fits_ussd(&fit, &budget) && fit.chars > 8)
				abort();
		}
		buf_cleanup(&page);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	buf[size] = '\0';
	struct form f;
	form_init(&f);
	form_parse(&f, buf, size);
	struct ussd_at_request req;
	const char *error;
	if (ussd_at_parse(&f, &req, &error) == 0) {
		static const unsigned char key[USSD_KEY_SIZE];
		char seen[USSD_SEEN_SIZE];
		ussd_at_seen(key, req.text, req.text_len / 2, seen);
		const char *input;
		size_t len;
		if (ussd_at_new_input(key, seen, req.text, req.text_len, &input, &len) == 0 &&
		    (input < req.text || input + len > req.text + req.text_len))
			abort(); /* the input is always a part of the text */
		check_pages(req.text, req.text_len);
	} else if (!error) {
		abort();
	}
	free(buf);
	return 0;
}
