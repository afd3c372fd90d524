/* Fuzz target for gsm.c and translit.c on raw bytes: measuring never fails
 * on well-formed UTF-8 and its counts agree with each other; the
 * transliteration under every language is GSM-7, at most twice as long,
 * and stays as it is when transliterated again. No I/O. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gsm.h"
#include "translit.h"
#include "utf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One text's parts: 1 up to single units, else every part but the last holds
 * part units, or part - 1 when a 2-unit character moved on to the next. */
static void check_parts(size_t units, size_t segments, size_t single, size_t part)
{
	if (units <= single) {
		if (segments != 1)
			abort();
		return;
	}
	size_t least = (units + part - 1) / part, most = (units + part - 2) / (part - 1);
	if (segments < least || segments > most)
		abort();
}

/* The counts of one measured text agree with each other. */
static void check_fit(const struct gsm_fit *f)
{
	if (f->units < f->chars || f->units > 2 * f->chars)
		abort(); /* 1 or 2 septets or UTF-16 units a character */
	if (f->coding == GSM_CODING_GSM7)
		check_parts(f->units, f->segments, GSM_GSM7_SINGLE, GSM_GSM7_PART);
	else if (f->coding == GSM_CODING_UCS2)
		check_parts(f->units, f->segments, GSM_UCS2_SINGLE, GSM_UCS2_PART);
	else
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = {"ky", "kk", "tg", "ru", "uz", "en", NULL, "xx"};
	const char *text = (const char *)data;
	bool valid = utf8_valid(text, size);

	struct gsm_fit fit;
	int rc = gsm_measure(text, size, &fit);
	if (rc != (valid ? 0 : -1))
		abort();
	if (rc == 0)
		check_fit(&fit);

	for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++) {
		struct buf out, again;
		buf_init(&out, 2 * size);
		buf_init(&again, 2 * size);
		rc = translit_to_latin(langs[l], text, size, &out);
		if (rc != (valid ? 0 : -1) || (!valid && out.len != 0))
			abort(); /* 2 * size is always room enough */
		if (valid) {
			struct gsm_fit latin;
			const char *s = out.data ? out.data : "";
			if (gsm_measure(s, out.len, &latin) != 0 || latin.coding != GSM_CODING_GSM7)
				abort();
			check_fit(&latin);
			if (fit.coding == GSM_CODING_GSM7 &&
			    (out.len != size || memcmp(s, text, size) != 0))
				abort(); /* GSM-7 text passes through */
			if (translit_to_latin(langs[l], s, out.len, &again) != 0 ||
			    again.len != out.len ||
			    memcmp(again.data ? again.data : "", s, out.len))
				abort(); /* a second pass changes nothing */
		}
		buf_cleanup(&out);
		buf_cleanup(&again);
	}
	return 0;
}
