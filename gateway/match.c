/* match — see match.h. */
#include "match.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct match {
	pcre2_code *code;
	pcre2_match_data *data;
	pcre2_match_context *context;
	size_t group_count;
	const char *group_names[MATCH_CAPTURES_MAX];
	uint32_t group_numbers[MATCH_CAPTURES_MAX];
};

/* Reads the name table once, so a run does not decode it again. */
static int read_names(struct match *m, char *err, size_t err_size)
{
	uint32_t count, entry_size;
	PCRE2_SPTR table;
	pcre2_pattern_info(m->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(m->code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
	pcre2_pattern_info(m->code, PCRE2_INFO_NAMETABLE, &table);
	if (count > MATCH_CAPTURES_MAX) {
		snprintf(err, err_size, "more than %d named groups", MATCH_CAPTURES_MAX);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR entry = table + (size_t)i * entry_size;
		m->group_numbers[i] = (uint32_t)(entry[0] << 8 | entry[1]);
		m->group_names[i] = (const char *)entry + 2;
	}
	m->group_count = count;
	return 0;
}

struct match *match_new(const char *pattern, bool caseless, char *err, size_t err_size)
{
	struct match *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	int code;
	PCRE2_SIZE offset;
	uint32_t options = PCRE2_UTF | PCRE2_UCP | (caseless ? PCRE2_CASELESS : 0);
	m->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options, &code, &offset,
				NULL);
	if (!m->code) {
		PCRE2_UCHAR message[256];
		pcre2_get_error_message(code, message, sizeof message);
		snprintf(err, err_size, "%s at offset %zu", (const char *)message, (size_t)offset);
		match_free(m);
		return NULL;
	}
	m->data = pcre2_match_data_create_from_pattern(m->code, NULL);
	m->context = pcre2_match_context_create(NULL);
	if (!m->data || !m->context || read_names(m, err, err_size) < 0) {
		if (!m->data || !m->context)
			snprintf(err, err_size, "out of memory");
		match_free(m);
		return NULL;
	}
	pcre2_set_match_limit(m->context, MATCH_STEP_LIMIT);
	pcre2_set_depth_limit(m->context, MATCH_DEPTH_LIMIT);
	return m;
}

void match_free(struct match *m)
{
	if (!m)
		return;
	pcre2_match_context_free(m->context);
	pcre2_match_data_free(m->data);
	pcre2_code_free(m->code);
	free(m);
}

int match_run(const struct match *m, const char *subject, size_t len,
	      struct match_capture caps[MATCH_CAPTURES_MAX], size_t *cap_count)
{
	*cap_count = 0;
	int rc = pcre2_match(m->code, (PCRE2_SPTR)subject, len, 0, 0, m->data, m->context);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1; /* a limit, or a subject that is not UTF-8 */
	PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(m->data);
	for (size_t i = 0; i < m->group_count; i++) {
		uint32_t n = m->group_numbers[i];
		if (n >= (uint32_t)rc || ovector[2 * n] == PCRE2_UNSET)
			continue; /* this group did not take part */
		caps[*cap_count] =
		    (struct match_capture){m->group_names[i], subject + ovector[2 * n],
					   ovector[2 * n + 1] - ovector[2 * n]};
		(*cap_count)++;
	}
	return 1;
}

size_t match_group_count(const struct match *m)
{
	return m->group_count;
}

const char *match_group_name(const struct match *m, size_t i)
{
	return m->group_names[i];
}
