/* Unit tests for gateway/lint.c: the shipped flows and catalogs pass; a
 * text no catalog has, a text too long for a USSD page in one language and
 * a text over a flow's SMS budget are each reported with the flow file and
 * line that uses it (a node's own texts at the node's line, an edge's text
 * at the edge's line); every error is counted and nothing is returned. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lint.h"
#include "tap.h"

struct result {
	int rc;
	int errors;
	bool flows, locales; /* something was returned */
	char out[8192];      /* the diagnostics */
};

/* Lints flows_dir with locales_dir, as chabard -n does. */
static void lint(const char *flows_dir, const char *locales_dir, struct result *r)
{
	memset(r, 0, sizeof *r);
	FILE *f = fmemopen(r->out, sizeof r->out - 1, "w");
	setvbuf(f, NULL, _IONBF, 0);
	struct diag d;
	diag_init(&d, f);
	struct flow_set *flows = (struct flow_set *)1;
	struct locales *locales = (struct locales *)1;
	r->rc = lint_load(flows_dir, locales_dir, LINT_ENGINE_BUDGET, &d, &flows, &locales);
	fclose(f);
	r->errors = d.errors;
	r->flows = flows != NULL;
	r->locales = locales != NULL;
	if (r->rc == 0) {
		flow_set_unref(flows);
		locales_unref(locales);
	}
}

static void show(const struct result *r)
{
	printf("# diagnostics (%d):\n", r->errors);
	for (const char *s = r->out; *s;) {
		const char *nl = strchr(s, '\n');
		int len = nl ? (int)(nl - s) : (int)strlen(s);
		printf("#   %.*s\n", len, s);
		s += len + (nl ? 1 : 0);
	}
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	size_t n = fwrite(text, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *data = malloc(256 * 1024 + 1);
	*len = data ? fread(data, 1, 256 * 1024, f) : 0;
	fclose(f);
	if (data)
		data[*len] = '\0';
	return data;
}

/* Copies the catalogs of from into dir (the same directory is fine), with
 * the text of key in lang replaced by text (lang NULL: unchanged). */
static int copy_catalogs(const char *from_dir, const char *dir, const char *lang, const char *key,
			 const char *text)
{
	for (size_t i = 0; i < locales_language_count(); i++) {
		const char *code = locales_language_code(i);
		char from[512], to[512];
		snprintf(from, sizeof from, "%s/%s.po", from_dir, code);
		snprintf(to, sizeof to, "%s/%s.po", dir, code);
		size_t len;
		char *po = read_file(from, &len);
		if (!po)
			return -1;
		int rc = 0;
		if (lang && strcmp(lang, code) == 0) {
			/* msgid "KEY"\nmsgstr "…" up to the blank line after it */
			char msgid[128];
			snprintf(msgid, sizeof msgid, "msgid \"%s\"\n", key);
			char *at = strstr(po, msgid);
			char *end = at ? strstr(at, "\n\n") : NULL;
			if (!at || !end) {
				free(po);
				return -1;
			}
			FILE *f = fopen(to, "w");
			if (!f) {
				free(po);
				return -1;
			}
			fwrite(po, 1, (size_t)(at - po), f);
			fprintf(f, "%smsgstr \"%s\"", msgid, text);
			fputs(end, f);
			rc = fclose(f);
		} else {
			rc = write_file(to, po, len);
		}
		free(po);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* A scratch directory with flows/ and locales/ in it. */
struct scratch {
	char root[64];
	char flows[96];
	char locales[96];
};

static int scratch_make(struct scratch *s)
{
	snprintf(s->root, sizeof s->root, "/tmp/t_lint.XXXXXX");
	if (!mkdtemp(s->root))
		return -1;
	snprintf(s->flows, sizeof s->flows, "%s/flows", s->root);
	snprintf(s->locales, sizeof s->locales, "%s/locales", s->root);
	return mkdir(s->flows, 0700) == 0 && mkdir(s->locales, 0700) == 0 ? 0 : -1;
}

static void empty_dir(const char *dir)
{
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	for (struct dirent *e; (e = readdir(dh)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(dh);
}

static void scratch_remove(struct scratch *s)
{
	empty_dir(s->flows);
	empty_dir(s->locales);
	rmdir(s->flows);
	rmdir(s->locales);
	ok(rmdir(s->root) == 0, "scratch directory %s removed", s->root);
}

static int add_flow(const struct scratch *s, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", s->flows, name);
	return write_file(path, text, strlen(text));
}

/* Cyrillic: n characters, 2 bytes each. */
static void cyrillic(char *out, size_t n)
{
	static const char *const letters[] = {"О", "т", "м", "е", "к", "а", "ы", "я"};
	for (size_t i = 0; i < n; i++)
		memcpy(out + 2 * i, letters[i % 8], 2);
	out[2 * n] = '\0';
}

/* A scratch directory whose catalogs are the shipped ones but for key in
 * lang, which is n Cyrillic letters; 0, or -1 after a failing test line. */
static int scratch_with_text(struct scratch *s, const char *lang, const char *key, size_t n)
{
	char text[2 * 128 + 1];
	cyrillic(text, n < 128 ? n : 128);
	if (scratch_make(s) == 0 && copy_catalogs(LOCALES_DIR, s->locales, lang, key, text) == 0)
		return 0;
	ok(0, "scratch directory");
	return -1;
}

static void test_shipped(void)
{
	struct result r;
	lint(FLOWS_DIR, LOCALES_DIR, &r);
	is_int(r.rc, 0, "the shipped flows and catalogs pass");
	is_int(r.errors, 0, "without errors");
	if (r.errors)
		show(&r);
	ok(r.flows && r.locales, "and both are returned");

	lint("/nonexistent/flows", LOCALES_DIR, &r);
	is_int(r.rc, -1, "a missing flows directory fails");
	ok(!r.flows && !r.locales, "nothing is returned");
	ok(strstr(r.out, "/nonexistent/flows") != NULL, "the directory is named");
	lint(FLOWS_DIR, "/nonexistent/locales", &r);
	is_int(r.rc, -1, "a missing locales directory fails");
	ok(!r.flows && !r.locales, "nothing is returned either");
}

static void test_unknown_key(void)
{
	struct scratch s;
	if (scratch_make(&s) < 0 || copy_catalogs(LOCALES_DIR, s.locales, NULL, NULL, NULL) < 0) {
		ok(0, "scratch directory");
		return;
	}
	add_flow(&s, "odd.flow",
		 "# a flow with a text nobody wrote\n"
		 "flow odd\n"
		 "  trigger keyword ODD\n"
		 "  start show\n"
		 "\n"
		 "node show\n"
		 "  end odd.missing_text\n");
	struct result r;
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "a text in no catalog fails the lint");
	is_int(r.errors, 1, "one error");
	ok(!r.flows && !r.locales, "nothing is returned");
	char where[256];
	snprintf(where, sizeof where, "%s/odd.flow:6: text odd.missing_text is in no catalog",
		 s.flows);
	ok(strstr(r.out, where) != NULL, "it names the flow file and line");
	if (!strstr(r.out, where))
		show(&r);

	/* The same key on an edge: the edge's own line. */
	add_flow(&s, "odd.flow",
		 "flow odd\n"
		 "  trigger keyword ODD\n"
		 "  start ask\n"
		 "node ask\n"
		 "  say checkin.ask_pin\n"
		 "  on /^\\d{4}$/ -> act\n"
		 "  otherwise odd.retry_text retry 3 then done\n"
		 "node act\n"
		 "  action opt_out\n"
		 "  ok odd.edge_text -> done\n"
		 "  fail -> done\n"
		 "node done\n"
		 "  end global.cancelled\n");
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "unknown texts on an edge and a retry fail");
	is_int(r.errors, 2, "two errors, both counted");
	snprintf(where, sizeof where, "%s/odd.flow:10: text odd.edge_text", s.flows);
	ok(strstr(r.out, where) != NULL, "the edge's line");
	snprintf(where, sizeof where, "%s/odd.flow:4: text odd.retry_text", s.flows);
	ok(strstr(r.out, where) != NULL, "the retry text with its node's line");
	if (r.errors != 2)
		show(&r);
	scratch_remove(&s);
}

static void test_too_long_for_ussd(void)
{
	struct scratch s;
	if (scratch_with_text(&s, "ru", "checkin.ask_pin", 100) < 0)
		return;
	add_flow(&s, "long.flow",
		 "flow long\n"
		 "  trigger keyword LONG\n"
		 "  budget 3\n"
		 "  start show\n"
		 "node show\n"
		 "  end checkin.ask_pin\n");
	struct result r;
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "100 Cyrillic characters in ru fail the lint");
	is_int(r.errors, 1, "one error: only Russian is too long");
	ok(!r.flows && !r.locales, "nothing is returned");
	char where[256];
	snprintf(where, sizeof where,
		 "%s/long.flow:5: checkin.ask_pin in ru takes 100 ucs2 characters: more than a "
		 "USSD page (80)",
		 s.flows);
	ok(strstr(r.out, where) != NULL, "it names ru, the flow file and line, and the limit");
	if (!strstr(r.out, where))
		show(&r);

	/* A menu: its title and options count together. */
	char text[2 * 60 + 1];
	cyrillic(text, 60);
	copy_catalogs(LOCALES_DIR, s.locales, "ru", "checkin.where", text);
	add_flow(&s, "long.flow",
		 "flow long\n"
		 "  trigger keyword LONG\n"
		 "  start ask\n"
		 "node ask\n"
		 "  menu checkin.where\n"
		 "    option 1 checkin.at_home -> done\n"
		 "    option 2 checkin.at_work -> done\n"
		 "    option 3 checkin.elsewhere -> done\n"
		 "  otherwise global.unknown retry 2 then done\n"
		 "node done\n"
		 "  end global.cancelled\n");
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "a 60-character title with three options fails");
	snprintf(where, sizeof where, "%s/long.flow:4: checkin.where with its menu in ru", s.flows);
	ok(strstr(r.out, where) != NULL, "as a menu, at the node's line");
	if (!strstr(r.out, where))
		show(&r);
	scratch_remove(&s);
}

static void test_over_budget(void)
{
	struct scratch s;
	if (scratch_with_text(&s, "ru", "checkin.ask_pin", 75) < 0)
		return;
	static const char flow[] = "flow tight\n"
				   "  trigger keyword TIGHT\n"
				   "  budget 1\n"
				   "  start show\n"
				   "node show\n"
				   "  end checkin.ask_pin\n";
	add_flow(&s, "tight.flow", flow);
	struct result r;
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "75 Cyrillic characters under budget 1 fail the lint");
	is_int(r.errors, 1, "one error");
	ok(!r.flows && !r.locales, "nothing is returned");
	char where[256];
	snprintf(where, sizeof where,
		 "%s/tight.flow:5: checkin.ask_pin in ru takes 2 SMS parts: the budget is 1",
		 s.flows);
	ok(strstr(r.out, where) != NULL, "it is about the budget, with file and line");
	ok(strstr(r.out, "USSD") == NULL, "not about the USSD page: 75 fit");
	if (!strstr(r.out, where))
		show(&r);

	/* The default budget (2) lets the same text through. */
	char relaxed[sizeof flow];
	size_t n = 0;
	for (const char *line = flow; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line) + 1;
		if (strncmp(line, "  budget", 8) != 0) {
			memcpy(relaxed + n, line, len);
			n += len;
		}
		line += len;
	}
	relaxed[n] = '\0';
	add_flow(&s, "tight.flow", relaxed);
	lint(s.flows, s.locales, &r);
	is_int(r.rc, 0, "without \"budget 1\" the same text passes");
	if (r.rc != 0)
		show(&r);

	/* Everything at once: every error is counted. */
	add_flow(&s, "tight.flow", flow);
	add_flow(&s, "odd.flow",
		 "flow odd\n  trigger keyword ODD\n  start show\nnode show\n  end odd.nothing\n");
	char big[2 * 90 + 1];
	cyrillic(big, 90);
	copy_catalogs(s.locales, s.locales, "ru", "global.expired", big); /* an engine text */
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "several problems fail together");
	is_int(r.errors, 3, "each counted: the budget, the unknown key, the engine text");
	ok(strstr(r.out, "tight.flow:5: checkin.ask_pin in ru takes 2 SMS parts") != NULL,
	   "the budget");
	ok(strstr(r.out, "odd.flow:4: text odd.nothing") != NULL, "the unknown key");
	snprintf(where, sizeof where, "%s: global.expired in ru takes 90 ucs2", s.locales);
	ok(strstr(r.out, where) != NULL, "the engine text, named by the catalogs' directory");
	const char *first = strstr(r.out, "global.expired in ru");
	ok(first && !strstr(first + 1, "global.expired in ru"), "once, not twice");
	ok(!r.flows && !r.locales, "nothing is returned");
	if (r.errors != 3)
		show(&r);
	scratch_remove(&s);
}

/* A text's own budget (en.po's "#. budget: 1" above global.help) holds
 * whatever budget the flow that shows it has. */
static void test_text_budget(void)
{
	struct scratch s;
	if (scratch_with_text(&s, "kk", "global.help", 71) < 0)
		return;
	add_flow(&s, "help.flow",
		 "flow help\n  trigger keyword HELP\n  budget 3\n  start show\n"
		 "node show\n  end global.help\n");
	struct result r;
	lint(s.flows, s.locales, &r);
	is_int(r.rc, -1, "71 Cyrillic characters of HELP fail: its own budget is one SMS");
	char where[256];
	snprintf(where, sizeof where,
		 "%s/help.flow:5: global.help in kk takes 2 SMS parts: the budget is 1", s.flows);
	ok(strstr(r.out, where) != NULL, "it says so, with file and line, despite \"budget 3\"");
	if (!strstr(r.out, where))
		show(&r);
	scratch_remove(&s);
}

int main(void)
{
	test_shipped();
	test_unknown_key();
	test_too_long_for_ussd();
	test_over_budget();
	test_text_budget();
	return tap_done();
}
