/* Unit tests for gateway/cfg.c: defaults, every value type, every error,
 * reload comparison, peer allowlist, and that contrib/chabar.conf documents
 * every key. */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdlib.h>

#include "cfg.h"
#include "kannel.h"
#include "tap.h"

#define KEY_LINE                                                                                   \
	"[conversation]\npin_key = "                                                               \
	"cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90\n"                       \
	"[kannel]\nkey = b3671098ae14e76e0656\n"

/* Loads text, capturing diagnostics into out[]. */
static struct cfg *load(const char *text, struct diag *d, char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	setvbuf(f, NULL, _IONBF, 0);
	diag_init(d, f);
	struct cfg *c = cfg_load_string(text, "t.conf", d);
	fclose(f);
	return c;
}

static void expect_error(const char *text, const char *message, const char *what)
{
	char out[2048] = "";
	struct diag d;
	struct cfg *c = load(text, &d, out, sizeof out);
	ok(!c && strstr(out, message) != NULL, "%s", what);
	if (c || !strstr(out, message))
		printf("#   diagnostics: %s\n", out);
	cfg_unref(c);
}

static void test_defaults(void)
{
	char out[1024] = "";
	struct diag d;
	struct cfg *c = load(KEY_LINE, &d, out, sizeof out);
	ok(c != NULL, "a config with only the key loads");
	if (!c)
		return;
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&c->listen.sa;
	is_int(v4->sin_family, AF_INET, "default listen is IPv4");
	is_int(ntohs(v4->sin_port), 13080, "default port 13080");
	is_int(c->synchronous, CFG_SYNC_FULL, "synchronous defaults to full");
	is_int(c->listen_backlog, 1024, "backlog default at least 512");
	is_int(c->max_body, 262144, "max_body default: the longest MO Kannel sends fits");
	is_int(c->kannel_allow.count, 0, "no Kannel allowlist by default");
	is_int(c->status_allow.count, 2, "/health and /metrics: loopback only by default");
	is_int(c->max_connections, 4096, "sized for thousands of peers");
	is_str(cfg_default_language(c), "ru", "Russian is the default language");
	is_int(c->pin_attempts, 3, "three PIN attempts by default");
	is_int(c->store_backend, CFG_STORE_SQLITE, "SQLite is the default store");
	is_int(c->store_timeout_ms, 2000, "PostgreSQL waited for 2 s at most");
	cfg_unref(c);

	c = load(KEY_LINE
		 "[store]\nbackend = postgresql\nuri = "
		 "postgresql://chabar@db1:5432,db2:5432/chabar?target_session_attrs=read-write\n",
		 &d, out, sizeof out);
	ok(c && c->store_backend == CFG_STORE_POSTGRESQL, "[store] backend = postgresql, a URI");
	cfg_unref(c);
}

static void test_values(void)
{
	char out[1024] = "";
	struct diag d;
	struct cfg *c = load("[chabard]\n"
			     "listen = [::1]:0\n"
			     "database = /tmp/x.db ; inline comment\n"
			     "synchronous = full\n"
			     "log = syslog\n"
			     "log_level = debug\n"
			     "max_body = 2048\n"
			     "idle_timeout = 5\r\n" KEY_LINE "allow = 127.0.0.1, ::1 10.0.0.2\n"
			     "[conversation]\ndefault_language = ky\n"
			     "[box]\nbearerbox = localhost:13001\n",
			     &d, out, sizeof out);
	ok(c != NULL, "every key type parses");
	if (!c) {
		printf("# %s\n", out);
		return;
	}
	is_int(c->listen.sa.ss_family, AF_INET6, "[::1] is IPv6");
	is_str(c->database, "/tmp/x.db", "inline comment stripped");
	is_int(c->synchronous, CFG_SYNC_FULL, "synchronous full");
	is_int(c->log_target, LOG_TARGET_SYSLOG, "log syslog");
	is_int(c->log_level, LOG_LEVEL_DEBUG, "log level debug");
	is_int(c->max_body, 2048, "max_body");
	is_int(c->idle_timeout, 5, "CRLF line ending accepted");
	is_int(c->kannel_allow.count, 3, "three allowed addresses");
	is_str(cfg_default_language(c), "ky", "default language");
	const struct sockaddr_in *box = (const struct sockaddr_in *)&c->box_bearerbox.sa;
	ok((box->sin_family == AF_INET || box->sin_family == AF_INET6) &&
	       ntohs(box->sin_port) == 13001,
	   "[box] bearerbox: a host name, resolved when the config is read");

	struct sockaddr_in peer = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
	ok(cfg_allowed(&c->kannel_allow, (struct sockaddr *)&peer), "127.0.0.1 allowed");
	inet_pton(AF_INET, "10.0.0.3", &peer.sin_addr);
	ok(!cfg_allowed(&c->kannel_allow, (struct sockaddr *)&peer), "10.0.0.3 refused");
	struct sockaddr_in6 peer6 = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, "::1", &peer6.sin6_addr);
	ok(cfg_allowed(&c->kannel_allow, (struct sockaddr *)&peer6), "::1 allowed");
	inet_pton(AF_INET6, "::ffff:10.0.0.2", &peer6.sin6_addr);
	ok(cfg_allowed(&c->kannel_allow, (struct sockaddr *)&peer6),
	   "IPv4-mapped peer matches IPv4 entry");
	cfg_unref(c);
}

static void test_box_without_key(void)
{
	char out[1024] = "";
	struct diag d;
	struct cfg *c = load("[conversation]\npin_key = "
			     "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90\n"
			     "[box]\nbearerbox = 127.0.0.1:13001\n",
			     &d, out, sizeof out);
	ok(c && !c->kannel_enabled && !kannel_key_ok(c, "", 0),
	   "a box needs no [kannel] key; then /kannel/mo takes no key at all");
	cfg_unref(c);
}

static void test_errors(void)
{
	expect_error("[chabard]\nlisten = 127.0.0.1:13080\n", "t.conf: [kannel] key is required",
		     "missing key reported");
	expect_error(KEY_LINE "colour = red\n", "t.conf:5: unknown key \"colour\" in [kannel]",
		     "unknown key with file:line");
	expect_error(KEY_LINE "[smsbox]\nx = 1\n", "t.conf:6: unknown section [smsbox]",
		     "unknown section");
	expect_error(KEY_LINE "key = 0123456789abcdef0124\n",
		     "t.conf:5: key is set twice (first on line 4)", "duplicate key");
	expect_error(KEY_LINE "[chabard]\nmax_body = 12x\n",
		     "t.conf:6: [chabard] max_body: \"12x\" is not a whole number", "non-number");
	expect_error(KEY_LINE "[chabard]\nmax_body = 10\n",
		     "t.conf:6: [chabard] max_body: 10 is outside 1024..16777216",
		     "number out of range");
	expect_error(KEY_LINE "[chabard]\nlisten_backlog = 128\n",
		     "listen_backlog: 128 is outside 512..", "backlog below 512 refused");
	expect_error(KEY_LINE "[chabard]\nsynchronous = sometimes\n",
		     "t.conf:6: [chabard] synchronous: \"sometimes\" is not one of normal full",
		     "bad enum");
	expect_error(KEY_LINE "[chabard]\nlisten = localhost:80\n", "is not a numeric IP address",
		     "host names refused (no blocking DNS)");
	expect_error(KEY_LINE "[chabard]\nlisten = 127.0.0.1\n", "is not address:port", "no port");
	expect_error(KEY_LINE "[box]\nbearerbox = no-such-host.invalid:13001\n",
		     "\"no-such-host.invalid\" is no host name this machine can resolve",
		     "[box] bearerbox: a name that does not resolve");
	expect_error(KEY_LINE "[sendsms]\nvia = box\nfrom = 384\n",
		     "t.conf: [sendsms] via = box needs [box] bearerbox",
		     "the outbox through the box needs the box");
	expect_error(KEY_LINE "[box]\nbearerbox = 127.0.0.1:13001\n[sendsms]\nvia = box\n",
		     "needs [sendsms] from: the box sets the sender itself",
		     "and a sender: bearerbox sets none");
	expect_error(KEY_LINE "[store]\nbackend = postgresql\n",
		     "[store] backend = postgresql needs [store] uri", "PostgreSQL needs its URI");
	expect_error(KEY_LINE
		     "[store]\nbackend = postgresql\nuri = postgresql://db1/x?colour=red\n",
		     "[store] uri: libpq cannot read it (not shown here: it may hold a password)",
		     "a URI libpq cannot read, not echoed");
	expect_error(KEY_LINE "[store]\nbackend = postgresql\nuri = postgresql://u:p@ss@db1/x\n",
		     "a host holds '@'", "a password's '@' not percent-encoded");
	expect_error(KEY_LINE "[store]\nbackend = mysql\n", "backend", "no other engine");
	expect_error(KEY_LINE "[chabard]\nlisten = 127.0.0.1:70000\n", "is not a port number",
		     "port out of range");
	expect_error("[kannel]\nkey = short\n", "[kannel] key: is shorter than 16 characters",
		     "short key refused");
	expect_error("[kannel]\nkey = change-me-to-a-long-random-secret\n",
		     "[kannel] key: looks like a placeholder; a shared secret must be random: make "
		     "one with: openssl rand -hex 32",
		     "the sample's placeholder refused, with how to make a key");
	expect_error("[kannel]\nkey = 0123456789abcdef0123\n", "key: has runs of repeated",
		     "a keyboard run refused");
	expect_error("[kannel]\nkey = abc123abc123abc123\n", "key: repeats a pattern",
		     "a repeated pattern refused");
	expect_error("[kannel]\nkey = aaaaaaaabbbbbbbbaaaaaaab\n", "key: has too few different",
		     "two letters refused");
	expect_error("[kannel]\nkey = b3671098ae14e76e0656\n[ussd]\nkey = ShortOne\n",
		     "[ussd] key: is shorter than 16", "the USSD key too");
	expect_error("[kannel]\nkey = b3671098ae14e76e0656\n[conversation]\npin_key = "
		     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		     "[conversation] pin_key: repeats a pattern; the master key must be random: "
		     "make one with: openssl rand -hex 32",
		     "the sample's master key refused");
	expect_error(KEY_LINE "allow = 127.0.0.1 nonsense\n",
		     "\"nonsense\" is not a numeric IP address", "bad allow entry");
	expect_error(KEY_LINE "[chabard\n", "t.conf:5: section header without ']'",
		     "unclosed section");
	expect_error(KEY_LINE "just words\n", "t.conf:5: expected key = value", "line without =");
	expect_error(KEY_LINE "[chabard]\ndatabase =\n", "database: must not be empty",
		     "empty string");

	char long_line[400];
	memset(long_line, 'x', sizeof long_line);
	memcpy(long_line, "allow =     ", 12);
	long_line[sizeof long_line - 1] = '\0';
	char text[1024];
	snprintf(text, sizeof text, KEY_LINE "%s\n", long_line);
	expect_error(text, "t.conf:5: line longer than", "over-long line reported with its line");

	/* Every error is counted, not just the first. */
	char out[2048] = "";
	struct diag d;
	struct cfg *c = load("[chabard]\nmax_body = x\nfoo = 1\nbar\n[kannel]\nkey = short\n", &d,
			     out, sizeof out);
	ok(!c, "several errors fail the load");
	is_int(d.errors, 5, "all five errors counted (the PIN key is missing too)");
	ok(strstr(out, "t.conf:2:") && strstr(out, "t.conf:3:") && strstr(out, "t.conf:4:") &&
	       strstr(out, "t.conf:6:"),
	   "each error names its own line");
}

static void test_file(void)
{
	struct diag d;
	diag_init(&d, fopen("/dev/null", "w"));
	ok(cfg_load("/nonexistent/chabar.conf", &d) == NULL && d.errors == 1,
	   "missing file is one error");
	fclose(d.out);

	/* The shipped example documents every key, and its placeholders must
	 * be replaced before it runs: as shipped it is refused, naming both
	 * secrets; with real ones it loads. */
	char path[512];
	snprintf(path, sizeof path, "%s/chabar.conf", CONTRIB_DIR);
	FILE *f = fopen(path, "r");
	static char text[65536];
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	char out[2048] = "";
	struct cfg *c = load(text, &d, out, sizeof out);
	ok(!c && d.errors == 2 && strstr(out, "[kannel] key: looks like a placeholder") &&
	       strstr(out, "[conversation] pin_key: repeats a pattern"),
	   "contrib/chabar.conf as shipped is refused, both secrets named");
	cfg_unref(c);
	static char real[sizeof text];
	const char *key = strstr(text, "\nkey = change-me-to-a-long-random-secret\n");
	const char *pin = strstr(text, "\npin_key = 0011");
	ok(key && pin && key < pin, "its placeholders are where they were");
	if (key && pin && key < pin) {
		snprintf(real, sizeof real,
			 "%.*s\nkey = b3671098ae14e76e0656\n%.*s\npin_key = %s\n%s",
			 (int)(key - text), text, (int)(pin - strchr(key + 1, '\n') - 1),
			 strchr(key + 1, '\n') + 1,
			 "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90",
			 strchr(pin + 1, '\n') + 1);
		c = load(real, &d, out, sizeof out);
		ok(c != NULL, "contrib/chabar.conf with real secrets loads");
		if (!c)
			printf("#   diagnostics: %s\n", out);
		cfg_unref(c);
	}
	for (size_t i = 0; i < cfg_key_count(); i++) {
		const char *section;
		const char *name = cfg_key_name(i, &section);
		char line[128];
		snprintf(line, sizeof line, "\n%s =", name);
		ok(strstr(text, line) != NULL, "contrib/chabar.conf documents %s", name);
	}
}

static void test_restart_keys(void)
{
	char out[1024];
	struct diag d;
	struct cfg *a = load(KEY_LINE "[chabard]\nlisten = 127.0.0.1:1\nmax_body = 2048\n", &d, out,
			     sizeof out);
	struct cfg *b = load(KEY_LINE "[chabard]\nlisten = 127.0.0.1:2\nmax_body = 4096\n", &d, out,
			     sizeof out);
	char keys[128];
	cfg_restart_keys(a, b, keys, sizeof keys);
	is_str(keys, "listen", "only listen needs a restart; max_body applies live");
	cfg_restart_keys(a, a, keys, sizeof keys);
	is_str(keys, "", "no change, no restart");
	ok(cfg_ref(a) == a && a->refs == 2, "cfg_ref counts");
	cfg_unref(a);
	cfg_unref(a);
	cfg_unref(b);
	cfg_unref(NULL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_defaults();
	test_values();
	test_errors();
	test_box_without_key();
	test_file();
	test_restart_keys();
	return tap_done();
}
