/* flow_load — see flow_load.h.
 *
 * The grammar, one directive a line ('#' starts a comment where a word
 * could start):
 *
 *   flow NAME
 *     trigger keyword WORD...        first word of an SMS, any case and
 *                                    spelling (keyfold.h)
 *     trigger ussd CODE              e.g. *384*1#
 *     trigger reminder               opened by an appointment reminder
 *                                    (remind.h), at its start node
 *     trigger reference              opened by an SMS that begins with a
 *                                    tip reference (tip.h)
 *     sender hidden                  runs under the sender's alias, never
 *                                    their number (tip.h)
 *     who anyone|enrolled|supervised|liaison|officer
 *     global                         interrupts any conversation
 *     channel sms|ussd|any           where it runs (any)
 *     budget N                       SMS segments a text may take (2)
 *     start NODE
 *   node NAME
 *     say KEY | menu KEY             the prompt; a menu lists options
 *     option CHOICE KEY [set VAR=VALUE] -> NODE
 *     on /REGEX/[i] -> NODE          named groups become variables
 *     otherwise KEY retry N then NODE
 *     timeout Ns -> NODE
 *     action NAME                    then: ok|fail|locked [KEY] -> NODE
 *     end KEY [sms|confirm]          over USSD, also sent by SMS (sms), or
 *                                    if the session drops unseen (confirm)
 *
 * All names, keys and words point into one copy of the text, cut into
 * NUL-terminated pieces in place (flow_set.strings). */
#include "flow_load.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "locale.h"
#include "translit.h"
#include "utf.h"

#define FLOW_FILE_MAX  (256 * 1024)
#define WORDS_MAX      24
#define NAME_MAX_LEN   32
#define BUDGET_DEFAULT 2

struct parser {
	struct diag *d;
	const char *file;
	int line;
	struct flow_set *set;
	struct flow *flow;      /* the flow being read, NULL before the first */
	struct flow_node *node; /* the node being read, NULL in the flow's header */
	const char *start;      /* the start node's name */
	int start_line;
	unsigned char *marks; /* per node, while check_reachable runs */
};

#define ERROR(p, ...) diag_error((p)->d, (p)->file, (p)->line, __VA_ARGS__)

static int grow(void **array, size_t count, size_t size)
{
	void *more = realloc(*array, (count + 1) * size);
	if (!more)
		return -1;
	*array = more;
	memset((char *)more + count * size, 0, size);
	return 0;
}

/* grow() for the parser: running out of memory is an error of the load,
 * never a line silently left out. */
static bool parser_grow(struct parser *p, void **array, size_t count, size_t size)
{
	if (grow(array, count, size) == 0)
		return true;
	ERROR(p, "out of memory");
	return false;
}

static bool is_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* A text key: names joined by dots, "checkin.ask_pin". */
static bool is_key(const char *s)
{
	const char *dot = strchr(s, '.');
	if (!dot || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.'))
			return false;
	return dot[1] != '\0';
}

static bool unsigned_in(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *rest;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long v = strtoul(s, &rest, 10);
	if (*rest || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "-> NODE" at words[i]: fills edge's target. */
static bool arrow(struct parser *p, char **words, size_t count, size_t i, struct flow_edge *edge)
{
	if (i + 2 != count || strcmp(words[i], "->") != 0 || !is_name(words[i + 1])) {
		ERROR(p, "expected \"-> NODE\" at the end of the line");
		return false;
	}
	edge->target = words[i + 1];
	edge->line = p->line;
	return true;
}

static struct flow_node *need_node(struct parser *p, const char *what)
{
	if (!p->node)
		ERROR(p, "%s belongs inside a node", what);
	return p->node;
}

static void node_prompt(struct parser *p, char **w, size_t n, bool menu)
{
	struct flow_node *node = need_node(p, w[0]);
	if (!node)
		return;
	if (n != 2 || !is_key(w[1]))
		ERROR(p, "expected \"%s KEY\"", w[0]);
	else if (node->prompt_key)
		ERROR(p, "node %s already has a prompt", node->name);
	else {
		node->prompt_key = w[1];
		node->menu = menu;
	}
}

static void node_option(struct parser *p, char **w, size_t n)
{
	struct flow_node *node = need_node(p, "option");
	if (!node)
		return;
	if (!node->menu) {
		ERROR(p, "option without a menu before it");
		return;
	}
	if (n < 5 || strlen(w[1]) >= sizeof node->options[0].choice || !is_key(w[2])) {
		ERROR(p, "expected \"option CHOICE KEY [set VAR=VALUE] -> NODE\"");
		return;
	}
	for (size_t i = 0; i < node->option_count; i++)
		if (strcmp(node->options[i].choice, w[1]) == 0) {
			ERROR(p, "option %s twice in node %s", w[1], node->name);
			return;
		}
	struct flow_option o = {.text_key = w[2]};
	memcpy(o.choice, w[1], strlen(w[1]) + 1);
	size_t next = 3;
	if (strcmp(w[3], "set") == 0) {
		char *eq = n > 4 ? strchr(w[4], '=') : NULL;
		if (!eq || eq == w[4] || strlen(eq + 1) >= FLOW_VAR_VALUE_MAX) {
			ERROR(p, "expected \"set VAR=VALUE\"");
			return;
		}
		*eq = '\0';
		if (!is_name(w[4]) || strlen(w[4]) >= FLOW_VAR_NAME_MAX) {
			ERROR(p, "\"%s\" is not a variable name", w[4]);
			return;
		}
		o.set_name = w[4];
		o.set_value = eq + 1;
		next = 5;
	}
	if (!arrow(p, w, n, next, &o.to))
		return;
	if (!parser_grow(p, (void **)&node->options, node->option_count, sizeof o))
		return;
	node->options[node->option_count++] = o;
}

/* "on /REGEX/FLAGS -> NODE": the regex is everything between the first
 * '/' and the last '/' before the arrow, so it may hold spaces and '#'. */
static void node_pattern(struct parser *p, char *rest)
{
	struct flow_node *node = need_node(p, "on");
	if (!node)
		return;
	char *arrow_at = strstr(rest, " -> ");
	for (char *more; arrow_at && (more = strstr(arrow_at + 1, " -> ")) != NULL;)
		arrow_at = more;
	char *open = strchr(rest, '/');
	char *close = NULL;
	for (char *c = arrow_at; c && open && c > open; c--)
		if (*c == '/') {
			close = c;
			break;
		}
	if (!arrow_at || !open || !close || close == open) {
		ERROR(p, "expected \"on /REGEX/ -> NODE\"");
		return;
	}
	char *flags = close + 1;
	*arrow_at = '\0';
	*close = '\0';
	bool caseless = false;
	for (char *f = flags; *f && *f != ' '; f++) {
		if (*f != 'i') {
			ERROR(p, "unknown regex flag '%c' (only i)", *f);
			return;
		}
		caseless = true;
	}
	char *target = arrow_at + 4;
	target += strspn(target, " \t");
	target[strcspn(target, " \t")] = '\0';
	if (!is_name(target)) {
		ERROR(p, "expected \"-> NODE\" after the regex");
		return;
	}
	char err[256];
	struct match *re = match_new(open + 1, caseless, err, sizeof err);
	if (!re) {
		ERROR(p, "bad regex: %s", err);
		return;
	}
	for (size_t i = 0; i < match_group_count(re); i++) {
		if (strlen(match_group_name(re, i)) >= FLOW_VAR_NAME_MAX) {
			ERROR(p, "group name %s is too long", match_group_name(re, i));
			match_free(re);
			return;
		}
		if (p->flow && strcmp(match_group_name(re, i), "pin") == 0)
			p->flow->asks_pin = true;
	}
	if (!parser_grow(p, (void **)&node->patterns, node->pattern_count,
			 sizeof *node->patterns)) {
		match_free(re);
		return;
	}
	node->patterns[node->pattern_count++] =
	    (struct flow_pattern){re, {.target = target, .line = p->line}};
}

static void node_otherwise(struct parser *p, char **w, size_t n)
{
	struct flow_node *node = need_node(p, "otherwise");
	if (!node)
		return;
	unsigned retries;
	if (n != 6 || !is_key(w[1]) || strcmp(w[2], "retry") != 0 ||
	    !unsigned_in(w[3], 1, 9, &retries) || strcmp(w[4], "then") != 0 || !is_name(w[5])) {
		ERROR(p, "expected \"otherwise KEY retry N then NODE\" (N 1..9)");
		return;
	}
	node->retry_key = w[1];
	node->retries = retries;
	node->give_up = (struct flow_edge){.target = w[5], .line = p->line};
}

static void node_timeout(struct parser *p, char **w, size_t n)
{
	struct flow_node *node = need_node(p, "timeout");
	if (!node)
		return;
	size_t len = n > 1 ? strlen(w[1]) : 0;
	unsigned seconds;
	if (len < 2 || w[1][len - 1] != 's') {
		ERROR(p, "expected \"timeout Ns -> NODE\"");
		return;
	}
	w[1][len - 1] = '\0';
	if (!unsigned_in(w[1], 1, 3600, &seconds)) {
		ERROR(p, "timeout must be 1s..3600s");
		return;
	}
	if (arrow(p, w, n, 2, &node->on_timeout))
		node->timeout = seconds;
}

static bool find_action(const char *name, enum flow_action *out)
{
	for (int a = 0; a < FLOW_ACTION_COUNT; a++)
		if (strcmp(flow_action_name((enum flow_action)a), name) == 0) {
			*out = (enum flow_action)a;
			return true;
		}
	return false;
}

static int find_outcome(const char *name)
{
	static const char *const names[] = {
#define X(name) #name,
	    FLOW_OUTCOMES(X)
#undef X
	};
	for (int i = 0; i < FLOW_OUTCOME_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static void node_action(struct parser *p, char **w, size_t n)
{
	struct flow_node *node = need_node(p, "action");
	if (!node)
		return;
	if (n != 2 || !find_action(w[1], &node->action)) {
		ERROR(p, "unknown action \"%s\"", n > 1 ? w[1] : "");
		return;
	}
	node->kind = FLOW_NODE_ACTION;
}

static void node_outcome(struct parser *p, char **w, size_t n, int outcome)
{
	struct flow_node *node = need_node(p, w[0]);
	if (!node)
		return;
	struct flow_edge edge = {0};
	size_t at = 1;
	if (n == 4) {
		if (!is_key(w[1])) {
			ERROR(p, "\"%s\" is not a text key", w[1]);
			return;
		}
		edge.text_key = w[1];
		at = 2;
	}
	if (arrow(p, w, n, at, &edge))
		node->outcomes[outcome] = edge;
}

static void node_end(struct parser *p, char **w, size_t n)
{
	struct flow_node *node = need_node(p, "end");
	if (!node)
		return;
	if (n < 2 || n > 3 || !is_key(w[1]) ||
	    (n == 3 && strcmp(w[2], "sms") != 0 && strcmp(w[2], "confirm") != 0)) {
		ERROR(p, "expected \"end KEY [sms|confirm]\"");
		return;
	}
	node->kind = FLOW_NODE_END;
	node->end_key = w[1];
	node->copy = n < 3                      ? FLOW_COPY_NONE
		     : strcmp(w[2], "sms") == 0 ? FLOW_COPY_ALWAYS
						: FLOW_COPY_IF_DROPPED;
}

static struct flow *need_header(struct parser *p, const char *what)
{
	if (!p->flow || p->node)
		ERROR(p, "%s belongs in a flow's header, before its nodes", what);
	return p->flow && !p->node ? p->flow : NULL;
}

static void flow_trigger(struct parser *p, char **w, size_t n)
{
	struct flow *f = need_header(p, "trigger");
	if (!f)
		return;
	if (n >= 3 && strcmp(w[1], "keyword") == 0) {
		for (size_t i = 2; i < n; i++) {
			if (!parser_grow(p, (void **)&f->keywords, f->keyword_count,
					 sizeof *f->keywords))
				return;
			f->keywords[f->keyword_count++] = w[i];
		}
	} else if (n == 3 && strcmp(w[1], "ussd") == 0 && !f->ussd_code) {
		f->ussd_code = w[2];
	} else if (n == 2 && strcmp(w[1], "reminder") == 0) {
		f->on_reminder = true;
	} else if (n == 2 && strcmp(w[1], "reference") == 0) {
		f->on_reference = true;
	} else {
		ERROR(p, "expected \"trigger keyword WORD...\", one \"trigger ussd CODE\", "
			 "\"trigger reminder\" or \"trigger reference\"");
	}
}

static void flow_who(struct parser *p, char **w, size_t n)
{
	struct flow *f = need_header(p, "who");
	if (!f)
		return;
	for (int i = 0; n == 2 && i <= FLOW_WHO_officer; i++)
		if (strcmp(flow_who_name((enum flow_who)i), w[1]) == 0) {
			f->who = (enum flow_who)i;
			return;
		}
	ERROR(p, "expected \"who anyone|enrolled|supervised|liaison|officer\"");
}

static void flow_header_word(struct parser *p, char **w, size_t n)
{
	struct flow *f = need_header(p, w[0]);
	if (!f)
		return;
	if (strcmp(w[0], "global") == 0 && n == 1)
		f->global = true;
	else if (strcmp(w[0], "sender") == 0 && n == 2 && strcmp(w[1], "hidden") == 0)
		f->hidden = p->set->any_hidden = true;
	else if (strcmp(w[0], "channel") == 0 && n == 2 &&
		 (!strcmp(w[1], "sms") || !strcmp(w[1], "ussd") || !strcmp(w[1], "any"))) {
		f->sms_only = strcmp(w[1], "sms") == 0;
		f->ussd_only = strcmp(w[1], "ussd") == 0;
	} else if (strcmp(w[0], "budget") == 0 && n == 2 && unsigned_in(w[1], 1, 10, &f->budget))
		return;
	else if (strcmp(w[0], "start") == 0 && n == 2 && is_name(w[1])) {
		p->start = w[1];
		p->start_line = p->line;
	} else
		ERROR(p, "expected \"global\", \"sender hidden\", \"channel sms|ussd|any\", "
			 "\"budget N\" (1..10) or \"start NODE\"");
}

static int node_index(const struct flow *f, const char *name)
{
	for (size_t i = 0; i < f->node_count; i++)
		if (strcmp(f->nodes[i].name, name) == 0)
			return (int)i;
	return FLOW_NONE;
}

static void resolve_edge(void *ctx, struct flow_edge *e)
{
	struct parser *p = ctx;
	if (!e->target) {
		e->node = FLOW_NONE;
		return;
	}
	e->node = node_index(p->flow, e->target);
	if (e->node == FLOW_NONE)
		diag_error(p->d, p->file, e->line, "no node %s in flow %s", e->target,
			   p->flow->name);
}

static void mark_edge(void *ctx, struct flow_edge *e)
{
	struct parser *p = ctx;
	if (e->node != FLOW_NONE)
		p->marks[e->node] |= 1;
}

/* The reporter's tip actions keep what a reporter sends: only a flow that
 * hides its sender may call them, or the number would be kept with it. */
static void check_hidden(struct parser *p, const struct flow *f)
{
	static const enum flow_action reporter[] = {
	    FLOW_ACTION_tip_check,  FLOW_ACTION_tip_districts, FLOW_ACTION_tip_place,
	    FLOW_ACTION_create_tip, FLOW_ACTION_add_to_tip,    FLOW_ACTION_tip_followup};
	for (size_t i = 0; i < f->node_count && !f->hidden; i++)
		for (size_t k = 0; k < sizeof reporter / sizeof reporter[0]; k++)
			if (f->nodes[i].kind == FLOW_NODE_ACTION &&
			    f->nodes[i].action == reporter[k])
				diag_error(p->d, p->file, f->nodes[i].line,
					   "action %s keeps what a reporter sends: flow %s must "
					   "say \"sender hidden\"",
					   flow_action_name(reporter[k]), f->name);
}

static void check_reachable(struct parser *p, struct flow *f)
{
	unsigned char marks[256] = {0};
	if (f->node_count > sizeof marks) {
		diag_error(p->d, p->file, f->line, "flow %s has more than 256 nodes", f->name);
		return;
	}
	p->marks = marks;
	marks[f->start] = 1;
	/* Spread marks until nothing changes: bit 0 reached, bit 1 expanded. */
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < f->node_count; i++)
			if (marks[i] == 1) {
				marks[i] = 3;
				flow_each_edge(&f->nodes[i], mark_edge, p);
				changed = true;
			}
	}
	p->marks = NULL;
	for (size_t i = 0; i < f->node_count; i++)
		if (!marks[i])
			diag_error(p->d, p->file, f->nodes[i].line, "node %s cannot be reached",
				   f->nodes[i].name);
}

static void check_node(struct parser *p, struct flow_node *n)
{
#define NODE_ERROR(...) diag_error(p->d, p->file, n->line, __VA_ARGS__)
	bool input_parts =
	    n->prompt_key || n->option_count || n->pattern_count || n->retry_key || n->timeout;
	if (n->kind == FLOW_NODE_END && (input_parts || n->outcomes[0].target))
		NODE_ERROR("node %s ends: it can have nothing else", n->name);
	if (n->kind == FLOW_NODE_ACTION) {
		if (input_parts)
			NODE_ERROR("node %s calls an action: it cannot also ask", n->name);
		if (!n->outcomes[FLOW_OUTCOME_ok].target || !n->outcomes[FLOW_OUTCOME_fail].target)
			NODE_ERROR("node %s needs both \"ok ->\" and \"fail ->\"", n->name);
	}
	if (n->kind == FLOW_NODE_INPUT) {
		if (!n->prompt_key)
			NODE_ERROR("node %s needs say, menu, action or end", n->name);
		else if (!n->option_count && !n->pattern_count)
			NODE_ERROR("node %s asks but has no \"on\" or \"option\" to go on",
				   n->name);
		else if (!n->retry_key)
			NODE_ERROR("node %s needs \"otherwise KEY retry N then NODE\"", n->name);
		for (int i = 0; i < FLOW_OUTCOME_COUNT; i++)
			if (n->outcomes[i].target)
				NODE_ERROR("node %s has an outcome but no action", n->name);
	}
#undef NODE_ERROR
}

/* A flow is complete: resolve names, check its shape and triggers. */
static void finish_flow(struct parser *p)
{
	struct flow *f = p->flow;
	if (!f)
		return;
	for (size_t i = 0; i < f->node_count; i++)
		check_node(p, &f->nodes[i]);
	for (size_t i = 0; i < f->node_count; i++)
		flow_each_edge(&f->nodes[i], resolve_edge, p);
	f->start = p->start ? node_index(f, p->start) : FLOW_NONE;
	if (!p->start)
		diag_error(p->d, p->file, f->line, "flow %s has no \"start NODE\"", f->name);
	else if (f->start == FLOW_NONE)
		diag_error(p->d, p->file, p->start_line, "no node %s in flow %s", p->start,
			   f->name);
	else
		check_reachable(p, f);
	if (!f->keyword_count && !f->ussd_code && !f->on_reminder && !f->on_reference)
		diag_error(p->d, p->file, f->line, "flow %s has no trigger", f->name);
	if ((f->sms_only && !f->keyword_count && !f->on_reminder && !f->on_reference) ||
	    (f->ussd_only && !f->ussd_code))
		diag_error(p->d, p->file, f->line, "flow %s has no trigger on its channel",
			   f->name);
	check_hidden(p, f);
	p->flow = NULL;
	p->node = NULL;
	p->start = NULL;
}

static void begin_flow(struct parser *p, char **w, size_t n)
{
	finish_flow(p);
	if (n != 2 || !is_name(w[1])) {
		ERROR(p, "expected \"flow NAME\"");
		return;
	}
	struct flow_set *set = p->set;
	for (size_t i = 0; i < set->flow_count; i++)
		if (strcmp(set->flows[i].name, w[1]) == 0) {
			ERROR(p, "flow %s is defined twice (also %s:%d)", w[1], set->flows[i].file,
			      set->flows[i].line);
			return;
		}
	if (!parser_grow(p, (void **)&set->flows, set->flow_count, sizeof *set->flows))
		return;
	p->flow = &set->flows[set->flow_count++];
	*p->flow = (struct flow){.name = w[1],
				 .file = p->file,
				 .line = p->line,
				 .budget = BUDGET_DEFAULT,
				 .start = FLOW_NONE};
}

static void begin_node(struct parser *p, char **w, size_t n)
{
	struct flow *f = p->flow;
	if (!f) {
		ERROR(p, "node before any flow");
		return;
	}
	if (n != 2 || !is_name(w[1])) {
		ERROR(p, "expected \"node NAME\"");
		return;
	}
	if (node_index(f, w[1]) != FLOW_NONE) {
		ERROR(p, "node %s is defined twice in flow %s", w[1], f->name);
		p->node = NULL;
		return;
	}
	if (!parser_grow(p, (void **)&f->nodes, f->node_count, sizeof *f->nodes))
		return;
	p->node = &f->nodes[f->node_count++];
	p->node->name = w[1];
	p->node->line = p->line;
	p->node->kind = FLOW_NODE_INPUT;
	p->node->give_up.node = p->node->on_timeout.node = FLOW_NONE;
}

/* Cuts line into words at blanks, dropping a comment; returns the count. */
static size_t split_words(char *line, char **words)
{
	size_t n = 0;
	char *c = line;
	while (*c) {
		c += strspn(c, " \t");
		if (!*c || *c == '#')
			break;
		if (n == WORDS_MAX)
			return n + 1; /* too many: the caller reports it */
		words[n++] = c;
		c += strcspn(c, " \t");
		if (*c)
			*c++ = '\0';
	}
	return n;
}

static void parse_line(struct parser *p, char *line)
{
	char *first = line + strspn(line, " \t");
	if (strncmp(first, "on ", 3) == 0 || strncmp(first, "on\t", 3) == 0) {
		node_pattern(p, first + 3);
		return;
	}
	char *w[WORDS_MAX];
	size_t n = split_words(line, w);
	if (n == 0)
		return;
	if (n > WORDS_MAX) {
		ERROR(p, "line has more than %d words", WORDS_MAX);
		return;
	}
	int outcome = find_outcome(w[0]);
	if (strcmp(w[0], "flow") == 0)
		begin_flow(p, w, n);
	else if (strcmp(w[0], "node") == 0)
		begin_node(p, w, n);
	else if (strcmp(w[0], "trigger") == 0)
		flow_trigger(p, w, n);
	else if (strcmp(w[0], "who") == 0)
		flow_who(p, w, n);
	else if (strcmp(w[0], "global") == 0 || strcmp(w[0], "budget") == 0 ||
		 strcmp(w[0], "sender") == 0 || strcmp(w[0], "start") == 0 ||
		 strcmp(w[0], "channel") == 0)
		flow_header_word(p, w, n);
	else if (strcmp(w[0], "say") == 0 || strcmp(w[0], "menu") == 0)
		node_prompt(p, w, n, w[0][0] == 'm');
	else if (strcmp(w[0], "option") == 0)
		node_option(p, w, n);
	else if (strcmp(w[0], "otherwise") == 0)
		node_otherwise(p, w, n);
	else if (strcmp(w[0], "timeout") == 0)
		node_timeout(p, w, n);
	else if (strcmp(w[0], "action") == 0)
		node_action(p, w, n);
	else if (outcome >= 0)
		node_outcome(p, w, n, outcome);
	else if (strcmp(w[0], "end") == 0)
		node_end(p, w, n);
	else
		ERROR(p, "unknown word \"%s\"", w[0]);
}

/* Parses text (modified in place; it must outlive the set). */
static void parse_text(struct parser *p, char *text, const char *file)
{
	p->file = file;
	p->line = 0;
	p->flow = NULL;
	p->node = NULL;
	p->start = NULL;
	char *next;
	for (char *line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p->line++;
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		parse_line(p, line);
	}
	finish_flow(p);
}

/* Adds a spelling of keyword (word, len bytes) for flow fi, once per flow. */
static int add_spelling(struct flow_set *set, size_t fi, const char *keyword, const char *word,
			size_t len)
{
	char folded[KEYFOLD_MAX];
	if (keyfold(word, len, folded) < 0)
		return 0; /* a Latin form too long to be typed as a keyword */
	for (size_t i = 0; i < set->spelling_count; i++)
		if (set->spellings[i].flow == fi && strcmp(set->spellings[i].folded, folded) == 0)
			return 0;
	if (grow((void **)&set->spellings, set->spelling_count, sizeof *set->spellings) < 0)
		return -1;
	struct flow_spelling *s = &set->spellings[set->spelling_count++];
	memcpy(s->folded, folded, sizeof folded);
	s->flow = fi;
	s->keyword = keyword;
	return 0;
}

static size_t characters(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; n++)
		utf8_next(s, &i);
	return n;
}

/* Adds form and its Latin spelling by every language's rules. A letter a
 * language's rules do not know comes out as '?', and one they drop leaves a
 * shorter word (ҚАТЪ is QAT' by Tajik rules, but KAT by Russian ones, an
 * everyday word): neither is a spelling. */
static int add_spellings(struct flow_set *set, size_t fi, const char *keyword, const char *form)
{
	if (add_spelling(set, fi, keyword, form, strlen(form)) < 0)
		return -1;
	size_t letters = characters(form, strlen(form));
	for (size_t i = 0; i < locales_language_count(); i++) {
		struct buf latin;
		buf_init(&latin, KEYFOLD_MAX * 2);
		int rc = 0; /* a form the rules cannot write is no spelling, no error */
		if (translit_to_latin(locales_language_code(i), form, strlen(form), &latin) == 0 &&
		    !memchr(latin.data, '?', latin.len) && latin.len >= letters)
			rc = add_spelling(set, fi, keyword, latin.data, latin.len);
		else if (latin.out_of_memory)
			rc = -1; /* a spelling lost would be a keyword not understood */
		buf_cleanup(&latin);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int by_spelling(const void *a, const void *b)
{
	const struct flow_spelling *x = a, *y = b;
	int c = strcmp(x->folded, y->folded);
	return c ? c : (x->flow > y->flow) - (x->flow < y->flow);
}

/* Every keyword as phones may send it (as written, as a Russian-only
 * keyboard types it, each in Latin letters), in one sorted index; two
 * flows may not share a spelling. */
static void index_keywords(struct diag *d, struct flow_set *set)
{
	for (size_t fi = 0; fi < set->flow_count; fi++) {
		const struct flow *f = &set->flows[fi];
		for (size_t k = 0; k < f->keyword_count; k++) {
			const char *keyword = f->keywords[k];
			char typed[KEYFOLD_MAX];
			if (keyfold(keyword, strlen(keyword), typed) < 0) {
				diag_error(d, f->file, f->line, "flow %s: keyword %s is too long",
					   f->name, keyword);
			} else if (add_spellings(set, fi, keyword, keyword) < 0 ||
				   add_spellings(set, fi, keyword, typed) < 0) {
				diag_error(d, f->file, f->line, "out of memory");
				return;
			}
		}
	}
	if (set->spelling_count) /* qsort wants an array, even of none */
		qsort(set->spellings, set->spelling_count, sizeof *set->spellings, by_spelling);
	for (size_t i = 1; i < set->spelling_count; i++) {
		const struct flow_spelling *a = &set->spellings[i - 1], *b = &set->spellings[i];
		if (strcmp(a->folded, b->folded) != 0 || a->flow == b->flow)
			continue;
		const struct flow *fa = &set->flows[a->flow], *fb = &set->flows[b->flow];
		diag_error(d, fb->file, fb->line,
			   "keyword %s of flow %s and %s of flow %s are both typed %s", b->keyword,
			   fb->name, a->keyword, fa->name, b->folded);
	}
}

/* A USSD code must lead to one flow only, across all files; and one flow
 * at most answers reminders. */
static void check_ussd_codes(struct diag *d, const struct flow_set *set)
{
	for (size_t a = 0; a < set->flow_count; a++) {
		const struct flow *fa = &set->flows[a];
		for (size_t b = a + 1; b < set->flow_count; b++) {
			const struct flow *fb = &set->flows[b];
			if (fa->on_reminder && fb->on_reminder)
				diag_error(d, fb->file, fb->line,
					   "flow %s answers reminders, as %s does already",
					   fb->name, fa->name);
			if (fa->on_reference && fb->on_reference)
				diag_error(d, fb->file, fb->line,
					   "flow %s answers tip references, as %s does already",
					   fb->name, fa->name);
			if (fa->ussd_code && fb->ussd_code &&
			    strcmp(fa->ussd_code, fb->ussd_code) == 0)
				diag_error(d, fb->file, fb->line,
					   "USSD code %s of flow %s is also %s's", fb->ussd_code,
					   fb->name, fa->name);
		}
	}
}

static struct flow_set *finish_set(struct flow_set *set, struct diag *d, int errors_before)
{
	if (d->errors == errors_before) {
		index_keywords(d, set);
		check_ussd_codes(d, set);
	}
	if (d->errors != errors_before) {
		flow_set_unref(set);
		return NULL;
	}
	return set;
}

static struct flow_set *new_set(char *strings)
{
	struct flow_set *set = calloc(1, sizeof *set);
	if (!set)
		return NULL;
	set->refs = 1;
	set->strings = strings;
	return set;
}

struct flow_set *flow_load_string(const char *text, const char *file, struct diag *d)
{
	int errors_before = d->errors;
	size_t tlen = strlen(text), flen = strlen(file);
	char *strings = malloc(tlen + flen + 2);
	struct flow_set *set = strings ? new_set(strings) : NULL;
	if (!set) {
		free(strings);
		diag_error(d, file, 0, "out of memory");
		return NULL;
	}
	memcpy(strings, file, flen + 1);
	memcpy(strings + flen + 1, text, tlen + 1);
	struct parser p = {.d = d, .set = set};
	parse_text(&p, strings + flen + 1, strings);
	return finish_set(set, d, errors_before);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the *.flow names in dir, sorted; NULL-terminated array. */
static void free_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* The .flow files in dir, sorted, in a NULL-terminated array; NULL (and
 * an error reported) if the directory cannot be read or memory runs out. */
static char **list_flow_files(const char *dir, struct diag *d)
{
	DIR *dh = opendir(dir);
	if (!dh) {
		diag_error(d, dir, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char **names = NULL;
	size_t count = 0;
	/* grow() zeroes the slot it adds: the array is always terminated */
	bool failed = grow((void **)&names, 0, sizeof *names) < 0;
	for (struct dirent *e; !failed && (e = readdir(dh)) != NULL;) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".flow") != 0)
			continue;
		failed = grow((void **)&names, count + 1, sizeof *names) < 0 ||
			 !(names[count] = strdup(e->d_name));
		count += !failed;
	}
	closedir(dh);
	if (failed) {
		diag_error(d, dir, 0, "out of memory");
		free_names(names);
		return NULL;
	}
	qsort(names, count, sizeof *names, by_name);
	return names;
}

/* Appends "path\0text\0" to *all; returns the text's offset, or -1. */
static long append_file(char **all, size_t *size, const char *path, struct diag *d)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	size_t plen = strlen(path);
	char *more = realloc(*all, *size + plen + 1 + FLOW_FILE_MAX + 2);
	if (!more) {
		fclose(f);
		diag_error(d, path, 0, "out of memory");
		return -1;
	}
	*all = more;
	memcpy(more + *size, path, plen + 1);
	size_t at = *size + plen + 1;
	size_t n = fread(more + at, 1, FLOW_FILE_MAX + 1, f);
	fclose(f);
	if (n > FLOW_FILE_MAX || memchr(more + at, '\0', n)) {
		diag_error(d, path, 0,
			   n > FLOW_FILE_MAX ? "larger than 256 KiB" : "has a NUL byte");
		return -1;
	}
	more[at + n] = '\0';
	*size = at + n + 1;
	return (long)at;
}

struct flow_set *flow_load_dir(const char *dir, struct diag *d)
{
	int errors_before = d->errors;
	char **names = list_flow_files(dir, d);
	if (!names)
		return NULL;
	/* Every file goes into one buffer first: parsing cuts it in place, and
	 * a realloc after that would move what the set points to. */
	char *all = NULL;
	size_t size = 0, count = 0;
	long paths[64], texts[64];
	for (; names[count]; count++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[count]);
		if (count == sizeof texts / sizeof texts[0]) {
			diag_error(d, dir, 0, "more than %zu flow files", count);
			break;
		}
		paths[count] = (long)size;
		texts[count] = append_file(&all, &size, path, d);
	}
	struct flow_set *set = new_set(all);
	if (!set) {
		free(all);
		diag_error(d, dir, 0, "out of memory");
	} else {
		struct parser p = {.d = d, .set = set};
		for (size_t i = 0; i < count; i++)
			if (texts[i] >= 0)
				parse_text(&p, all + texts[i], all + paths[i]);
		if (count == 0)
			diag_error(d, dir, 0, "no .flow files");
	}
	free_names(names);
	return set ? finish_set(set, d, errors_before) : NULL;
}
