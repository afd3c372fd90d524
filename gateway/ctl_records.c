/* ctl_records — chabarctl's commands on the records an office keeps
 * (ctl.h): districts, officers and persons listed, shown, edited and
 * deactivated, a PIN reset from standard input, and retention (purge).
 * Each says what is wrong in one line (exit 1) and confirms what it did
 * in one line; each is one short transaction, safe while chabard runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "actions.h"
#include "clock.h"
#include "ctl.h"
#include "pin.h"

#define SECONDS_PER_DAY 86400
#define PURGE_CHUNK     1000 /* texts emptied a transaction: chabard waits no longer */

/* --- lists ------------------------------------------------------------------ */

static void print_district(void *arg, const char *const *v)
{
	printf("%-8s %-24s %-8s %-16s %8s %8s\n", v[0], v[1], v[2], v[3], v[4], v[5]);
}

static void print_officer(void *arg, const char *const *v)
{
	printf("+%-14s %-24s %-8s %-8s %-10s %s\n", v[0], v[1], v[2], v[3], v[4],
	       strcmp(v[5], "1") == 0 ? "active" : "inactive");
}

static void print_person(void *arg, const char *const *v)
{
	char officer[MSISDN_SIZE + 1];
	snprintf(officer, sizeof officer, "%s%s", strcmp(v[4], "-") == 0 ? "" : "+", v[4]);
	printf("+%-14s %-24s %-10s %-8s %-15s %-8s %-8s %s%s\n", v[0], v[1], v[2], v[3], officer,
	       v[5], v[6], v[7], strcmp(v[8], "1") == 0 ? ", opted out" : "");
}

/* A list with its header; filter: a district's code, or NULL. */
static int list(struct store *s, enum store_list which, const char *filter, const char *header,
		store_row_fn print, const char *what)
{
	if (filter && store_district_exists(s, filter) != 1) {
		fprintf(stderr, "chabarctl: no district \"%s\" (chabarctl district list)\n",
			filter);
		return 1;
	}
	printf("%s\n", header);
	int rows = store_list(s, which, filter, print, NULL);
	if (rows < 0)
		return ctl_fail(what, s);
	printf("(%d)\n", rows);
	return 0;
}

static int cmd_district_list(const struct cfg *cfg, struct store *s, char **argv)
{
	char header[128];
	snprintf(header, sizeof header, "%-8s %-24s %-8s %-16s %8s %8s", "code", "name", "language",
		 "zone", "officers", "persons");
	return list(s, STORE_LIST_DISTRICTS, argv[0], header, print_district, "district list");
}

static int cmd_officer_list(const struct cfg *cfg, struct store *s, char **argv)
{
	char header[128];
	snprintf(header, sizeof header, "%-15s %-24s %-8s %-8s %-10s %s", "number", "name",
		 "district", "language", "role", "");
	return list(s, STORE_LIST_OFFICERS, argv[0], header, print_officer, "officer list");
}

static int cmd_person_list(const struct cfg *cfg, struct store *s, char **argv)
{
	char header[160];
	snprintf(header, sizeof header, "%-15s %-24s %-10s %-8s %-15s %-8s %-8s %s", "number",
		 "name", "role", "district", "officer", "language", "tier", "status");
	return list(s, STORE_LIST_PERSONS, argv[0], header, print_person, "person list");
}

/* --- one person, whole ------------------------------------------------------ */

static int cmd_person_show(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE], hhmm[6], date[11];
	struct store_person p;
	if (!ctl_number(argv[0], msisdn))
		return 1;
	int found = store_person_find(s, msisdn, &p);
	if (found != 1) {
		if (found == 0)
			fprintf(stderr, "chabarctl: %s is not enrolled\n", argv[0]);
		return found < 0 ? ctl_fail("person show", s) : 1;
	}
	int64_t now = clock_time(), last = 0;
	struct store_appointment next = {0};
	int has_next;
	if (store_last_checkin(s, p.id, now + 1, &last) < 0 ||
	    (has_next = store_appointment_next(s, p.id, now, 0, &next)) < 0)
		return ctl_fail("person show", s);
	int64_t at = has_next ? next.starts_at : 0;
	const char *place = next.place;
	printf("person    +%s %s (%s, %s)\n", msisdn, p.name, p.role, p.status);
	printf("language  %s%s\n", p.language, p.transliterate ? ", in Latin letters" : "");
	printf("officer   %s%s\n", p.officer_msisdn[0] ? "+" : "",
	       p.officer_msisdn[0] ? p.officer_msisdn : "none");
	printf("tier      %s\n", p.tier[0] ? p.tier : "none");
	printf("PIN       %s", p.pin_hash[0] ? "set" : "not set");
	if (p.pin.locked_until > now) {
		actions_local_time(p.timezone, p.pin.locked_until, hhmm, date);
		printf(", check-in blocked until %s %s", date, hhmm);
	}
	printf("\n");
	actions_local_time(p.timezone, last, hhmm, date);
	printf("check-in  %s%s%s\n", last ? date : "none yet", last ? " " : "", last ? hhmm : "");
	actions_local_time(p.timezone, at, hhmm, date);
	printf("next      %s%s%s%s%s\n", at ? date : "no appointment", at ? " " : "",
	       at ? hhmm : "", at ? ", " : "", at ? place : "");
	printf("messages  %s\n", p.opted_out ? "stopped (STOP)" : "on");
	return 0;
}

/* --- edits ------------------------------------------------------------------- */

/* The fields a record's edit may set, in store_edit()'s order. */
static const char *const district_fields[] = {"name", "language", "timezone", NULL};
static const char *const officer_fields[] = {"name", "language", "district", "role", NULL};
static const char *const person_fields[] = {"name", "language", "district", "officer", NULL};

/* value checked for field (a language code, a zone of tzdata, a district
 * there, an officer there): the form to store, or NULL having said why. */
static const char *checked(struct store *s, const char *field, const char *value,
			   char number[MSISDN_SIZE])
{
	if (strcmp(field, "language") == 0)
		return ctl_language(value);
	if (strcmp(field, "timezone") == 0)
		return ctl_zone(value) == 0 ? value : NULL;
	if (strcmp(field, "district") == 0)
		return ctl_district(s, value) == 0 ? value : NULL;
	if (strcmp(field, "officer") == 0) {
		char code[32];
		if (!ctl_number(value, number))
			return NULL;
		if (store_officer_district(s, number, code) == 1)
			return number;
		fprintf(stderr, "chabarctl: no officer %s (chabarctl officer list)\n", value);
		return NULL;
	}
	if (strcmp(field, "role") == 0 && strcmp(value, "officer") != 0 &&
	    strcmp(value, "supervisor") != 0) {
		fprintf(stderr, "chabarctl: the role is officer or supervisor, not \"%s\"\n",
			value);
		return NULL;
	}
	return value;
}

/* "FIELD VALUE" of a record: the one field set in fields[], checked. 0,
 * 1 having said why. */
static int edit_field(struct store *s, const char *const *names, const char *field,
		      const char *value, const char *fields[5], char number[MSISDN_SIZE])
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], field) == 0)
			return (fields[i] = checked(s, field, value, number)) ? 0 : 1;
	fprintf(stderr, "chabarctl: no field \"%s\"; one of:", field);
	for (int i = 0; names[i]; i++)
		fprintf(stderr, " %s", names[i]);
	fputc('\n', stderr);
	return 1;
}

/* A person and their officer stay in one district: a new officer brings
 * the person to theirs (fields[2]); a new district is refused while the
 * person's officer is of another, and an officer who still has persons
 * or roster rows cannot change district. 0, or 1 having said why. */
static int keep_districts(struct store *s, enum store_edit which, const char *key,
			  const char *field, const char *value, const char *fields[5],
			  char code[32])
{
	if (which == STORE_EDIT_PERSON && strcmp(field, "officer") == 0) {
		if (store_officer_district(s, fields[3], code) != 1)
			return ctl_fail("person edit", s);
		fields[2] = code; /* the person moves with them */
		return 0;
	}
	if (which == STORE_EDIT_PERSON && strcmp(field, "district") == 0) {
		struct store_person p;
		char officer[MSISDN_SIZE];
		if (store_person_find(s, key, &p) != 1 || !p.officer_msisdn[0])
			return 0;
		snprintf(officer, sizeof officer, "%s", p.officer_msisdn);
		if (store_officer_district(s, officer, code) == 1 && strcmp(code, value) != 0) {
			fprintf(
			    stderr,
			    "chabarctl: the person's officer +%s is of district %s: give them an "
			    "officer of %s instead (person edit %s officer NUMBER), the district "
			    "follows\n",
			    officer, code, value, key);
			return 1;
		}
		return 0;
	}
	if (which == STORE_EDIT_OFFICER && strcmp(field, "district") == 0) {
		int64_t ties = store_officer_ties(s, key);
		if (ties < 0)
			return ctl_fail("officer edit", s);
		if (ties > 0) {
			fprintf(
			    stderr,
			    "chabarctl: the officer still has %lld persons or roster rows in their "
			    "district: give them to another officer first\n",
			    (long long)ties);
			return 1;
		}
	}
	return 0;
}

/* Runs one edit of key (a code, or a number normalised first). */
static int edit(struct store *s, enum store_edit which, const char *key, const char *const *names,
		const char *field, const char *value, const char *what)
{
	const char *fields[5] = {0};
	char number[MSISDN_SIZE], record[MSISDN_SIZE + 32], code[32];
	snprintf(record, sizeof record, "%s", key);
	if (which != STORE_EDIT_DISTRICT && !ctl_number(key, record))
		return 1;
	if (edit_field(s, names, field, value, fields, number) != 0 ||
	    keep_districts(s, which, record, field, value, fields, code) != 0)
		return 1;
	int changed = store_edit(s, which, record, fields);
	if (changed < 0)
		return ctl_fail(what, s);
	if (changed == 0) {
		fprintf(stderr, "chabarctl: no %s %s\n",
			which == STORE_EDIT_DISTRICT  ? "district"
			: which == STORE_EDIT_OFFICER ? "officer"
						      : "person",
			key);
		return 1;
	}
	printf("%s: %s is now %s\n", key, field, value);
	return 0;
}

static int cmd_district_edit(const struct cfg *cfg, struct store *s, char **argv)
{
	return edit(s, STORE_EDIT_DISTRICT, argv[0], district_fields, argv[1], argv[2],
		    "district edit");
}

static int cmd_officer_edit(const struct cfg *cfg, struct store *s, char **argv)
{
	return edit(s, STORE_EDIT_OFFICER, argv[0], officer_fields, argv[1], argv[2],
		    "officer edit");
}

static int cmd_person_edit(const struct cfg *cfg, struct store *s, char **argv)
{
	return edit(s, STORE_EDIT_PERSON, argv[0], person_fields, argv[1], argv[2], "person edit");
}

/* An officer no longer gets alerts or tips; a person no longer checks in
 * (their records stay). */
static int deactivate(struct store *s, enum store_edit which, const char *key, const char *what)
{
	char number[MSISDN_SIZE];
	const char *fields[5] = {0};
	if (!ctl_number(key, number))
		return 1;
	fields[4] = which == STORE_EDIT_OFFICER ? "0" : "closed"; /* active, status */
	int changed = store_edit(s, which, number, fields);
	if (changed < 0)
		return ctl_fail(what, s);
	if (changed == 0) {
		fprintf(stderr, "chabarctl: no %s %s\n",
			which == STORE_EDIT_OFFICER ? "officer" : "person", key);
		return 1;
	}
	printf("%s deactivated\n", key);
	return 0;
}

static int cmd_officer_deactivate(const struct cfg *cfg, struct store *s, char **argv)
{
	return deactivate(s, STORE_EDIT_OFFICER, argv[0], "officer deactivate");
}

static int cmd_person_deactivate(const struct cfg *cfg, struct store *s, char **argv)
{
	return deactivate(s, STORE_EDIT_PERSON, argv[0], "person deactivate");
}

/* A new PIN, read from standard input only: never in the shell's history
 * or the process list. */
static int cmd_pin_reset(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE], pin[16], hash[PIN_HASH_SIZE];
	if (!ctl_number(argv[0], msisdn) || ctl_read_pin("-", pin) < 0)
		return 1;
	pin_hash(cfg->keys.pin, msisdn, pin, hash);
	sodium_memzero(pin, sizeof pin);
	int changed = store_person_pin_reset(s, msisdn, hash);
	if (changed < 0)
		return ctl_fail("pin reset", s);
	if (changed == 0) {
		fprintf(stderr, "chabarctl: %s is not enrolled\n", argv[0]);
		return 1;
	}
	printf("%s has a new PIN; any block on check-in is lifted\n", argv[0]);
	return 0;
}

/* --- retention --------------------------------------------------------------- */

/* The texts of one table from before then emptied, PURGE_CHUNK ids a
 * transaction (by the primary key: each takes as long as the first, and
 * chabard never waits long): how many, or STORE_ERROR. */
static int64_t purge_texts(struct store *s, enum store_purge what, int64_t before, int64_t last)
{
	int64_t emptied = 0;
	for (int64_t from = 0; from < last; from += PURGE_CHUNK) {
		int64_t n = store_begin(s) < 0
				? STORE_ERROR
				: store_texts_purge(s, what, before, from, from + PURGE_CHUNK);
		if (n < 0 || store_commit(s) < 0) {
			store_rollback(s);
			return STORE_ERROR;
		}
		emptied += n;
	}
	return emptied;
}

/* Message texts, and the texts of what was sent, older than [retention]
 * message_days emptied (the rows stay: the ledger and the reports count
 * them), and tips' sealed numbers older than [tips] relay_days deleted.
 * --dry-run counts. */
static int cmd_purge(const struct cfg *cfg, struct store *s, char **argv)
{
	int dry = ctl_flag(argv[0], "--dry-run", "purge");
	if (dry < 0)
		return 2;
	int64_t now = clock_time(), last_message = 0, last_sent = 0;
	int64_t texts_before = now - (int64_t)cfg->retention_message_days * SECONDS_PER_DAY;
	int64_t relays_before = now - (int64_t)cfg->tip_relay_days * SECONDS_PER_DAY;
	int64_t texts = store_purgeable(s, STORE_PURGE_MESSAGES, texts_before, &last_message);
	int64_t sent =
	    texts < 0 ? texts : store_purgeable(s, STORE_PURGE_SENT, texts_before, &last_sent);
	int64_t relays =
	    sent < 0 ? sent : store_purgeable(s, STORE_PURGE_RELAYS, relays_before, NULL);
	if (relays < 0)
		return ctl_fail("purge", s);
	if (!dry) {
		texts = purge_texts(s, STORE_PURGE_MESSAGES, texts_before, last_message);
		sent =
		    texts < 0 ? texts : purge_texts(s, STORE_PURGE_SENT, texts_before, last_sent);
		relays = sent < 0 ? sent : store_tip_relay_purge(s, relays_before);
		if (relays < 0)
			return ctl_fail("purge", s);
	}
	printf("%s %lld message texts and %lld texts sent older than %u days, %s %lld sealed "
	       "numbers older than %u days\n",
	       dry ? "would empty" : "emptied", (long long)texts, (long long)sent,
	       cfg->retention_message_days, dry ? "would delete" : "deleted", (long long)relays,
	       cfg->tip_relay_days);
	return 0;
}

const struct command ctl_record_commands[] = {
    {"district", "list", "[DISTRICT]", "districts, their zones and how many officers and persons",
     1, 1, cmd_district_list},
    {"district", "edit", "CODE name|language|timezone VALUE", "change a district", 3, 0,
     cmd_district_edit},
    {"officer", "list", "[DISTRICT]", "officers, their districts and roles", 1, 1,
     cmd_officer_list},
    {"officer", "edit", "MSISDN name|language|district|role VALUE", "change an officer", 3, 0,
     cmd_officer_edit},
    {"officer", "deactivate", "MSISDN", "no more alerts or tips for this officer", 1, 0,
     cmd_officer_deactivate},
    {"person", "list", "[DISTRICT]", "enrolled persons: district, officer, tier, status", 1, 1,
     cmd_person_list},
    {"person", "show", "MSISDN", "one person: officer, tier, PIN, last check-in, next appointment",
     1, 0, cmd_person_show},
    {"person", "edit", "MSISDN name|language|district|officer VALUE", "change a person", 3, 0,
     cmd_person_edit},
    {"person", "deactivate", "MSISDN", "close a person's case: no more check-ins or reminders", 1,
     0, cmd_person_deactivate},
    {"pin", "reset", "MSISDN", "a new PIN, read from standard input (never the command line)", 1, 0,
     cmd_pin_reset},
    {"purge", NULL, "[--dry-run]",
     "empty message texts past [retention] message_days, delete tips' sealed numbers past "
     "[tips] relay_days",
     1, 1, cmd_purge},
};
const size_t ctl_record_command_count = sizeof ctl_record_commands / sizeof ctl_record_commands[0];
