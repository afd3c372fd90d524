/* flow — see flow.h. The step functions follow edges until the flow needs
 * the person (an input node), the daemon (an action) or is over (an end). */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "refcode.h"

const char *flow_action_name(enum flow_action a)
{
	static const char *const names[] = {
#define X(name) #name,
	    FLOW_ACTIONS(X)
#undef X
	};
	return (size_t)a < FLOW_ACTION_COUNT ? names[a] : "?";
}

const char *flow_who_name(enum flow_who w)
{
	static const char *const names[] = {
#define X(name) #name,
	    FLOW_WHO(X)
#undef X
	};
	return (size_t)w < sizeof names / sizeof names[0] ? names[w] : "?";
}

int flow_var_set(struct flow_session *s, const char *name, const char *value, size_t len)
{
	if (strlen(name) >= FLOW_VAR_NAME_MAX || len >= FLOW_VAR_VALUE_MAX)
		return -1;
	struct flow_var *v = NULL;
	for (size_t i = 0; i < s->var_count && !v; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			v = &s->vars[i];
	if (!v) {
		if (s->var_count == FLOW_VARS_MAX)
			return -1;
		v = &s->vars[s->var_count++];
		memcpy(v->name, name, strlen(name) + 1);
	}
	memcpy(v->value, value, len);
	v->value[len] = '\0';
	return 0;
}

const char *flow_var_get(const struct flow_session *s, const char *name)
{
	for (size_t i = 0; i < s->var_count; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return s->vars[i].value;
	return NULL;
}

static int by_folded(const void *key, const void *spelling)
{
	return strcmp(key, ((const struct flow_spelling *)spelling)->folded);
}

const struct flow *flow_find_keyword(const struct flow_set *set, const char *text, size_t len)
{
	const char *word;
	size_t n = keyfold_first_word(text, len, &word);
	char folded[KEYFOLD_MAX];
	if (n == 0 || keyfold(word, n, folded) < 0)
		return NULL;
	const struct flow_spelling *found =
	    set->spelling_count ? bsearch(folded, set->spellings, set->spelling_count,
					  sizeof *set->spellings, by_folded)
				: NULL;
	const struct flow *f = found ? &set->flows[found->flow] : NULL;
	return f && !f->ussd_only ? f : NULL;
}

const struct flow *flow_find_ussd(const struct flow_set *set, const char *code)
{
	for (size_t i = 0; i < set->flow_count; i++)
		if (set->flows[i].ussd_code && !set->flows[i].sms_only &&
		    strcmp(set->flows[i].ussd_code, code) == 0)
			return &set->flows[i];
	return NULL;
}

const struct flow *flow_find_reference(const struct flow_set *set, const char *text, size_t len)
{
	char ref[REFCODE_SIZE(REFCODE_TIP)];
	if (!text || !refcode_read(text, len, REFCODE_TIP, true, ref))
		return NULL;
	for (size_t i = 0; i < set->flow_count; i++)
		if (set->flows[i].on_reference && !set->flows[i].ussd_only)
			return &set->flows[i];
	return NULL;
}

const struct flow *flow_find_reminder(const struct flow_set *set)
{
	for (size_t i = 0; i < set->flow_count; i++)
		if (set->flows[i].on_reminder)
			return &set->flows[i];
	return NULL;
}

static const struct flow *current_flow(const struct flow_set *set, const struct flow_session *s)
{
	if (s->flow < 0 || (size_t)s->flow >= set->flow_count)
		return NULL;
	return &set->flows[s->flow];
}

int flow_effects_add(struct flow_effects *fx, struct flow_effect e)
{
	if (fx->count == FLOW_EFFECTS_MAX)
		return -1;
	fx->list[fx->count++] = e;
	return 0;
}

const struct flow_effect *flow_step_effect(const struct flow_step *st, enum flow_effect_kind k)
{
	for (size_t i = 0; i < st->effects.count; i++)
		if (st->effects.list[i].kind == k)
			return &st->effects.list[i];
	return NULL;
}

/* The flow waits at node n, having said key (and n's options, if menu). */
static void wait_at(const struct flow_node *n, const char *key, bool menu, struct flow_step *out)
{
	*out = (struct flow_step){.kind = FLOW_STEP_WAIT};
	flow_effects_add(
	    &out->effects,
	    (struct flow_effect){.kind = FLOW_EFFECT_say, .key = key, .menu = menu ? n : NULL});
	flow_effects_add(&out->effects, (struct flow_effect){.kind = FLOW_EFFECT_arm_timer,
							     .seconds = n->timeout});
}

/* The conversation ends with key, and over USSD the copy asked for. */
static void end_session(struct flow_session *s, const char *key, enum flow_copy copy,
			struct flow_step *out)
{
	*out = (struct flow_step){.kind = FLOW_STEP_END};
	flow_effects_add(&out->effects, (struct flow_effect){.kind = FLOW_EFFECT_say, .key = key});
	flow_effects_add(&out->effects, (struct flow_effect){.kind = FLOW_EFFECT_end_session});
	if (copy == FLOW_COPY_ALWAYS)
		flow_effects_add(&out->effects, (struct flow_effect){.kind = FLOW_EFFECT_queue_sms,
								     .to = FLOW_TO_SENDER});
	if (copy == FLOW_COPY_IF_DROPPED)
		flow_effects_add(&out->effects, (struct flow_effect){.kind = FLOW_EFFECT_confirm});
	s->flow = FLOW_NONE;
	s->node = FLOW_NONE;
	s->attempts = 0;
}

/* Moves s along edge and says what happens there. */
static void enter(const struct flow *f, struct flow_session *s, struct flow_edge edge,
		  struct flow_step *out)
{
	const struct flow_node *n = &f->nodes[edge.node];
	s->node = edge.node;
	s->attempts = 0;
	switch (n->kind) {
	case FLOW_NODE_INPUT:
		/* options follow the node's own prompt, not a text that replaces
		 * it (a "wrong PIN" says what to send itself) */
		wait_at(n, edge.text_key ? edge.text_key : n->prompt_key, n->menu && !edge.text_key,
			out);
		return;
	case FLOW_NODE_ACTION:
		*out = (struct flow_step){.kind = FLOW_STEP_CALL};
		flow_effects_add(&out->effects, (struct flow_effect){.kind = FLOW_EFFECT_call,
								     .action = n->action});
		return;
	case FLOW_NODE_END:
		end_session(s, edge.text_key ? edge.text_key : n->end_key,
			    edge.text_key ? FLOW_COPY_NONE : n->copy, out);
		return;
	}
}

static size_t trim(const char **text, size_t len)
{
	while (len && (**text == ' ' || **text == '\t' || **text == '\r' || **text == '\n')) {
		(*text)++;
		len--;
	}
	while (len && ((*text)[len - 1] == ' ' || (*text)[len - 1] == '\t' ||
		       (*text)[len - 1] == '\r' || (*text)[len - 1] == '\n'))
		len--;
	return len;
}

/* The pattern an input matches, with its named groups stored as session
 * variables; NULL if none does (or a limit stopped the match). */
static const struct flow_pattern *match_patterns(const struct flow_node *n, struct flow_session *s,
						 const char *text, size_t len)
{
	struct match_capture caps[MATCH_CAPTURES_MAX];
	size_t count;
	for (size_t i = 0; i < n->pattern_count; i++) {
		if (match_run(n->patterns[i].re, text, len, caps, &count) != 1)
			continue;
		for (size_t c = 0; c < count; c++)
			if (flow_var_set(s, caps[c].name, caps[c].value, caps[c].len) < 0)
				return NULL; /* a capture too long to keep is no match */
		return &n->patterns[i];
	}
	return NULL;
}

static const struct flow_option *match_option(const struct flow_node *n, const char *text,
					      size_t len)
{
	const char *t = text;
	len = trim(&t, len);
	for (size_t i = 0; i < n->option_count; i++)
		if (strlen(n->options[i].choice) == len &&
		    memcmp(n->options[i].choice, t, len) == 0)
			return &n->options[i];
	return NULL;
}

void flow_start(const struct flow_set *set, const struct flow *f, const char *text, size_t len,
		struct flow_session *s, struct flow_step *out)
{
	memset(s, 0, sizeof *s);
	s->flow = (int)(f - set->flows);
	s->node = f->start;
	/* "LANG RU": the message that starts a flow may already answer its
	 * first question, if one of that node's patterns says so. */
	const struct flow_node *first = &f->nodes[f->start];
	const struct flow_pattern *p = match_patterns(first, s, text, len);
	if (p) {
		enter(f, s, p->to, out);
		out->secret = flow_var_get(s, "pin") != NULL;
		return;
	}
	enter(f, s, (struct flow_edge){.node = f->start}, out);
}

void flow_input(const struct flow_set *set, struct flow_session *s, const char *text, size_t len,
		struct flow_step *out)
{
	const struct flow *f = current_flow(set, s);
	if (!f || s->node < 0 || f->nodes[s->node].kind != FLOW_NODE_INPUT) {
		*out = (struct flow_step){.kind = FLOW_STEP_NOMATCH};
		return;
	}
	const struct flow_node *n = &f->nodes[s->node];
	const struct flow_option *o = match_option(n, text, len);
	if (o) {
		if (o->set_name)
			flow_var_set(s, o->set_name, o->set_value, strlen(o->set_value));
		enter(f, s, o->to, out);
		return;
	}
	const struct flow_pattern *p = match_patterns(n, s, text, len);
	if (p) {
		enter(f, s, p->to, out);
		out->secret = flow_var_get(s, "pin") != NULL;
		return;
	}
	s->attempts++;
	if (s->attempts >= n->retries) {
		enter(f, s, n->give_up, out);
		return;
	}
	char tries[4];
	int left = (int)(n->retries - s->attempts);
	tries[0] = (char)('0' + (left > 9 ? 9 : left));
	flow_var_set(s, "tries", tries, 1);
	wait_at(n, n->retry_key, false, out);
}

void flow_hold(const struct flow_set *set, const struct flow_session *s, const char *key,
	       struct flow_step *out)
{
	const struct flow *f = current_flow(set, s);
	if (!f || s->node < 0 || f->nodes[s->node].kind != FLOW_NODE_INPUT) {
		*out = (struct flow_step){.kind = FLOW_STEP_NOMATCH};
		return;
	}
	wait_at(&f->nodes[s->node], key, false, out);
}

void flow_resume(const struct flow_set *set, struct flow_session *s, enum flow_outcome outcome,
		 struct flow_step *out)
{
	const struct flow *f = current_flow(set, s);
	if (!f || s->node < 0 || f->nodes[s->node].kind != FLOW_NODE_ACTION) {
		*out = (struct flow_step){.kind = FLOW_STEP_NOMATCH};
		return;
	}
	const struct flow_node *n = &f->nodes[s->node];
	struct flow_edge edge = (size_t)outcome < FLOW_OUTCOME_COUNT
				    ? n->outcomes[outcome]
				    : n->outcomes[FLOW_OUTCOME_fail];
	if (edge.node == FLOW_NONE) /* an outcome the node does not name: as fail */
		edge = n->outcomes[FLOW_OUTCOME_fail];
	enter(f, s, edge, out);
}

void flow_timeout(const struct flow_set *set, struct flow_session *s, struct flow_step *out)
{
	const struct flow *f = current_flow(set, s);
	if (!f || s->node < 0) {
		*out = (struct flow_step){.kind = FLOW_STEP_NOMATCH};
		return;
	}
	const struct flow_node *n = &f->nodes[s->node];
	if (n->kind == FLOW_NODE_INPUT && n->on_timeout.node != FLOW_NONE) {
		enter(f, s, n->on_timeout, out);
		return;
	}
	end_session(s, FLOW_KEY_EXPIRED, false, out);
}

void flow_each_edge(struct flow_node *n, void (*fn)(void *ctx, struct flow_edge *e), void *ctx)
{
	for (size_t i = 0; i < n->option_count; i++)
		fn(ctx, &n->options[i].to);
	for (size_t i = 0; i < n->pattern_count; i++)
		fn(ctx, &n->patterns[i].to);
	fn(ctx, &n->give_up);
	fn(ctx, &n->on_timeout);
	for (int i = 0; i < FLOW_OUTCOME_COUNT; i++)
		fn(ctx, &n->outcomes[i]);
}

struct flow_set *flow_set_ref(struct flow_set *set)
{
	set->refs++;
	return set;
}

static void free_node(struct flow_node *n)
{
	for (size_t i = 0; i < n->pattern_count; i++)
		match_free(n->patterns[i].re);
	free(n->patterns);
	free(n->options);
}

void flow_set_unref(struct flow_set *set)
{
	if (!set || --set->refs > 0)
		return;
	for (size_t i = 0; i < set->flow_count; i++) {
		struct flow *f = &set->flows[i];
		for (size_t k = 0; k < f->node_count; k++)
			free_node(&f->nodes[k]);
		free(f->nodes);
		free(f->keywords);
	}
	free(set->flows);
	free(set->spellings);
	free(set->strings);
	free(set);
}
