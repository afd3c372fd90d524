/* session — see session.h. */
#include "session.h"

#include <string.h>

#include "form.h"

int session_encode(const struct flow_set *set, const struct flow_session *s,
		   struct store_session *out)
{
	const struct flow *f = &set->flows[s->flow];
	snprintf(out->flow, sizeof out->flow, "%s", f->name);
	snprintf(out->node, sizeof out->node, "%s", f->nodes[s->node].name);
	out->attempts = s->attempts; /* so "retry N" counts across messages */
	out->vars[0] = '\0';
	for (size_t i = 0; i < s->var_count; i++)
		if (form_append(out->vars, sizeof out->vars, s->vars[i].name, s->vars[i].value,
				strlen(s->vars[i].value)) < 0)
			return -1;
	return 0;
}

int session_decode(const struct flow_set *set, const struct store_session *in,
		   struct flow_session *out)
{
	memset(out, 0, sizeof *out);
	out->flow = out->node = FLOW_NONE;
	for (size_t i = 0; i < set->flow_count && out->flow == FLOW_NONE; i++)
		if (strcmp(set->flows[i].name, in->flow) == 0)
			out->flow = (int)i;
	if (out->flow == FLOW_NONE)
		return -1;
	const struct flow *f = &set->flows[out->flow];
	for (size_t i = 0; i < f->node_count && out->node == FLOW_NONE; i++)
		if (strcmp(f->nodes[i].name, in->node) == 0)
			out->node = (int)i;
	if (out->node == FLOW_NONE || in->attempts < 0 || in->attempts > SESSION_ATTEMPTS_MAX)
		return -1;
	out->attempts = (unsigned)in->attempts;
	char vars[STORE_SESSION_VARS_MAX + 1];
	size_t len = strlen(in->vars);
	memcpy(vars, in->vars, len + 1);
	struct form form;
	form_init(&form);
	if (form_parse(&form, vars, len) < 0)
		return -1;
	for (size_t i = 0; i < form.count; i++)
		if (flow_var_set(out, form.fields[i].name, form.fields[i].value,
				 form.fields[i].value_len) < 0)
			return -1;
	return 0;
}
