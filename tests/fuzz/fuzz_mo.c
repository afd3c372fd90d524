/* Fuzz target for what /kannel/mo receives: a query string or form body
 * decoded by form.c, read by kannel.c, its text converted by utf.c, and
 * msisdn.c on raw bytes. No I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "kannel.h"
#include "msisdn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* form_parse needs room for a terminator after the data. */
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	buf[size] = '\0';

	struct form f;
	form_init(&f);
	form_parse(&f, buf, size); /* -1 (too many fields) still leaves fields */

	struct kannel_mo mo;
	const char *error = NULL;
	if (kannel_mo_parse(&mo, &f, &error) == 0) {
		char text[KANNEL_TEXT_MAX / 2 * 3 + 4]; /* as channel_kannel.c sizes it */
		long n = kannel_mo_text_utf8(&mo, text, sizeof text);
		if (n >= (long)sizeof text)
			abort();
		if (n >= 0 && text[n] != '\0')
			abort();
	} else if (!error) {
		abort(); /* a refusal always says why */
	}
	free(buf);

	char number[MSISDN_SIZE];
	size_t prefix = size < 24 ? size : 24;
	if (msisdn_normalize((const char *)data, prefix, number) == 0 &&
	    strlen(number) >= MSISDN_SIZE)
		abort();
	return 0;
}
