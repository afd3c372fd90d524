/* Fuzz target for the flow loader (flow_load_string) and, when the text
 * loads, the input as a message's first word (flow_find_keyword) and one
 * walk through every flow with the input itself as each answer.
 * Diagnostics go to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct flow_set *set, const char *text, size_t len)
{
	const struct flow *by_keyword = flow_find_keyword(set, text, len);
	if (by_keyword && (by_keyword < set->flows || by_keyword >= set->flows + set->flow_count))
		abort(); /* a keyword starts one of the set's flows or none */
	for (size_t i = 0; i < set->flow_count; i++) {
		struct flow_session s;
		struct flow_step st;
		flow_start(set, &set->flows[i], text, len, &s, &st);
		/* bounded: every step either waits, calls or ends */
		for (int steps = 0; steps < 16 && st.kind != FLOW_STEP_END; steps++) {
			if (st.kind == FLOW_STEP_CALL)
				flow_resume(set, &s,
					    (enum flow_outcome)(steps % FLOW_OUTCOME_COUNT), &st);
			else if (st.kind == FLOW_STEP_WAIT)
				flow_input(set, &s, text, len, &st);
			else
				break;
		}
		flow_timeout(set, &s, &st);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	struct diag d;
	diag_init(&d, devnull);
	struct flow_set *set = flow_load_string(text, "fuzz.flow", &d);
	if (set && d.errors)
		abort(); /* a set is only returned without errors */
	if (set)
		walk(set, text, size);
	flow_set_unref(set);
	free(text);
	return 0;
}
