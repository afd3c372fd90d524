/* cfg — see cfg.h. Keys are declared once, in cfg_keys[]; defaults go
 * through the same parsers as file values, so a default can never be a value
 * the file could not hold. */
#include "cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <netdb.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "db.h"
#include "locale.h"
#include "outbox.h"
#include "secret.h"

#ifndef CHABAR_LOCALSTATEDIR
#define CHABAR_LOCALSTATEDIR "/var"
#endif
#ifndef CHABAR_PKGDATADIR
#define CHABAR_PKGDATADIR "/usr/share/chabar"
#endif

#define CFG_FILE_MAX (256 * 1024)

struct cfg_key;
typedef int (*cfg_parse_fn)(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			    size_t why_size);

struct cfg_key {
	const char *section;
	const char *name;
	cfg_parse_fn parse;
	size_t offset;
	const char *fallback;       /* default; NULL: the key is required */
	unsigned min, max;          /* for numbers */
	const char *const *choices; /* for enums, NULL-terminated */
	bool restart;               /* a new value needs a restart */
};

static int parse_address(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_peer(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_string(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_text(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_secret(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_ussd_key(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_kannel_key(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_uint(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_choice(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_allow(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_pin_key(struct cfg *, const struct cfg_key *, const char *, char *, size_t);
static int parse_before(struct cfg *, const struct cfg_key *, const char *, char *, size_t);

static const char *const sync_names[] = {"normal", "full", NULL};
static const char *const via_names[] = {"http", "box", NULL};
static const char *const store_names[] = {"sqlite", "postgresql", NULL};
static const char *const standby_names[] = {"optional", "required", NULL};
static const char *const target_names[] = {"stderr", "syslog", NULL};
static const char *const level_names[] = {"debug", "info", "warn", "error", NULL};
static const char *const language_names[] = {
#define X(code, name) #code,
    LOCALE_LANGUAGES(X)
#undef X
	NULL};

#define OFF(field) offsetof(struct cfg, field)
static const struct cfg_key cfg_keys[] = {
    {"chabard", "listen", parse_address, OFF(listen), "127.0.0.1:13080", 0, 0, NULL, true},
    {"chabard", "database", parse_string, OFF(database),
     CHABAR_LOCALSTATEDIR "/lib/chabar/chabar.db", 0, 0, NULL, true},
    {"chabard", "synchronous", parse_choice, OFF(synchronous), "full", 0, 0, sync_names, true},
    {"chabard", "batch_max", parse_uint, OFF(batch_max), "64", 1, 1024, NULL, false},
    {"chabard", "batch_wait_ms", parse_uint, OFF(batch_wait_ms), "1", 0, 1000, NULL, false},
    {"chabard", "log", parse_choice, OFF(log_target), "stderr", 0, 0, target_names, true},
    {"chabard", "log_level", parse_choice, OFF(log_level), "info", 0, 0, level_names, false},
    {"chabard", "max_body", parse_uint, OFF(max_body), "262144", 1024, 16u << 20, NULL, false},
    {"chabard", "max_header", parse_uint, OFF(max_header), "32768", 4096, 1u << 20, NULL, true},
    {"chabard", "max_connections", parse_uint, OFF(max_connections), "4096", 1, 60000, NULL, true},
    {"chabard", "max_connections_per_address", parse_uint, OFF(max_connections_per_address), "1024",
     1, 60000, NULL, true},
    {"chabard", "idle_timeout", parse_uint, OFF(idle_timeout), "30", 1, 3600, NULL, true},
    {"chabard", "request_timeout", parse_uint, OFF(request_timeout), "10", 1, 600, NULL, true},
    {"chabard", "status_allow", parse_allow, OFF(status_allow), "127.0.0.1 ::1", 0, 0, NULL, false},
    {"chabard", "listen_backlog", parse_uint, OFF(listen_backlog), "1024", 512, 65535, NULL, true},
    {"chabard", "drain_timeout", parse_uint, OFF(drain_timeout), "10", 0, 600, NULL, false},
    {"kannel", "key", parse_kannel_key, OFF(kannel_key_hash), "", 0, 0, NULL, false},
    {"kannel", "allow", parse_allow, OFF(kannel_allow), "", 0, 0, NULL, false},
    {"ussd", "key", parse_ussd_key, OFF(ussd_key_hash), "", 0, 0, NULL, false},
    {"ussd", "allow", parse_allow, OFF(ussd_allow), "", 0, 0, NULL, false},
    {"ussd", "step_timeout", parse_uint, OFF(ussd_step_timeout), "30", 5, 600, NULL, false},
    {"ussd", "total_timeout", parse_uint, OFF(ussd_total_timeout), "180", 30, 3600, NULL, false},
    {"ussd", "smpp_op_begin", parse_uint, OFF(smpp_op_begin), "1", 0, 255, NULL, false},
    {"ussd", "smpp_op_answer", parse_uint, OFF(smpp_op_answer), "18", 0, 255, NULL, false},
    {"ussd", "smpp_op_continue", parse_uint, OFF(smpp_op_continue), "2", 0, 255, NULL, false},
    {"ussd", "smpp_op_end", parse_uint, OFF(smpp_op_end), "17", 0, 255, NULL, false},
    {"store", "backend", parse_choice, OFF(store_backend), "sqlite", 0, 0, store_names, true},
    {"store", "uri", parse_text, OFF(store_uri), "", 0, 0, NULL, true},
    {"store", "timeout_ms", parse_uint, OFF(store_timeout_ms), "2000", 100, 60000, NULL, true},
    {"store", "standby", parse_choice, OFF(store_standby), "required", 0, 0, standby_names, true},
    {"store", "connections", parse_uint, OFF(store_connections), "3", 1, 8, NULL, true},
    {"box", "bearerbox", parse_peer, OFF(box_bearerbox), "", 0, 0, NULL, true},
    {"box", "id", parse_text, OFF(box_id), "", 0, 0, NULL, true},
    {"sendsms", "via", parse_choice, OFF(sendsms_via), "http", 0, 0, via_names, true},
    {"sendsms", "url", parse_text, OFF(sendsms_url), "", 0, 0, NULL, true},
    {"sendsms", "username", parse_text, OFF(sendsms_user), "chabar", 0, 0, NULL, true},
    {"sendsms", "password", parse_text, OFF(sendsms_password), "", 0, 0, NULL, true},
    {"sendsms", "from", parse_text, OFF(sendsms_from), "", 0, 0, NULL, true},
    {"sendsms", "smsc", parse_text, OFF(sendsms_smsc), "", 0, 0, NULL, true},
    {"sendsms", "dlr_url", parse_text, OFF(dlr_url), "http://127.0.0.1:13080/kannel/dlr", 0, 0,
     NULL, true},
    {"sendsms", "in_flight", parse_uint, OFF(sendsms_in_flight), "16", 1, OUTBOX_IN_FLIGHT_MAX,
     NULL, true},
    {"sendsms", "rate", parse_uint, OFF(sendsms_rate), "30", 0, 10000, NULL, true},
    {"sendsms", "timeout", parse_uint, OFF(sendsms_timeout), "10", 1, 120, NULL, true},
    {"sendsms", "max_age", parse_uint, OFF(sendsms_max_age), "86400", 60, 604800, NULL, true},
    {"reminders", "before", parse_before, 0, "3d 1d 2h", 60, 60 * 86400, NULL, false},
    {"alerts", "deliver_within", parse_uint, OFF(alert_deliver_within), "900", 5, 86400, NULL,
     false},
    {"tips", "daily_limit", parse_uint, OFF(tip_daily_limit), "5", 1, 1000, NULL, false},
    {"tips", "join_gap", parse_uint, OFF(tip_join_gap), "120", 10, 3600, NULL, false},
    {"tips", "acknowledge_within", parse_uint, OFF(tip_ack_within), "900", 60, 86400, NULL, false},
    {"tips", "relay_days", parse_uint, OFF(tip_relay_days), "90", 1, 3650, NULL, false},
    {"tips", "description_max", parse_uint, OFF(tip_description_max), "1000", 100, 4000, NULL,
     false},
    {"retention", "message_days", parse_uint, OFF(retention_message_days), "180", 1, 36500, NULL,
     false},
    {"conversation", "flows", parse_string, OFF(flows_dir), CHABAR_PKGDATADIR "/flows", 0, 0, NULL,
     false},
    {"conversation", "locales", parse_string, OFF(locales_dir), CHABAR_PKGDATADIR "/locales", 0, 0,
     NULL, false},
    {"conversation", "default_language", parse_choice, OFF(default_language), "ru", 0, 0,
     language_names, false},
    {"conversation", "session_idle", parse_uint, OFF(session_idle), "900", 60, 86400, NULL, false},
    {"conversation", "pin_key", parse_pin_key, 0, NULL, 0, 0, NULL, false},
    {"conversation", "pin_attempts", parse_uint, OFF(pin_attempts), "3", 1, 10, NULL, false},
    {"conversation", "pin_daily_max", parse_uint, OFF(pin_daily_max), "6", 1, 100, NULL, false},
    {"conversation", "pin_lock_minutes", parse_uint, OFF(pin_lock_minutes), "30", 1, 1440, NULL,
     false},
};
#undef OFF
#define KEY_COUNT (sizeof cfg_keys / sizeof cfg_keys[0])
_Static_assert(KEY_COUNT <= CFG_KEYS_MAX, "raise CFG_KEYS_MAX");

/* What the reader and the inih handler share while one file is parsed. */
struct cfg_parse {
	struct cfg *cfg;
	struct diag *diag;
	const char *name;
	const char *pos, *end; /* the text still to read */
	int line;              /* number of the line last handed to inih */
	int set_at[KEY_COUNT]; /* line each key was set on, 0 if not */
};

static int set_text(char **field, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* A string that may be empty (an optional setting). */
static int parse_text(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
		      size_t why_size)
{
	if (set_text((char **)((char *)c + k->offset), value) < 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	return 0;
}

static int parse_string(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			size_t why_size)
{
	if (*value == '\0') {
		snprintf(why, why_size, "must not be empty");
		return -1;
	}
	return parse_text(c, k, value, why, why_size);
}

static int parse_secret(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			size_t why_size)
{
	const char *weakness = secret_weakness(value, strlen(value));
	if (weakness) {
		snprintf(why, why_size, "%s; a shared secret must be random: " SECRET_ADVICE,
			 weakness);
		return -1;
	}
	/* Only the hash is kept: each request hashes the key it presents and
	 * compares in constant time (cfg_secret_ok). */
	crypto_generichash((unsigned char *)c + k->offset, CFG_KEY_HASH_SIZE,
			   (const unsigned char *)value, strlen(value), NULL, 0);
	return 0;
}

static int parse_ussd_key(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			  size_t why_size)
{
	c->ussd_enabled = *value != '\0';
	return c->ussd_enabled ? parse_secret(c, k, value, why, why_size) : 0;
}

/* Empty only where chabard is a box (check_together): no smsbox calls. */
static int parse_kannel_key(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			    size_t why_size)
{
	c->kannel_enabled = *value != '\0';
	return c->kannel_enabled ? parse_secret(c, k, value, why, why_size) : 0;
}

bool cfg_secret_ok(const unsigned char hash[CFG_KEY_HASH_SIZE], const char *key, size_t len)
{
	if (!key)
		return false;
	/* Hashing first makes the comparison independent of the key's length. */
	unsigned char presented[CFG_KEY_HASH_SIZE];
	crypto_generichash(presented, sizeof presented, (const unsigned char *)key, len, NULL, 0);
	return sodium_memcmp(presented, hash, sizeof presented) == 0;
}

static int parse_uint(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
		      size_t why_size)
{
	char *rest;
	errno = 0;
	unsigned long n = strtoul(value, &rest, 10);
	if (*value < '0' || *value > '9' || *rest != '\0' || errno) {
		snprintf(why, why_size, "\"%s\" is not a whole number", value);
		return -1;
	}
	if (n < k->min || n > k->max) {
		snprintf(why, why_size, "%lu is outside %u..%u", n, k->min, k->max);
		return -1;
	}
	*(unsigned *)((char *)c + k->offset) = (unsigned)n;
	return 0;
}

/* "3d 1d 2h": how long before an appointment each reminder goes. */
static int parse_before(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			size_t why_size)
{
	return plan_parse_durations(value, c->reminder_before, CFG_REMINDERS_MAX,
				    &c->reminder_count, k->min, k->max, why, why_size);
}

static int parse_choice(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			size_t why_size)
{
	for (int i = 0; k->choices[i]; i++) {
		if (strcmp(value, k->choices[i]) == 0) {
			*(int *)((char *)c + k->offset) = i;
			return 0;
		}
	}
	int n = snprintf(why, why_size, "\"%s\" is not one of", value);
	for (int i = 0; k->choices[i] && n > 0 && (size_t)n < why_size; i++)
		n += snprintf(why + n, why_size - (size_t)n, " %s", k->choices[i]);
	return -1;
}

/* address:port, numeric; "" only where the key may be off (no default). */
/* The first address host has (a name, resolved now: when the config is
 * read, never in the loop's way later), with port. 0 or -1. */
static int resolve(const char *host, unsigned port, struct sockaddr_storage *out)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *found;
	if (getaddrinfo(host, NULL, &hints, &found) != 0)
		return -1;
	memcpy(out, found->ai_addr, found->ai_addrlen);
	freeaddrinfo(found);
	if (out->ss_family == AF_INET)
		((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
	else if (out->ss_family == AF_INET6)
		((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
	else
		return -1;
	return 0;
}

/* address:port into a (empty is allowed where the key may be off: no
 * default); a host name too if names, else a numeric address only. */
static int read_address(struct cfg_address *a, const struct cfg_key *k, const char *value,
			bool names, char *why, size_t why_size)
{
	memset(&a->sa, 0, sizeof a->sa);
	if (!*value && k->fallback && !*k->fallback)
		return set_text(&a->text, value);
	char host[256];
	const char *colon = strrchr(value, ':');
	size_t host_len = colon ? (size_t)(colon - value) : 0;
	if (!colon || host_len == 0 || host_len >= sizeof host) {
		snprintf(why, why_size, "\"%s\" is not address:port", value);
		return -1;
	}
	memcpy(host, value, host_len);
	host[host_len] = '\0';
	char *rest;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &rest, 10);
	if (colon[1] < '0' || colon[1] > '9' || *rest || errno || port > 65535) {
		snprintf(why, why_size, "\"%s\" is not a port number", colon + 1);
		return -1;
	}
	/* [::1]:13080 */
	char *bare = host;
	if (host[0] == '[' && host[host_len - 1] == ']') {
		host[host_len - 1] = '\0';
		bare = host + 1;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sa;
	if (inet_pton(AF_INET, bare, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, bare, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
	} else if (!names) {
		snprintf(why, why_size, "\"%s\" is not a numeric IP address", bare);
		return -1;
	} else if (resolve(bare, (unsigned)port, &a->sa) < 0) {
		snprintf(why, why_size, "\"%s\" is no host name this machine can resolve", bare);
		return -1;
	}
	return set_text(&a->text, value);
}

/* Where chabard listens: numeric, so that no name decides it. */
static int parse_address(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			 size_t why_size)
{
	return read_address((struct cfg_address *)((char *)c + k->offset), k, value, false, why,
			    why_size);
}

/* A peer chabard connects to ([box] bearerbox): a name as Kannel's own
 * configs use (bearerbox-host = localhost), or an address. */
static int parse_peer(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
		      size_t why_size)
{
	return read_address((struct cfg_address *)((char *)c + k->offset), k, value, true, why,
			    why_size);
}

static int parse_allow(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
		       size_t why_size)
{
	struct cfg_allow *allow = (struct cfg_allow *)((char *)c + k->offset);
	char word[INET6_ADDRSTRLEN];
	unsigned count = 0;
	const char *p = value;
	while (*p) {
		size_t n = strcspn(p, " ,\t");
		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof word) {
			snprintf(why, why_size, "\"%.*s\" is not an IP address", (int)n, p);
			return -1;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (count == CFG_ALLOW_MAX) {
			snprintf(why, why_size, "more than %d addresses", CFG_ALLOW_MAX);
			return -1;
		}
		if (!addr_parse(word, &allow->addr[count])) {
			snprintf(why, why_size, "\"%s\" is not a numeric IP address", word);
			return -1;
		}
		count++;
		p += n;
	}
	allow->count = count;
	return 0;
}

/* The master key is read, each purpose's key derived from it, and the
 * master wiped. */
static int parse_pin_key(struct cfg *c, const struct cfg_key *k, const char *value, char *why,
			 size_t why_size)
{
	_Static_assert(CFG_PIN_KEY_SIZE == crypto_kdf_KEYBYTES, "a master key for crypto_kdf");
	static const char context[crypto_kdf_CONTEXTBYTES] = "chabar__";
	unsigned char master[CFG_PIN_KEY_SIZE];
	size_t len;
	if (sodium_hex2bin(master, sizeof master, value, strlen(value), NULL, &len, NULL) != 0 ||
	    len != sizeof master || strlen(value) != 2 * sizeof master) {
		snprintf(why, why_size, "must be %zu hex digits (openssl rand -hex %zu)",
			 2 * sizeof master, sizeof master);
		return -1;
	}
	const char *weakness = secret_weakness(value, strlen(value));
	if (weakness) {
		sodium_memzero(master, sizeof master);
		snprintf(why, why_size, "%s; the master key must be random: " SECRET_ADVICE,
			 weakness);
		return -1;
	}
	crypto_kdf_derive_from_key(c->keys.pin, sizeof c->keys.pin, 1, context, master);
	crypto_kdf_derive_from_key(c->keys.ussd_seen, sizeof c->keys.ussd_seen, 2, context, master);
	crypto_kdf_derive_from_key(c->keys.message_id, sizeof c->keys.message_id, 3, context,
				   master);
	crypto_kdf_derive_from_key(c->keys.dlr, sizeof c->keys.dlr, 4, context, master);
	crypto_kdf_derive_from_key(c->keys.ledger, sizeof c->keys.ledger, 5, context, master);
	crypto_kdf_derive_from_key(c->keys.tipster, sizeof c->keys.tipster, 6, context, master);
	crypto_kdf_derive_from_key(c->keys.seal, sizeof c->keys.seal, 7, context, master);
	sodium_memzero(master, sizeof master);
	return 0;
}

const char *cfg_default_language(const struct cfg *c)
{
	return language_names[c->default_language];
}

static const struct cfg_key *find_key(const char *section, const char *name, bool *section_known)
{
	*section_known = false;
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (strcmp(cfg_keys[i].section, section) != 0)
			continue;
		*section_known = true;
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	}
	return NULL;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *p = user;
	bool section_known;
	char why[256];
	if (strncmp(section, "tier.", 5) == 0) { /* the monitoring plans (plan.h) */
		if (plan_set(&p->cfg->tiers, section + 5, name, value, why, sizeof why) < 0)
			diag_error(p->diag, p->name, p->line, "[%s] %s: %s", section, name, why);
		return 1;
	}
	const struct cfg_key *k = find_key(section, name, &section_known);
	if (!section_known) {
		diag_error(p->diag, p->name, p->line, "unknown section [%s]", section);
		return 1; /* reported here: inih need not count it again */
	}
	if (!k) {
		diag_error(p->diag, p->name, p->line, "unknown key \"%s\" in [%s]", name, section);
		return 1;
	}
	size_t i = (size_t)(k - cfg_keys);
	if (p->set_at[i]) {
		diag_error(p->diag, p->name, p->line, "%s is set twice (first on line %d)", name,
			   p->set_at[i]);
		return 1;
	}
	p->set_at[i] = p->line;
	if (k->parse(p->cfg, k, value, why, sizeof why) < 0) {
		diag_error(p->diag, p->name, p->line, "[%s] %s: %s", section, name, why);
		return 1;
	}
	if (k->restart && set_text(&p->cfg->raw[i], value) < 0)
		diag_error(p->diag, p->name, p->line, "out of memory");
	return 1;
}

/* inih reports only its first syntax error, and with its fixed line buffer
 * a long line would be split without a word. So the reader hands inih one
 * line at a time, counts lines for the handler, and reports every syntax
 * error and over-long line itself, following inih's own rules. */
static char *read_line(char *buf, int size, void *stream)
{
	struct cfg_parse *p = stream;
	if (p->pos >= p->end)
		return NULL;
	const char *nl = memchr(p->pos, '\n', (size_t)(p->end - p->pos));
	size_t len = nl ? (size_t)(nl - p->pos) : (size_t)(p->end - p->pos);
	const char *line = p->pos;
	p->pos += len + (nl != NULL);
	p->line++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len + 2 > (size_t)size) {
		diag_error(p->diag, p->name, p->line, "line longer than %d bytes", size - 2);
		buf[0] = '\0';
		return buf;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';

	const char *s = line;
	const char *e = line + len;
	if (s == e || *s == ' ' || *s == '\t')
		return buf; /* blank, or a continuation line */
	if (*s == ';' || *s == '#')
		return buf;
	if (*s == '[') {
		if (!memchr(s, ']', len))
			diag_error(p->diag, p->name, p->line, "section header without ']'");
	} else if (!memchr(s, '=', (size_t)(e - s)) && !memchr(s, ':', (size_t)(e - s))) {
		diag_error(p->diag, p->name, p->line, "expected key = value");
	}
	return buf;
}

static void apply_defaults(struct cfg_parse *p)
{
	for (size_t i = 0; i < KEY_COUNT; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (p->set_at[i])
			continue;
		if (!k->fallback) {
			diag_error(p->diag, p->name, 0, "[%s] %s is required", k->section, k->name);
			continue;
		}
		char why[256];
		if (k->parse(p->cfg, k, k->fallback, why, sizeof why) < 0 ||
		    (k->restart && set_text(&p->cfg->raw[i], k->fallback) < 0))
			diag_error(p->diag, p->name, 0, "default of %s: %s", k->name, why);
	}
}

static void free_fields(struct cfg *c)
{
	free(c->listen.text);
	free(c->box_bearerbox.text);
	free(c->box_id);
	if (c->store_uri) /* it may hold a password */
		sodium_memzero(c->store_uri, strlen(c->store_uri));
	free(c->store_uri);
	free(c->database);
	free(c->flows_dir);
	free(c->locales_dir);
	free(c->sendsms_url);
	free(c->sendsms_user);
	if (c->sendsms_password)
		sodium_memzero(c->sendsms_password, strlen(c->sendsms_password));
	free(c->sendsms_password);
	free(c->sendsms_from);
	free(c->sendsms_smsc);
	free(c->dlr_url);
}

/* What one key alone cannot say: keys that need each other. */
static void check_together(struct cfg_parse *p)
{
	const struct cfg *c = p->cfg;
	bool box = c->box_bearerbox.sa.ss_family != AF_UNSPEC;
	if (!c->kannel_enabled && !box)
		diag_error(p->diag, p->name, 0,
			   "[kannel] key is required (the secret in smsbox's URL), unless chabard "
			   "is a box of bearerbox ([box] bearerbox)");
	char why[256];
	bool uri = c->store_uri && *c->store_uri;
	if (c->store_backend == CFG_STORE_POSTGRESQL && !uri)
		diag_error(
		    p->diag, p->name, 0,
		    "[store] backend = postgresql needs [store] uri (libpq's, e.g. "
		    "postgresql://chabar@db1,db2,db3/chabar?target_session_attrs=read-write)");
	else if (uri && db_pg_uri_check(c->store_uri, why, sizeof why) < 0)
		diag_error(p->diag, p->name, 0, "[store] uri: %s", why);
	if (c->sendsms_via != CFG_VIA_BOX)
		return;
	if (!box)
		diag_error(p->diag, p->name, 0, "[sendsms] via = box needs [box] bearerbox");
	if (!c->sendsms_from || !*c->sendsms_from)
		diag_error(
		    p->diag, p->name, 0,
		    "[sendsms] via = box needs [sendsms] from: the box sets the sender itself");
}

struct cfg *cfg_load_string(const char *text, const char *name, struct diag *d)
{
	struct cfg *c = calloc(1, sizeof *c);
	if (!c) {
		diag_error(d, name, 0, "out of memory");
		return NULL;
	}
	struct cfg_parse *p = calloc(1, sizeof *p);
	if (!p) {
		free(c);
		diag_error(d, name, 0, "out of memory");
		return NULL;
	}
	int errors_before = d->errors;
	p->cfg = c;
	p->diag = d;
	p->name = name;
	p->pos = text;
	p->end = text + strlen(text);
	int first = ini_parse_stream(read_line, p, on_key, p);
	if (first != 0 && d->errors == errors_before)
		diag_error(d, name, first > 0 ? first : 0, "cannot parse");
	apply_defaults(p);
	check_together(p);
	free(p);
	c->refs = 1;
	if (d->errors != errors_before) {
		cfg_unref(c);
		return NULL;
	}
	return c;
}

struct cfg *cfg_load(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *text = malloc(CFG_FILE_MAX + 1);
	size_t n = text ? fread(text, 1, CFG_FILE_MAX + 1, f) : 0;
	int failed = ferror(f);
	fclose(f);
	if (!text || failed || n > CFG_FILE_MAX) {
		diag_error(d, path, 0, "%s",
			   !text    ? "out of memory"
			   : failed ? "read error"
				    : "larger than 256 KiB");
		free(text);
		return NULL;
	}
	text[n] = '\0';
	if (memchr(text, '\0', n)) {
		diag_error(d, path, 0, "contains a NUL byte");
		free(text);
		return NULL;
	}
	struct cfg *c = cfg_load_string(text, path, d);
	free(text);
	return c;
}

struct cfg *cfg_ref(struct cfg *c)
{
	c->refs++;
	return c;
}

void cfg_unref(struct cfg *c)
{
	if (!c || --c->refs > 0)
		return;
	free_fields(c);
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (c->raw[i]) /* [sendsms] password is one of them */
			sodium_memzero(c->raw[i], strlen(c->raw[i]));
		free(c->raw[i]);
	}
	sodium_memzero(c->kannel_key_hash, sizeof c->kannel_key_hash);
	sodium_memzero(c->ussd_key_hash, sizeof c->ussd_key_hash);
	sodium_memzero(&c->keys, sizeof c->keys);
	free(c);
}

bool cfg_allowed(const struct cfg_allow *allow, const struct sockaddr *addr)
{
	if (allow->count == 0)
		return true;
	struct in6_addr peer;
	if (!addr_of(addr, &peer))
		return false;
	for (unsigned i = 0; i < allow->count; i++)
		if (memcmp(&peer, &allow->addr[i], sizeof peer) == 0)
			return true;
	return false;
}

void cfg_restart_keys(const struct cfg *a, const struct cfg *b, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (!cfg_keys[i].restart || strcmp(a->raw[i], b->raw[i]) == 0)
			continue;
		int n =
		    snprintf(out + used, size - used, "%s%s", used ? "," : "", cfg_keys[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

size_t cfg_key_count(void)
{
	return KEY_COUNT;
}

const char *cfg_key_name(size_t i, const char **section)
{
	*section = cfg_keys[i].section;
	return cfg_keys[i].name;
}
