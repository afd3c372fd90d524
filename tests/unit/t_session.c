/* Unit tests for gateway/session.c: a session survives its stored form
 * (names, form-encoded variables with any bytes), and a stored session that
 * no longer fits the flows or whose variables are malformed is refused. */
#include <stdlib.h>

#include "flow_load.h"
#include "session.h"
#include "tap.h"

/* Two flows, so the flow index matters; the second has several nodes. */
static const char flows[] = "flow other\n"
			    "  trigger keyword OTHER\n"
			    "  start only\n"
			    "node only\n"
			    "  end other.only\n"
			    "flow demo\n"
			    "  trigger keyword DEMO\n"
			    "  who supervised\n"
			    "  start ask\n"
			    "node ask\n"
			    "  say demo.ask\n"
			    "  on /^\\s*(?<pin>\\d{4})\\s*$/ -> check\n"
			    "  otherwise demo.again retry 3 then gone\n"
			    "node check\n"
			    "  action verify_pin\n"
			    "  ok -> where\n"
			    "  fail demo.wrong -> ask\n"
			    "node where\n"
			    "  menu demo.where\n"
			    "    option 1 demo.home set location=home -> gone\n"
			    "  otherwise demo.where_again retry 2 then gone\n"
			    "node gone\n"
			    "  end demo.gone\n";

static int flow_index(const struct flow_set *set, const char *name)
{
	for (size_t i = 0; i < set->flow_count; i++)
		if (strcmp(set->flows[i].name, name) == 0)
			return (int)i;
	return FLOW_NONE;
}

static int node_index(const struct flow *f, const char *name)
{
	for (size_t i = 0; i < f->node_count; i++)
		if (strcmp(f->nodes[i].name, name) == 0)
			return (int)i;
	return FLOW_NONE;
}

static void set(struct flow_session *s, const char *name, const char *value)
{
	if (flow_var_set(s, name, value, strlen(value)) < 0)
		printf("# cannot set %s\n", name);
}

static void test_round_trip(const struct flow_set *fs)
{
	int demo = flow_index(fs, "demo");
	struct flow_session s = {
	    .flow = demo, .node = node_index(&fs->flows[demo], "where"), .attempts = 1};
	set(&s, "amp", "a&b");
	set(&s, "eq", "x=y==z");
	set(&s, "pct", "100% %41 %zz");
	set(&s, "space", " two  words ");
	set(&s, "cyr", "Жылдызкан Абдыкадырова");
	set(&s, "empty", "");
	set(&s, "plus", "1+1 ?#/;");
	set(&s, "nl", "line\nnext\ttab");
	is_int(s.var_count, 8, "eight variables set");

	struct store_session stored;
	memset(&stored, 0x55, sizeof stored);
	is_int(session_encode(fs, &s, &stored), 0, "encode");
	is_str(stored.flow, "demo", "the flow is stored by name");
	is_str(stored.node, "where", "the node is stored by name");
	is_int(stored.attempts, 1, "the unrecognised answers so far are stored");
	ok(strchr(stored.vars, ' ') == NULL && strchr(stored.vars, '\n') == NULL,
	   "the stored variables hold no raw spaces or newlines: %s", stored.vars);
	ok(strncmp(stored.vars, "amp=a%26b&", 10) == 0, "'&' in a value is escaped");

	struct flow_session back;
	memset(&back, 0x55, sizeof back);
	is_int(session_decode(fs, &stored, &back), 0, "decode");
	is_int(back.flow, s.flow, "same flow");
	is_int(back.node, s.node, "same node");
	is_int(back.attempts, 1, "the attempts come back, so retries run out across messages");
	is_int(back.var_count, s.var_count, "same number of variables");
	for (size_t i = 0; i < s.var_count; i++)
		is_str(flow_var_get(&back, s.vars[i].name), s.vars[i].value, "variable %s survives",
		       s.vars[i].name);

	/* No variables at all. */
	struct flow_session bare = {.flow = flow_index(fs, "other"), .node = 0};
	is_int(session_encode(fs, &bare, &stored), 0, "a session without variables encodes");
	is_int(stored.attempts, 0, "with no attempts");
	is_str(stored.vars, "", "as empty variables");
	is_str(stored.flow, "other", "with its flow");
	is_str(stored.node, "only", "and node");
	is_int(session_decode(fs, &stored, &back), 0, "and decodes");
	is_int(back.var_count, 0, "with no variables");
	is_int(back.flow, bare.flow, "in the right flow");

	/* The longest values that fit a variable, in two-byte characters. */
	struct flow_session full = {.flow = demo, .node = 0};
	char value[FLOW_VAR_VALUE_MAX];
	for (size_t i = 0; i + 2 < sizeof value; i += 2)
		memcpy(value + i, "Ж", 2);
	value[sizeof value - 2] = 'x';
	value[sizeof value - 1] = '\0';
	set(&full, "a", value);
	set(&full, "b", value);
	is_int(session_encode(fs, &full, &stored), 0, "two full Cyrillic values fit");
	is_int(session_decode(fs, &stored, &back), 0, "and come back");
	is_str(flow_var_get(&back, "b"), value, "intact");
}

static void test_encode_too_big(const struct flow_set *fs)
{
	int demo = flow_index(fs, "demo");
	struct flow_session s = {.flow = demo, .node = 0};
	char value[FLOW_VAR_VALUE_MAX];
	memset(value, '&', sizeof value - 1); /* each byte takes 3 encoded */
	value[sizeof value - 1] = '\0';
	for (int i = 0; i < FLOW_VARS_MAX; i++) {
		char name[4] = {'v', (char)('0' + i), 0};
		set(&s, name, value);
	}
	is_int(s.var_count, FLOW_VARS_MAX, "all variables set");
	struct store_session stored;
	ok((size_t)FLOW_VARS_MAX * (FLOW_VAR_VALUE_MAX - 1) * 3 > STORE_SESSION_VARS_MAX,
	   "they cannot fit encoded");
	is_int(session_encode(fs, &s, &stored), -1, "encode fails when the variables do not fit");
	ok(strlen(stored.vars) < STORE_SESSION_VARS_MAX, "and leaves a terminated string");
}

static struct store_session stored_as(const char *flow, const char *node, const char *vars)
{
	struct store_session st;
	memset(&st, 0, sizeof st);
	snprintf(st.flow, sizeof st.flow, "%s", flow);
	snprintf(st.node, sizeof st.node, "%s", node);
	snprintf(st.vars, sizeof st.vars, "%s", vars);
	return st;
}

static void test_decode_refuses(const struct flow_set *fs)
{
	struct flow_session out;
	struct store_session st = stored_as("demo", "ask", "pin=1234");
	is_int(session_decode(fs, &st, &out), 0, "a valid stored session decodes");
	is_str(flow_var_get(&out, "pin"), "1234", "with its variable");

	st = stored_as("gone", "ask", "");
	is_int(session_decode(fs, &st, &out), -1, "an unknown flow is refused");
	is_int(out.flow, FLOW_NONE, "and leaves no flow");
	st = stored_as("DEMO", "ask", "");
	is_int(session_decode(fs, &st, &out), -1, "flow names are exact");
	st = stored_as("", "", "");
	is_int(session_decode(fs, &st, &out), -1, "an empty flow is refused");
	st = stored_as("demo", "only", "");
	is_int(session_decode(fs, &st, &out), -1, "a node of another flow is refused");
	st = stored_as("demo", "nowhere", "");
	is_int(session_decode(fs, &st, &out), -1, "an unknown node is refused");
	is_int(out.node, FLOW_NONE, "and leaves no node");

	st = stored_as("demo", "ask", "");
	st.attempts = 2;
	is_int(session_decode(fs, &st, &out), 0, "stored attempts decode");
	is_int(out.attempts, 2, "as the attempts");
	st.attempts = -1;
	is_int(session_decode(fs, &st, &out), -1, "negative attempts are refused");
	st.attempts = SESSION_ATTEMPTS_MAX + 1;
	is_int(session_decode(fs, &st, &out), -1, "attempts past SESSION_ATTEMPTS_MAX are refused");
	st.attempts = (int64_t)1 << 40;
	is_int(session_decode(fs, &st, &out), -1, "a huge count is refused");

	/* Variables the engine could never have written. */
	char vars[STORE_SESSION_VARS_MAX];
	int n = 0;
	for (int i = 0; i <= FLOW_VARS_MAX; i++)
		n += snprintf(vars + n, sizeof vars - (size_t)n, "%sv%d=1", i ? "&" : "", i);
	st = stored_as("demo", "ask", vars);
	is_int(session_decode(fs, &st, &out), -1, "more variables than a session holds");
	memset(vars, 'n', FLOW_VAR_NAME_MAX);
	memcpy(vars + FLOW_VAR_NAME_MAX, "=1", 3);
	st = stored_as("demo", "ask", vars);
	is_int(session_decode(fs, &st, &out), -1, "a variable name too long");
	memcpy(vars + FLOW_VAR_NAME_MAX - 1, "=1", 3);
	st = stored_as("demo", "ask", vars);
	is_int(session_decode(fs, &st, &out), 0, "the longest name that fits is kept");
	n = snprintf(vars, sizeof vars, "v=");
	for (int i = 0; i < FLOW_VAR_VALUE_MAX; i++)
		n += snprintf(vars + n, sizeof vars - (size_t)n, "%%41");
	st = stored_as("demo", "ask", vars);
	is_int(session_decode(fs, &st, &out), -1, "a value too long once decoded");
	n = 0;
	for (int i = 0; i < 40; i++)
		n += snprintf(vars + n, sizeof vars - (size_t)n, "%sa=1", i ? "&" : "");
	st = stored_as("demo", "ask", vars);
	is_int(session_decode(fs, &st, &out), -1, "more fields than a form holds");

	/* What is merely odd is kept as it is. */
	st = stored_as("demo", "ask", "&&a=%zz&&b&c=x%4");
	is_int(session_decode(fs, &st, &out), 0, "empty fields and stray '%%' are tolerated");
	is_str(flow_var_get(&out, "a"), "%zz", "a malformed escape stays as written");
	is_str(flow_var_get(&out, "b"), "", "a field without '=' is an empty value");
	is_str(flow_var_get(&out, "c"), "x%4", "a cut escape stays as written");
	/* A vars column filled to the brim (as the store may return it). */
	memset(st.vars, 'a', sizeof st.vars - 1);
	st.vars[sizeof st.vars - 1] = '\0';
	is_int(session_decode(fs, &st, &out), -1, "a full column of one long name is refused");
}

int main(void)
{
	struct diag d;
	diag_init(&d, stdout);
	struct flow_set *fs = flow_load_string(flows, "t.flow", &d);
	ok(fs != NULL, "the test flows load");
	if (!fs)
		return tap_done();
	test_round_trip(fs);
	test_encode_too_big(fs);
	test_decode_refuses(fs);
	flow_set_unref(fs);
	return tap_done();
}
