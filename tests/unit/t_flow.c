/* Unit tests for gateway/flow_load.c and gateway/flow.c: the shipped flows
 * load, every loader error is reported with its line and all are counted,
 * and the step functions walk every node kind. */
#include <stdlib.h>

#include "flow_load.h"
#include "tap.h"

/* Loads text, capturing diagnostics into out[]. */
static struct flow_set *load(const char *text, struct diag *d, char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	setvbuf(f, NULL, _IONBF, 0);
	diag_init(d, f);
	struct flow_set *set = flow_load_string(text, "t.flow", d);
	fclose(f);
	return set;
}

static void expect_error(const char *text, const char *message, const char *what)
{
	char out[4096] = "";
	struct diag d;
	struct flow_set *set = load(text, &d, out, sizeof out);
	ok(!set && strstr(out, message), "%s", what);
	if (set || !strstr(out, message))
		printf("#   diagnostics: %s\n", out);
	flow_set_unref(set);
}

#define HEADER "flow f\n  trigger keyword GO\n  start a\n"

static void test_shipped(void)
{
	struct diag d;
	diag_init(&d, stdout);
	struct flow_set *set = flow_load_dir(FLOWS_DIR, &d);
	ok(set != NULL, "the shipped flows load");
	is_int(d.errors, 0, "without errors");
	if (!set)
		return;
	static const char *const names[] = {"appointment", "cancel", "checkin", "help",
					    "language",    "start",  "stop"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		bool found = false;
		for (size_t k = 0; k < set->flow_count; k++)
			found |= strcmp(set->flows[k].name, names[i]) == 0;
		ok(found, "flow %s is shipped", names[i]);
	}
	static const struct {
		const char *text, *flow;
	} keywords[] = {
	    {"CHECKIN", "checkin"},
	    {"отметка", "checkin"},
	    {"Каттоолуу 1", "checkin"},
	    {"help", "help"},
	    {"ПОМОЩЬ", "help"},
	    {"lang ru", "language"},
	    {"stop", "stop"},
	    {"СТОП", "stop"},
	    {"start", "start"},
	    {"next", "appointment"},
	    {"cancel", "cancel"},
	    /* in Latin letters, as a person who gets transliterated texts is told them */
	    {"KATTOOLUU", "checkin"},
	    {"otmetka", "checkin"},
	    {"QAYD", "checkin"},
	    {"SLEDUYUSHCHAYA", "appointment"},
	    {"jardam", "help"},
	    {"POMOSHCH", "help"},
	    /* the apostrophes of Uzbek keyboards */
	    {"TO\u2018XTAT", "stop"},
	    {"to\u02bbxtat", "stop"},
	    {"TO'XTAT", "stop"},
	    /* typed on a Russian-only keyboard (Kazakh, Tajik, Uzbek Cyrillic),
	     * or without the Uzbek apostrophe */
	    {"ТОКТАТ", "stop"},
	    {"токтат", "stop"},
	    {"БЕЛГИ", "checkin"},
	    {"КЕЛЕСИ", "appointment"},
	    {"КОМЕК", "help"},
	    {"КАЙД", "checkin"},
	    {"НАВБАТИ", "appointment"},
	    {"ОГОЗ", "start"},
	    {"КАТЪ", "stop"},
	    {"ЕРДАМ", "help"},
	    {"TOXTAT", "stop"},
	    {"ТУХТАТ", "stop"},
	    {"toqtat", "stop"},
	    {"toktat", "stop"},
	    /* natural synonyms and Cyrillic Uzbek */
	    {"ЯВКА", "appointment"},
	    {"каттоо", "checkin"},
	    {"КЕЙИНГИ", "appointment"},
	    {"ТЎХТАТ", "stop"},
	    {"БОШЛАШ", "start"},
	    /* with the punctuation people add */
	    {"Stop.", "stop"},
	    {"HELP?", "help"},
	    {"QAT'", "stop"},
	    {"БЕЛГI", "checkin"},
	};
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		const struct flow *f =
		    flow_find_keyword(set, keywords[i].text, strlen(keywords[i].text));
		is_str(f ? f->name : NULL, keywords[i].flow, "\"%s\" starts %s", keywords[i].text,
		       keywords[i].flow);
	}
	ok(!flow_find_keyword(set, "hello", 5), "an unknown word starts nothing");
	ok(!flow_find_keyword(set, "\xff", 1), "invalid UTF-8 starts nothing");
	ok(!flow_find_keyword(set, "HELP\0", 5), "a keyword with a NUL starts nothing");
	ok(!flow_find_keyword(set, "STOPPED", 7), "a longer word starts nothing");
	ok(!flow_find_keyword(set, "КАТ", strlen("КАТ")), "КАТ is not КАТЪ");
	ok(!flow_find_keyword(set, "Kat keldi", 9), "nor is Kat (Kyrgyz \"letter\" in Latin)");
	ok(!flow_find_keyword(set, "Стоп, я не понял", strlen("Стоп, я не понял")),
	   "a sentence that starts with a keyword and a comma starts nothing");
	ok(!flow_find_keyword(set, "", 0), "an empty message starts nothing");
	const struct flow *f = flow_find_ussd(set, "*384*1#");
	is_str(f ? f->name : NULL, "checkin", "*384*1# starts checkin");
	ok(!flow_find_ussd(set, "*999#"), "an unknown code starts nothing");
	flow_set_unref(set);
}

static void test_errors(void)
{
	expect_error("node a\n", "t.flow:1: node before any flow", "node outside a flow");
	expect_error(HEADER "node a\n  say x.y\n  frobnicate\n",
		     "t.flow:6: unknown word \"frobnicate\"", "unknown directive");
	expect_error(HEADER "node a\n  end x.y\nnode a\n  end x.z\n",
		     "t.flow:6: node a is defined twice", "duplicate node");
	expect_error(
	    HEADER "node a\n  end x.y\nflow f\n  trigger keyword X\n  start b\nnode b\n  end x.y\n",
	    "flow f is defined twice", "duplicate flow");
	expect_error(HEADER "node a\n  action fly\n", "t.flow:5: unknown action \"fly\"",
		     "unknown action");
	expect_error(HEADER "node a\n  action opt_out\n  ok -> b\n",
		     "needs both \"ok ->\" and \"fail ->\"", "action without fail");
	expect_error(HEADER "node a\n  say x.y\n  on /(/ -> a\n  otherwise x.z retry 3 then a\n",
		     "t.flow:6: bad regex", "bad regex with its line");
	expect_error(HEADER
		     "node a\n  say x.y\n  on /x/ -> nowhere\n  otherwise x.z retry 3 then a\n",
		     "t.flow:6: no node nowhere in flow f", "unknown target");
	expect_error(HEADER "node a\n  say x.y\n  on /x/ -> a\n", "needs \"otherwise",
		     "input without otherwise");
	expect_error(HEADER "node a\n  say x.y\n  otherwise x.z retry 3 then a\n",
		     "has no \"on\" or \"option\"", "input with no way forward");
	expect_error(HEADER "node a\n  end x.y\nnode lost\n  end x.y\n",
		     "t.flow:6: node lost cannot be reached", "unreachable node");
	expect_error("flow f\n  trigger keyword GO\nnode a\n  end x.y\n",
		     "flow f has no \"start NODE\"", "flow without start");
	expect_error("flow f\n  start a\nnode a\n  end x.y\n", "flow f has no trigger",
		     "flow without trigger");
	expect_error(HEADER "node a\n  say nodot\n", "expected \"say KEY\"", "a key needs a dot");
	expect_error(HEADER
		     "node a\n  say x.y\n  option 1 x.z -> a\n  otherwise x.z retry 3 then a\n",
		     "option without a menu", "option outside a menu");
	expect_error(HEADER "node a\n  menu x.y\n  option 1 x.z -> a\n  option 1 x.w -> a\n"
			    "  otherwise x.z retry 3 then a\n",
		     "option 1 twice", "duplicate option");
	expect_error(HEADER "node a\n  say x.y\n  on /x/ -> a\n  otherwise x.z retry 0 then a\n",
		     "N 1..9", "retry count out of range");
	expect_error(HEADER "node a\n  say x.y\n  on /x/ -> a\n  otherwise x.z retry 3 then a\n"
			    "  timeout 9999s -> a\n",
		     "timeout must be 1s..3600s", "timeout out of range");
	expect_error(HEADER "  who everybody\nnode a\n  end x.y\n", "expected \"who", "bad who");
	expect_error(HEADER "  channel fax\nnode a\n  end x.y\n",
		     "expected \"global\", \"sender hidden\", \"channel", "bad channel");
	expect_error(HEADER "  channel ussd\nnode a\n  end x.y\n", "has no trigger on its channel",
		     "a USSD-only flow without a USSD code");
	expect_error(HEADER "node a\n  end x.y by-pigeon\n", "expected \"end KEY [sms|confirm]\"",
		     "end with an unknown flag");
	expect_error(HEADER "node a\n  end x.y\n  say x.z\n",
		     "node a ends: it can have nothing else", "end with more");
	expect_error("flow f\n  trigger keyword GO\n  start a\nnode a\n  end x.y\n"
		     "flow g\n  trigger keyword go\n  start a\nnode a\n  end x.y\n",
		     "keyword go of flow g and GO of flow f are both typed GO",
		     "same keyword in two flows, any case");
	expect_error("flow f\n  trigger keyword ТОҚТАТ\n  start a\nnode a\n  end x.y\n"
		     "flow g\n  trigger keyword ТОКТАТ\n  start a\nnode a\n  end x.y\n",
		     "keyword ТОКТАТ of flow g and ТОҚТАТ of flow f are both typed ТОКТАТ",
		     "two flows' keywords the same as a Russian keyboard types them");
	expect_error("flow f\n  trigger keyword ҚАЙД\n  start a\nnode a\n  end x.y\n"
		     "flow g\n  trigger keyword KAYD\n  start a\nnode a\n  end x.y\n",
		     "keyword KAYD of flow g and ҚАЙД of flow f are both typed KAYD",
		     "two flows' keywords the same in Latin letters");
	expect_error("flow f\n  trigger keyword TO'XTAT\n  start a\nnode a\n  end x.y\n"
		     "flow g\n  trigger keyword TOXTAT\n  start a\nnode a\n  end x.y\n",
		     "both typed TOXTAT", "two flows' keywords the same without the apostrophe");
	expect_error("flow f\n  trigger keyword "
		     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
		     "  start a\nnode a\n  end x.y\n",
		     "keyword AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "
		     "is too long",
		     "a keyword too long to be typed");
	expect_error("flow f\n  trigger ussd *1#\n  start a\nnode a\n  end x.y\n"
		     "flow g\n  trigger ussd *1#\n  start a\nnode a\n  end x.y\n",
		     "USSD code *1# of flow g is also f's", "same USSD code twice");

	char out[4096] = "";
	struct diag d;
	struct flow_set *set =
	    load("flow f\n  start nowhere\n  trigger keyword A\nnode a\n  say x\n  bogus\n", &d,
		 out, sizeof out);
	ok(!set, "several errors fail the load");
	ok(d.errors >= 3, "all of them counted (%d)", d.errors);
	ok(strstr(out, "t.flow:5:") && strstr(out, "t.flow:6:") && strstr(out, "t.flow:2:"),
	   "each with its own line");
}

/* A flow exercising every node kind. */
static const char demo[] = "flow demo\n"
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
			   "  locked -> gone\n"
			   "node where\n"
			   "  menu demo.where\n"
			   "    option 1 demo.home set location=home -> save  # a comment\n"
			   "    option 2 demo.work set location=work -> save\n"
			   "  otherwise demo.where_again retry 2 then gone\n"
			   "  timeout 120s -> late\n"
			   "node save\n"
			   "  action record_checkin\n"
			   "  ok -> done\n"
			   "  fail -> gone\n"
			   "node done\n"
			   "  end demo.done sms\n"
			   "node late\n"
			   "  end demo.late\n"
			   "node gone\n"
			   "  end demo.gone\n";

static void test_channels(void)
{
	struct diag d;
	diag_init(&d, stdout);
	struct flow_set *set =
	    flow_load_string("flow u\n  trigger keyword UONLY\n  trigger ussd *1#\n  channel ussd\n"
			     "  start a\nnode a\n  end x.y\n"
			     "flow s\n  trigger keyword SONLY\n  trigger ussd *2#\n  channel sms\n"
			     "  start a\nnode a\n  end x.y\n",
			     "c.flow", &d);
	ok(set != NULL, "channel sms and channel ussd load");
	if (!set)
		return;
	ok(!flow_find_keyword(set, "UONLY", 5), "a USSD-only flow is not started by SMS");
	ok(flow_find_ussd(set, "*1#") != NULL, "but by its code");
	ok(flow_find_keyword(set, "SONLY", 5) != NULL, "an SMS-only flow by its keyword");
	ok(!flow_find_ussd(set, "*2#"), "not by a USSD code");
	flow_set_unref(set);
}

/* What a step says ("" if nothing), the action it calls, its menu. */
static const char *said(const struct flow_step *st)
{
	const struct flow_effect *e = flow_step_effect(st, FLOW_EFFECT_say);
	return e && e->key ? e->key : "";
}

static int called(const struct flow_step *st)
{
	const struct flow_effect *e = flow_step_effect(st, FLOW_EFFECT_call);
	return e ? (int)e->action : -1;
}

static const struct flow_node *menu_of(const struct flow_step *st)
{
	const struct flow_effect *e = flow_step_effect(st, FLOW_EFFECT_say);
	return e ? e->menu : NULL;
}

static void test_steps(void)
{
	struct diag d;
	diag_init(&d, stdout);
	struct flow_set *set = flow_load_string(demo, "demo.flow", &d);
	ok(set != NULL, "the demo flow loads");
	if (!set)
		return;
	const struct flow *f = flow_find_keyword(set, "demo", 4);
	struct flow_session s;
	struct flow_step st;

	flow_start(set, f, "DEMO", 4, &s, &st);
	ok(st.kind == FLOW_STEP_WAIT && strcmp(said(&st), "demo.ask") == 0, "start asks");
	flow_input(set, &s, "12", 2, &st);
	ok(st.kind == FLOW_STEP_WAIT && strcmp(said(&st), "demo.again") == 0,
	   "a bad answer gets the retry text");
	is_str(flow_var_get(&s, "tries"), "2", "with two tries left");
	flow_input(set, &s, " 1234 ", 6, &st);
	ok(st.kind == FLOW_STEP_CALL && called(&st) == FLOW_ACTION_verify_pin,
	   "a PIN calls verify_pin");
	is_str(flow_var_get(&s, "pin"), "1234", "the named group is a variable");
	flow_resume(set, &s, FLOW_OUTCOME_fail, &st);
	ok(st.kind == FLOW_STEP_WAIT && strcmp(said(&st), "demo.wrong") == 0 && !menu_of(&st),
	   "fail goes back with the edge's own text");
	is_int(s.attempts, 0, "attempts start again at a new node");
	flow_input(set, &s, "4321", 4, &st);
	flow_resume(set, &s, FLOW_OUTCOME_ok, &st);
	ok(st.kind == FLOW_STEP_WAIT && strcmp(said(&st), "demo.where") == 0 && menu_of(&st),
	   "ok shows the menu");
	const struct flow_effect *timer = flow_step_effect(&st, FLOW_EFFECT_arm_timer);
	is_int(timer ? (int)timer->seconds : -1, 120, "with its timeout");
	is_int(menu_of(&st) ? (int)menu_of(&st)->option_count : -1, 2, "and its options");
	flow_input(set, &s, " 2\n", 3, &st);
	ok(st.kind == FLOW_STEP_CALL && called(&st) == FLOW_ACTION_record_checkin,
	   "an option leads on");
	is_str(flow_var_get(&s, "location"), "work", "and sets its variable");
	flow_resume(set, &s, FLOW_OUTCOME_ok, &st);
	ok(st.kind == FLOW_STEP_END && strcmp(said(&st), "demo.done") == 0, "the end says done");
	const struct flow_effect *copy = flow_step_effect(&st, FLOW_EFFECT_queue_sms);
	ok(copy && copy->to == FLOW_TO_SENDER, "and asks for an SMS copy (end KEY sms)");
	ok(flow_step_effect(&st, FLOW_EFFECT_end_session) != NULL, "and ends the session");
	is_int(s.flow, FLOW_NONE, "the session has no conversation after the end");
	flow_input(set, &s, "1", 1, &st);
	is_int(st.kind, FLOW_STEP_NOMATCH, "input with no conversation matches nothing");

	/* Locked and an outcome the node does not name. */
	flow_start(set, f, "DEMO", 4, &s, &st);
	flow_input(set, &s, "1111", 4, &st);
	flow_resume(set, &s, FLOW_OUTCOME_locked, &st);
	ok(st.kind == FLOW_STEP_END && strcmp(said(&st), "demo.gone") == 0, "locked ends");

	/* Retries run out. */
	flow_start(set, f, "DEMO", 4, &s, &st);
	flow_input(set, &s, "a", 1, &st);
	flow_input(set, &s, "b", 1, &st);
	flow_input(set, &s, "c", 1, &st);
	ok(st.kind == FLOW_STEP_END && strcmp(said(&st), "demo.gone") == 0,
	   "the third bad answer gives up");

	/* Timeouts: the node's edge, or the expiry notice. */
	flow_start(set, f, "DEMO", 4, &s, &st);
	flow_input(set, &s, "1234", 4, &st);
	flow_resume(set, &s, FLOW_OUTCOME_ok, &st);
	flow_timeout(set, &s, &st);
	ok(st.kind == FLOW_STEP_END && strcmp(said(&st), "demo.late") == 0,
	   "a timeout follows the node's edge");
	flow_start(set, f, "DEMO", 4, &s, &st);
	flow_timeout(set, &s, &st);
	ok(st.kind == FLOW_STEP_END && strcmp(said(&st), FLOW_KEY_EXPIRED) == 0,
	   "elsewhere it ends with the expiry notice");

	/* The trigger may answer the first question. */
	flow_start(set, f, "1234", 4, &s, &st);
	ok(st.kind == FLOW_STEP_CALL, "a trigger that matches the first pattern goes straight on");

	/* A hostile input: long, invalid UTF-8. */
	char junk[5000];
	memset(junk, 0xff, sizeof junk);
	flow_start(set, f, "DEMO", 4, &s, &st);
	flow_input(set, &s, junk, sizeof junk, &st);
	ok(st.kind == FLOW_STEP_WAIT && strcmp(said(&st), "demo.again") == 0,
	   "garbage is an unrecognised answer");

	struct flow_session v = {0};
	char big[FLOW_VAR_VALUE_MAX + 1];
	memset(big, 'x', sizeof big);
	is_int(flow_var_set(&v, "a", big, sizeof big), -1, "a value too long is refused");
	for (int i = 0; i < FLOW_VARS_MAX; i++) {
		char name[4] = {'v', (char)('0' + i), 0};
		flow_var_set(&v, name, "1", 1);
	}
	is_int(flow_var_set(&v, "more", "1", 1), -1, "no room for a ninth variable");
	is_int(flow_var_set(&v, "v0", "22", 2), 0, "an existing one can change");
	is_str(flow_var_get(&v, "v0"), "22", "to its new value");
	ok(flow_set_ref(set) == set && set->refs == 2, "ref counts");
	flow_set_unref(set);
	flow_set_unref(set);
	flow_set_unref(NULL);
}

int main(void)
{
	test_shipped();
	test_errors();
	test_steps();
	test_channels();
	return tap_done();
}
