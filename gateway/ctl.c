/* chabarctl — the administrator's command line: the database schema,
 * enrolment (districts, officers, persons with their PIN), appointments,
 * the flow linter and the keyword spellings it proves. Every command is one
 * row of the table in main. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "ctl.h"
#include "cfg.h"
#include "clock.h"
#include "ledger.h"
#include "remind.h"
#include "watch.h"
#include "lint.h"
#include "locale.h"
#include "log.h"
#include "tz.h"
#include "msisdn.h"
#include "pin.h"
#include "store.h"

#ifndef CHABAR_SYSCONFDIR
#define CHABAR_SYSCONFDIR "/etc"
#endif

int ctl_fail(const char *what, struct store *s)
{
	fprintf(stderr, "chabarctl: %s: %s\n", what, s ? store_errmsg(s) : "invalid");
	return 1;
}

static int cmd_migrate(const struct cfg *cfg, struct store *s, char **argv)
{
	printf("database %s at schema version %d\n", cfg->database, store_schema_version(s));
	return 0;
}

const char *ctl_language(const char *text)
{
	const char *code = locales_language_find(text, strlen(text));
	if (!code) {
		fprintf(stderr, "chabarctl: no language \"%s\"; one of:", text);
		for (size_t i = 0; i < locales_language_count(); i++)
			fprintf(stderr, " %s", locales_language_code(i));
		fputc('\n', stderr);
	}
	return code;
}

/* The zones of the region (FIELD-NOTES, "Time in the region"). */
static const char *const region_zones[] = {"Asia/Bishkek",   "Asia/Almaty",    "Asia/Qostanay",
					   "Asia/Aqtobe",    "Asia/Aqtau",     "Asia/Atyrau",
					   "Asia/Oral",      "Asia/Qyzylorda", "Asia/Tashkent",
					   "Asia/Samarkand", "Asia/Dushanbe",  "Asia/Ashgabat"};

int ctl_zone(const char *zone)
{
	for (size_t i = 0; i < sizeof region_zones / sizeof region_zones[0]; i++)
		if (strcmp(zone, region_zones[i]) == 0) {
			if (tz_get(zone))
				return 0;
			fprintf(stderr, "chabarctl: no time zone \"%s\" in the system's tzdata\n",
				zone);
			return -1;
		}
	fprintf(stderr, "chabarctl: \"%s\" is not a zone of the region; one of:", zone);
	for (size_t i = 0; i < sizeof region_zones / sizeof region_zones[0]; i++)
		fprintf(stderr, " %s", region_zones[i]);
	fputc('\n', stderr);
	return -1;
}

bool ctl_officer_of(struct store *s, const char *officer, const char *district)
{
	char code[32];
	return store_officer_district(s, officer, code) == 1 && strcmp(code, district) == 0;
}

int ctl_district(struct store *s, const char *code)
{
	int found = store_district_exists(s, code);
	if (found == 1)
		return 0;
	if (found < 0)
		return ctl_fail("district", s);
	fprintf(stderr, "chabarctl: no district \"%s\" (chabarctl district list)\n", code);
	return 1;
}

static int cmd_district(const struct cfg *cfg, struct store *s, char **argv)
{
	const char *lang = ctl_language(argv[2]);
	if (!lang || ctl_zone(argv[3]) < 0)
		return 1;
	return store_district_add(s, argv[0], argv[1], lang, argv[3]) < 0
		   ? ctl_fail("district add", s)
		   : 0;
}

/* Quiet hours "HH:MM-HH:MM" (the same twice: none). */
static int cmd_quiet(const struct cfg *cfg, struct store *s, char **argv)
{
	int fh, fm, th, tm, used = 0;
	if (sscanf(argv[1], "%2d:%2d-%2d:%2d%n", &fh, &fm, &th, &tm, &used) != 4 || argv[1][used] ||
	    fh > 23 || fm > 59 || th > 23 || tm > 59 || fh < 0 || fm < 0 || th < 0 || tm < 0) {
		fprintf(stderr, "chabarctl: quiet hours are HH:MM-HH:MM, e.g. 21:00-08:00\n");
		return 2;
	}
	if (store_district_quiet(s, argv[0], fh * 60 + fm, th * 60 + tm) < 0) {
		fprintf(stderr, "chabarctl: no district %s\n", argv[0]);
		return 1;
	}
	return 0;
}

const char *ctl_number(const char *text, char out[MSISDN_SIZE])
{
	if (msisdn_normalize(text, strlen(text), out) < 0) {
		fprintf(stderr, "chabarctl: \"%s\" is not a phone number\n", text);
		return NULL;
	}
	return out;
}

static int cmd_officer(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE];
	const char *lang = ctl_language(argv[3]);
	if (!ctl_number(argv[0], msisdn) || !lang)
		return 1;
	if (ctl_district(s, argv[2]) != 0)
		return 1;
	const char *role = argv[4] ? argv[4] : "officer";
	if (strcmp(role, "officer") != 0 && strcmp(role, "supervisor") != 0) {
		fprintf(stderr, "chabarctl: the role is officer or supervisor, not \"%s\"\n", role);
		return 2;
	}
	return store_officer_add(s, argv[2], argv[1], msisdn, lang, role, clock_time()) < 0
		   ? ctl_fail("officer add", s)
		   : 0;
}

int ctl_flag(const char *arg, const char *flag, const char *usage)
{
	if (!arg)
		return 0;
	if (strcmp(arg, flag) == 0)
		return 1;
	fprintf(stderr, "chabarctl: %s takes %s or nothing, not \"%s\"\n", usage, flag, arg);
	return -1;
}

int ctl_read_pin(const char *arg, char pin[16])
{
	if (strcmp(arg, "-") != 0) {
		snprintf(pin, 16, "%s", arg);
	} else if (!fgets(pin, 16, stdin)) {
		return -1;
	}
	pin[strcspn(pin, "\r\n")] = '\0';
	size_t n = strlen(pin);
	if (n != 4 || strspn(pin, "0123456789") != n) {
		fprintf(stderr, "chabarctl: a PIN is 4 digits\n");
		return -1;
	}
	return 0;
}

static int cmd_person(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE], officer[MSISDN_SIZE], pin[16], hash[PIN_HASH_SIZE];
	const char *lang = ctl_language(argv[2]);
	if (!ctl_number(argv[0], msisdn) || !lang || (argv[4] && ctl_district(s, argv[4]) != 0) ||
	    (argv[5] && !ctl_number(argv[5], officer)))
		return 1;
	if (argv[5] && !ctl_officer_of(s, officer, argv[4])) {
		/* their alerts would go nowhere */
		fprintf(stderr,
			"chabarctl: no officer %s in district %s (chabarctl officer list %s)\n",
			argv[5], argv[4], argv[4]);
		return 1;
	}
	if (ctl_read_pin(argv[3], pin) < 0)
		return 1;
	pin_hash(cfg->keys.pin, msisdn, pin, hash);
	sodium_memzero(pin, sizeof pin);
	struct store_new_person p = {
	    .msisdn = msisdn,
	    .name = argv[1],
	    .role = "supervised",
	    .language = lang,
	    .district = argv[4],
	    .officer = argv[5] ? officer : NULL,
	    .pin_hash = hash,
	};
	if (store_person_add(s, &p, clock_time()) < 0)
		return ctl_fail("person add", s);
	printf("%s enrolled\n", argv[1]);
	return 0;
}

/* "YYYY-MM-DD HH:MM" local to timezone, still ahead: 0 with *at, or 1
 * with the reason said. */
static int future_time(const char *text, const char *timezone, int64_t *at)
{
	struct tm tm = {0};
	char *end = strptime(text, "%Y-%m-%d %H:%M", &tm);
	if (!end || *end) {
		fprintf(stderr,
			"chabarctl: the time is \"YYYY-MM-DD HH:MM\", local to the district\n");
		return 1;
	}
	const struct tz *zone = tz_get(timezone);
	if (!zone) {
		fprintf(stderr, "chabarctl: the district's time zone \"%s\" is not in tzdata\n",
			timezone);
		return 1;
	}
	*at = tz_utc(zone, (int64_t)timegm(&tm));
	if (*at <= clock_time()) {
		fprintf(stderr, "chabarctl: %s is past\n", text);
		return 1;
	}
	return 0;
}

static int cmd_appointment(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE];
	struct store_person person;
	if (!ctl_number(argv[0], msisdn))
		return 1;
	if (store_person_find(s, msisdn, &person) != 1) {
		fprintf(stderr, "chabarctl: %s is not enrolled\n", argv[0]);
		return 1;
	}
	int64_t at, now = clock_time();
	if (future_time(argv[1], person.timezone, &at))
		return 1;
	/* the appointment and its reminders, in one transaction */
	struct remind_ctx r = {s, cfg, NULL, NULL, now, 0};
	int64_t id = -1;
	int planned = -1;
	if (store_begin(s) < 0 || (id = store_appointment_add(s, msisdn, at, argv[2], now)) < 0 ||
	    (planned = remind_plan(&r, id)) < 0 || store_commit(s) < 0) {
		store_rollback(s);
		return ctl_fail("appointment add", s);
	}
	printf("appointment %lld added, %d reminder%s planned\n", (long long)id, planned,
	       planned == 1 ? "" : "s");
	return 0;
}

static int cmd_latin(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE];
	bool on = strcmp(argv[1], "on") == 0;
	if (!ctl_number(argv[0], msisdn))
		return 1;
	if (!on && strcmp(argv[1], "off") != 0) {
		fprintf(stderr, "chabarctl: latin takes on or off\n");
		return 2;
	}
	if (store_person_latin(s, msisdn, on) < 0) {
		fprintf(stderr, "chabarctl: %s is not enrolled (or the database failed)\n",
			argv[0]);
		return 1;
	}
	return 0;
}

/* A person's tier: recorded with who decided, every pending window of
 * the person re-planned at once. */
static int cmd_tier(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE];
	bool none = strcmp(argv[1], "none") == 0;
	if (!ctl_number(argv[0], msisdn))
		return 1;
	if (!none && !plan_tier(&cfg->tiers, argv[1])) {
		fprintf(stderr, "chabarctl: no [tier.%s] in the config; tiers:", argv[1]);
		for (size_t i = 0; i < cfg->tiers.count; i++)
			fprintf(stderr, " %s", cfg->tiers.tiers[i].name);
		fprintf(stderr, " none\n");
		return 1;
	}
	int64_t now = clock_time(), id = -1;
	struct store_person p;
	struct watch_ctx w = {s, cfg, NULL, now, 0};
	int planned = -1;
	if (store_person_find(s, msisdn, &p) != 1) {
		fprintf(stderr, "chabarctl: %s is not enrolled\n", argv[0]);
		return 1;
	}
	if (store_begin(s) < 0 ||
	    (id = store_person_tier_set(s, msisdn, none ? NULL : argv[1], argv[2], now)) < 0 ||
	    (planned = watch_plan(&w, id, none ? NULL : argv[1], p.timezone)) < 0 ||
	    store_commit(s) < 0) {
		store_rollback(s);
		return ctl_fail("tier set", s);
	}
	printf("%s: tier %s (was %s), set by %s; %s\n", argv[0], argv[1],
	       p.tier[0] ? p.tier : "none", argv[2],
	       planned ? "its next check-in window is planned" : "no window to plan");
	return 0;
}

static int load_linted(const struct cfg *cfg, struct flow_set **flows, struct locales **locales);

/* Moves (argv[1] a time) or cancels (no argv[1]) appointment argv[0]: its
 * reminders follow, and the person is told by SMS. */
static int change_appointment(const struct cfg *cfg, struct store *s, char **argv, const char *what)
{
	char *end;
	long long id = strtoll(argv[0], &end, 10);
	struct store_reminder a;
	if (*end || id <= 0 || store_appointment_notice(s, id, &a) != 1) {
		fprintf(stderr, "chabarctl: no appointment %s\n", argv[0]);
		return 1;
	}
	int64_t at = 0;
	if (argv[1] && future_time(argv[1], a.timezone, &at))
		return 1;
	struct flow_set *flows;
	struct locales *locales;
	if (load_linted(cfg, &flows, &locales) < 0)
		return 1;
	struct remind_ctx r = {s, cfg, flows, locales, clock_time(), 0};
	int rc = -1;
	if (store_begin(s) < 0 ||
	    (rc = argv[1] ? remind_move(&r, id, at, argv[2]) : remind_cancel(&r, id)) < 0 ||
	    store_commit(s) < 0) {
		store_rollback(s);
		rc = ctl_fail(what, s);
	} else if (rc == 0) {
		fprintf(stderr, "chabarctl: appointment %lld is %s: nothing to change\n", id,
			a.appointment_status);
		rc = 1;
	} else {
		printf("appointment %lld %s; the person is told by SMS\n", id,
		       argv[1] ? "moved, its reminders planned again"
			       : "cancelled, with its reminders");
		rc = 0;
	}
	flow_set_unref(flows);
	locales_unref(locales);
	return rc;
}

static int cmd_move(const struct cfg *cfg, struct store *s, char **argv)
{
	return change_appointment(cfg, s, argv, "appointment move");
}

static int cmd_cancel(const struct cfg *cfg, struct store *s, char **argv)
{
	return change_appointment(cfg, s, argv, "appointment cancel");
}

/* An officer lets a locked-out person check in again (recorded). */
static int cmd_unlock(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE], why[128];
	struct store_person p;
	if (!ctl_number(argv[0], msisdn))
		return 1;
	if (store_person_find(s, msisdn, &p) != 1) {
		fprintf(stderr, "chabarctl: %s is not enrolled\n", argv[0]);
		return 1;
	}
	snprintf(why, sizeof why, "chabarctl, by %s", argv[1]);
	if (store_begin(s) < 0 || actions_pin_unlock(s, p.id, 0, why, clock_time()) < 0 ||
	    store_commit(s) < 0) {
		store_rollback(s);
		return ctl_fail("pin unlock", s);
	}
	printf("%s may check in again (unlocked by %s)\n", argv[0], argv[1]);
	return 0;
}

/* Walks the check-ins' chain and says whether it is whole. */
static int cmd_ledger(const struct cfg *cfg, struct store *s, char **argv)
{
	struct ledger_report r;
	int rc = ledger_verify(s, cfg->keys.ledger, &r);
	if (rc < 0)
		return ctl_fail("ledger verify", s);
	if (rc == 1) {
		printf("ledger broken at check-in %lld: %s (%lld verified before it)\n",
		       (long long)r.broken_id, r.why, (long long)r.checked);
		return 1;
	}
	printf("ledger whole: %lld check-ins on the chain, %lld from before it\n",
	       (long long)r.checked, (long long)r.before);
	return 0;
}

/* What a receipt a person quotes proves. */
static int cmd_receipt(const struct cfg *cfg, struct store *s, char **argv)
{
	char code[LEDGER_RECEIPT_SIZE];
	struct store_receipt r;
	if (!ledger_receipt_read(argv[0], code)) {
		fprintf(stderr, "chabarctl: \"%s\" is not a receipt (8 letters and digits)\n",
			argv[0]);
		return 2;
	}
	int found = store_checkin_by_receipt(s, code, &r);
	if (found < 0)
		return ctl_fail("receipt", s);
	if (!found) {
		printf("receipt %s: no check-in has it\n", code);
		return 1;
	}
	const struct store_checkin *c = &r.checkin;
	struct tm tm;
	char when[32];
	const struct tz *zone = tz_get(r.timezone);
	time_t utc = (time_t)c->at;
	if (zone)
		tz_local(zone, c->at, &tm);
	else
		gmtime_r(&utc, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	struct ledger_report chain;
	int rc = ledger_verify(s, cfg->keys.ledger, &chain);
	if (rc < 0)
		return ctl_fail("ledger verify", s);
	bool whole = c->hash[0] && (rc == 0 || chain.broken_id > c->id);
	printf("receipt %s: %s checked in at %s %s (check-in %lld), %s, over %s\n"
	       "ledger: %s\n",
	       code, r.name, when, zone ? r.timezone : "UTC", (long long)c->id, c->location,
	       c->channel,
	       whole ? "whole up to this check-in: it was recorded as shown"
		     : "broken before this check-in: see chabarctl ledger verify");
	return whole ? 0 : 1;
}

/* The flows and catalogs the config names, linted; -1 (errors reported). */
static int load_linted(const struct cfg *cfg, struct flow_set **flows, struct locales **locales)
{
	struct diag d;
	diag_init(&d, stderr);
	if (lint_load(cfg->flows_dir, cfg->locales_dir, LINT_ENGINE_BUDGET, &d, flows, locales) ==
	    0)
		return 0;
	fprintf(stderr, "chabarctl: %d error%s\n", d.errors, d.errors == 1 ? "" : "s");
	return -1;
}

static int cmd_lint(const struct cfg *cfg, struct store *s, char **argv)
{
	struct flow_set *flows;
	struct locales *locales;
	if (load_linted(cfg, &flows, &locales) < 0)
		return 1;
	printf("%zu flows, %zu texts in %zu languages fit; %zu translations to review\n",
	       flows->flow_count, locales_key_count(locales), locales_language_count(),
	       locales_fuzzy_count(locales));
	flow_set_unref(flows);
	locales_unref(locales);
	return 0;
}

/* Every word that starts a flow, as phones may type it: one line per
 * spelling, "flow<TAB>keyword as written<TAB>spelling", flow by flow. */
static int cmd_keywords(const struct cfg *cfg, struct store *s, char **argv)
{
	struct flow_set *flows;
	struct locales *locales;
	if (load_linted(cfg, &flows, &locales) < 0)
		return 1;
	for (size_t f = 0; f < flows->flow_count; f++)
		for (size_t i = 0; i < flows->spelling_count; i++)
			if (flows->spellings[i].flow == f)
				printf("%s\t%s\t%s\n", flows->flows[f].name,
				       flows->spellings[i].keyword, flows->spellings[i].folded);
	flow_set_unref(flows);
	locales_unref(locales);
	return 0;
}

static const struct command commands[] = {
    {"migrate", NULL, "", "create or upgrade the database", 0, 0, cmd_migrate},
    {"district", "add", "CODE NAME LANG TIMEZONE", "add a district (e.g. Asia/Bishkek)", 4, 0,
     cmd_district},
    {"quiet", NULL, "DISTRICT HH:MM-HH:MM",
     "when nothing but answers reaches a phone there (21:00-08:00 at first)", 2, 0, cmd_quiet},
    {"officer", "add", "MSISDN NAME DISTRICT LANG [officer|supervisor]",
     "add an officer (a supervisor gets the alerts no officer acknowledged)", 5, 1, cmd_officer},
    {"person", "add", "MSISDN NAME LANG PIN|- [DISTRICT [OFFICER]]",
     "enrol a supervised person (PIN - reads it from standard input)", 6, 2, cmd_person},
    {"tier", "set", "MSISDN TIER|none BY",
     "set a person's monitoring plan ([tier.NAME]); BY: who decided, kept", 3, 0, cmd_tier},
    {"pin", "unlock", "MSISDN BY", "let a locked-out person check in again; BY: who decided, kept",
     2, 0, cmd_unlock},
    {"latin", NULL, "MSISDN on|off",
     "send this person Latin letters (GSM 7-bit, half the SMS parts)", 2, 0, cmd_latin},
    {"appointment", "add", "MSISDN 'YYYY-MM-DD HH:MM' PLACE",
     "add an appointment, in the district's local time", 3, 0, cmd_appointment},
    {"appointment", "move", "ID 'YYYY-MM-DD HH:MM' [PLACE]",
     "move an appointment: its reminders follow, the person is told", 3, 1, cmd_move},
    {"appointment", "cancel", "ID", "cancel an appointment and its reminders, telling the person",
     1, 0, cmd_cancel},
    {"lint", NULL, "", "check flows and catalogs: every text exists and fits", 0, 0, cmd_lint},
    {"ledger", "verify", "", "check that no recorded check-in was changed or deleted", 0, 0,
     cmd_ledger},
    {"receipt", NULL, "CODE", "what a check-in receipt a person quotes proves", 1, 0, cmd_receipt},
    {"keywords", NULL, "", "list every spelling of every keyword, flow by flow", 0, 0,
     cmd_keywords},
};

/* Every command: enrolment here, then the records', the imports', the
 * exports' and the tips' (ctl_*.c), each file's table with its count. */
static const size_t command_count = sizeof commands / sizeof commands[0];
static const struct {
	const struct command *list;
	const size_t *count;
} tables[] = {
    {commands, &command_count},
    {ctl_record_commands, &ctl_record_command_count},
    {ctl_import_commands, &ctl_import_command_count},
    {ctl_export_commands, &ctl_export_command_count},
    {ctl_tip_commands, &ctl_tip_command_count},
};

/* Command i of them all; NULL past the last. */
static const struct command *command_at(size_t i)
{
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; i -= *tables[t].count, t++)
		if (i < *tables[t].count)
			return &tables[t].list[i];
	return NULL;
}

/* The usage of the commands called name (NULL: all), or of one (only).
 * How many. */
static int usage_of(FILE *out, const char *name, const struct command *only)
{
	const struct command *c;
	int n = 0;
	for (size_t i = 0; (c = command_at(i)); i++)
		if (only ? c == only : !name || strcmp(c->name, name) == 0) {
			if (out)
				fprintf(out, "  chabarctl %s%s%s %s\n      %s\n", c->name,
					c->verb ? " " : "", c->verb ? c->verb : "", c->args,
					c->help);
			n++;
		}
	return n;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: chabarctl [-c config] command ...\n");
	usage_of(out, NULL, NULL);
	fprintf(out, "  chabarctl version\n      print the program's schema version\n");
}

/* What is wrong with a command line, in one line, and that command's
 * usage only. */
static int misused(const char *name, const char *verb, const struct command *cmd, int given)
{
	if (usage_of(NULL, name, NULL) == 0) {
		fprintf(stderr, "chabarctl: no command \"%s\" (chabarctl -h lists them)\n", name);
		return 2;
	}
	if (cmd)
		fprintf(stderr, "chabarctl: %s%s%s takes %d to %d arguments, not %d\n", name,
			cmd->verb ? " " : "", cmd->verb ? cmd->verb : "", cmd->argc - cmd->optional,
			cmd->argc, given);
	else if (verb)
		fprintf(stderr, "chabarctl: %s has no \"%s\"\n", name, verb);
	else
		fprintf(stderr, "chabarctl: %s needs one of these\n", name);
	usage_of(stderr, name, cmd);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cfg_path = CHABAR_SYSCONFDIR "/chabar/chabar.conf";
	int opt;
	while ((opt = getopt(argc, argv, "+c:h")) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "version") == 0) {
		printf("chabarctl %s, schema version %d\n", PACKAGE_VERSION, store_schema_latest());
		return 0;
	}
	const struct command *cmd = NULL;
	const struct command *c;
	for (size_t i = 0; !cmd && (c = command_at(i)); i++)
		if (strcmp(argv[optind], c->name) == 0 &&
		    (!c->verb || (optind + 1 < argc && strcmp(argv[optind + 1], c->verb) == 0)))
			cmd = c;
	int first = optind + 1 + (cmd && cmd->verb ? 1 : 0); /* the first argument */
	int given = argc - first;
	if (!cmd || given > cmd->argc || given < cmd->argc - cmd->optional)
		return misused(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, cmd,
			       given);
	if (sodium_init() < 0) {
		fprintf(stderr, "chabarctl: libsodium cannot initialise\n");
		return 1;
	}
	struct diag diag;
	diag_init(&diag, stderr);
	struct cfg *cfg = cfg_load(cfg_path, &diag);
	if (!cfg)
		return 1;
	log_open(LOG_TARGET_STDERR, LOG_LEVEL_WARN);
	char err[512];
	if (clock_init(err, sizeof err) < 0) {
		fprintf(stderr, "chabarctl: %s\n", err);
		cfg_unref(cfg);
		return 1;
	}
	struct store *s = store_connect(cfg, err, sizeof err);
	if (!s) {
		fprintf(stderr, "chabarctl: %s\n", err);
		cfg_unref(cfg);
		return 1;
	}
	/* the arguments, NULL for the optional ones left out */
	char *args[8] = {0};
	for (int i = 0; i < given && i < 7; i++)
		args[i] = argv[first + i];
	int rc = cmd->run(cfg, s, args);
	store_free(s);
	cfg_unref(cfg);
	return rc;
}
