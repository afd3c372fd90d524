/* ctl_tip — chabarctl's commands for tips (ctl.h, tip.h): liaisons, the
 * on-call rosters (by hand or from CSV), tips listed and shown, a reporter
 * blocked, and the audit log (`chabarctl purge`, in ctl_records.c, deletes
 * old relays). Every read of a tip is written to the audit log with who
 * ran the command. Nothing here ever shows a reporter's alias or sealed
 * number. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "actions.h"
#include "clock.h"
#include "ctl.h"
#include "roster.h"
#include "tip.h"

#define ROSTER_ORDER_MAX 99
#define ACTOR_SIZE       80

/* Who ran the command, for the audit log: "chabarctl:NAME", and as root
 * through sudo "chabarctl:root(sudo NAME)". SUDO_USER is believed only
 * from root, whom sudo makes: anyone else could set it. */
static void actor(char out[ACTOR_SIZE])
{
	const char *sudo = getuid() == 0 ? getenv("SUDO_USER") : NULL;
	const struct passwd *pw = getpwuid(getuid());
	char who[32];
	snprintf(who, sizeof who, "%s", pw ? pw->pw_name : "unknown");
	if (sudo && *sudo)
		snprintf(out, ACTOR_SIZE, "chabarctl:%s(sudo %.24s)", who, sudo);
	else
		snprintf(out, ACTOR_SIZE, "chabarctl:%s", who);
}

static struct tip_ctx tips(const struct cfg *cfg, struct store *s)
{
	return (struct tip_ctx){s, cfg, NULL, clock_time()};
}

static int cmd_liaison(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE];
	const char *lang = ctl_language(argv[2]);
	if (!ctl_number(argv[0], msisdn) || !lang || (argv[3] && ctl_district(s, argv[3]) != 0))
		return 1;
	struct store_new_person p = {.msisdn = msisdn,
				     .name = argv[1],
				     .role = "liaison",
				     .language = lang,
				     .district = argv[3]};
	if (store_person_add(s, &p, clock_time()) < 0)
		return ctl_fail("liaison add", s);
	printf("liaison %s enrolled\n", argv[1]);
	return 0;
}

/* Field f of a row is wrong, and why: CTL_WRONG. */
static int wrong(int *field, int f, char why[CTL_WHY_SIZE], const char *what)
{
	*field = f;
	snprintf(why, CTL_WHY_SIZE, "%s", what);
	return CTL_WRONG;
}

int ctl_roster_put(struct store *s, char *const *w, int *field, char why[CTL_WHY_SIZE])
{
	char msisdn[MSISDN_SIZE], *end;
	int days, from, to, order = 1;
	if (msisdn_normalize(w[1], strlen(w[1]), msisdn) < 0 || !ctl_officer_of(s, msisdn, w[0]))
		return wrong(field, 1, why,
			     "no such officer in that district (chabarctl officer list)");
	if (roster_parse_days(w[2], &days) < 0)
		return wrong(field, 2, why, "days are mon-fri, sat,sun, mon,wed-fri or daily");
	if (roster_parse_hours(w[3], &from, &to) < 0)
		return wrong(field, 3, why,
			     "hours are HH:MM-HH:MM, e.g. 08:00-18:00 or 22:00-06:00");
	if (w[4] && *w[4] &&
	    ((order = (int)strtol(w[4], &end, 10)) < 1 || order > ROSTER_ORDER_MAX || *end))
		return wrong(field, 4, why, "the order is a number from 1 to 99");
	int put = store_roster_add(s, w[0], msisdn, days, from, to, order);
	return put < 0 ? STORE_ERROR : put;
}

static int cmd_roster_add(const struct cfg *cfg, struct store *s, char **argv)
{
	char why[CTL_WHY_SIZE];
	int field;
	if (ctl_district(s, argv[0]) != 0)
		return 1;
	int put = ctl_roster_put(s, argv, &field, why);
	if (put == STORE_ERROR)
		return ctl_fail("roster add", s);
	if (put == CTL_WRONG) {
		fprintf(stderr, "chabarctl: %s\n", why);
		return 1;
	}
	printf("%s is on call in %s, %s %s%s\n", argv[1], argv[0], argv[2], argv[3],
	       put ? "" : " (so already)");
	return 0;
}

static int cmd_roster_remove(const struct cfg *cfg, struct store *s, char **argv)
{
	char msisdn[MSISDN_SIZE];
	if (!ctl_number(argv[1], msisdn))
		return 1;
	int removed = store_roster_remove(s, argv[0], msisdn);
	if (removed < 0)
		return ctl_fail("roster remove", s);
	printf("%d row%s removed\n", removed, removed == 1 ? "" : "s");
	return removed > 0 ? 0 : 1;
}

static void print_roster(void *arg, const char *const *v)
{
	char days[32], hours[24];
	roster_format((int)strtol(v[3], NULL, 10), (int)strtol(v[4], NULL, 10),
		      (int)strtol(v[5], NULL, 10), days, hours);
	printf("%-8s %-2s %-14s %-28s %-11s %s\n", v[0], v[6], v[1], days, hours, v[2]);
}

static int cmd_roster_list(const struct cfg *cfg, struct store *s, char **argv)
{
	printf("%-8s %-2s %-14s %-28s %-11s %s\n", "district", "#", "officer", "days", "hours",
	       "name");
	return store_list(s, STORE_LIST_ROSTER, argv[0], print_roster, NULL) < 0
		   ? ctl_fail("roster list", s)
		   : 0;
}

static void print_tip(void *arg, const char *const *v)
{
	char hhmm[6], date[11];
	actions_local_time(v[3], strtoll(v[1], NULL, 10), hhmm, date);
	printf("%-8s %s %s  %-8s %-12s %-9s %-9s %s\n", v[0], date, hhmm, v[2], v[4], v[5],
	       strcmp(v[7], "1") == 0   ? "liaison"
	       : strcmp(v[8], "1") == 0 ? "anonymous"
					: "named",
	       v[6]);
}

/* The audit line of a command's read or change, and the commit of the
 * transaction it ran in. 0, or 1 having said why. */
static int audited(struct store *s, const char *what, int64_t tip_id, const char *action,
		   const struct cfg *cfg)
{
	char who[ACTOR_SIZE];
	actor(who);
	struct tip_ctx c = tips(cfg, s);
	if (tip_audit(&c, who, tip_id, action) < 0 || store_commit(s) < 0) {
		store_rollback(s);
		return ctl_fail(what, s);
	}
	return 0;
}

static int cmd_tip_list(const struct cfg *cfg, struct store *s, char **argv)
{
	if (store_begin(s) < 0)
		return ctl_fail("tip list", s);
	printf("%-8s %-16s  %-8s %-12s %-9s %-9s %s\n", "tip", "received", "district", "category",
	       "status", "from", "officer");
	if (store_list(s, STORE_LIST_TIPS, argv[0], print_tip, NULL) < 0) {
		store_rollback(s);
		return ctl_fail("tip list", s);
	}
	return audited(s, "tip list", 0, argv[0] ? "list district" : "list", cfg);
}

/* The tip REF, in a transaction begun here: 1, or 0 having said why. */
static int find_tip(struct store *s, const char *typed, struct store_tip *t)
{
	char ref[TIP_REF_SIZE];
	if (!tip_ref_read(typed, strlen(typed), ref)) {
		fprintf(stderr, "chabarctl: \"%s\" is no tip reference (like K7M-4TX)\n", typed);
		return 0;
	}
	int found = store_begin(s) < 0 ? STORE_ERROR : store_tip_find(s, ref, 0, t);
	if (found != 1) {
		store_rollback(s);
		if (found == 0)
			fprintf(stderr, "chabarctl: no tip %s\n", ref);
		else
			ctl_fail("tip", s);
	}
	return found == 1;
}

static int cmd_tip_show(const struct cfg *cfg, struct store *s, char **argv)
{
	struct store_tip t;
	if (!find_tip(s, argv[0], &t))
		return 1;
	char hhmm[6], date[11];
	actions_local_time(t.timezone, t.created_at, hhmm, date);
	printf("tip       %s\nreceived  %s %s by %s\n", t.ref, date, hhmm, t.channel);
	printf("where     %s\ncategory  %s\n", t.district[0] ? t.district : t.place, t.category);
	printf("from      %s%s%s\n",
	       t.callback[0] ? "named, to be called back at +"
	       : t.liaison   ? "a liaison, anonymous"
			     : "anonymous",
	       t.callback, t.callback[0] && t.liaison ? " (a liaison)" : "");
	printf("status    %s, officer %lld, alerts %d\n", t.status, (long long)t.officer_id,
	       t.escalations);
	printf("relay     %s\n", t.relay ? "the reporter can be written to" : "purged");
	printf("text      %s\n", t.body);
	return audited(s, "tip show", t.id, "show", cfg);
}

static int cmd_tip_block(const struct cfg *cfg, struct store *s, char **argv)
{
	struct store_tip t;
	if (!find_tip(s, argv[0], &t))
		return 1;
	if (store_tip_block(s, t.id, argv[1], clock_time()) < 0) {
		store_rollback(s);
		return ctl_fail("tip block", s);
	}
	if (audited(s, "tip block", t.id, "block", cfg) != 0)
		return 1;
	printf("tips from the sender of %s are refused from now on\n", t.ref);
	return 0;
}

static void print_audit(void *arg, const char *const *v)
{
	char hhmm[6], date[11];
	actions_local_time("UTC", strtoll(v[0], NULL, 10), hhmm, date);
	printf("%s %s UTC  %-24s %-8s %s\n", date, hhmm, v[1], v[2], v[3]);
}

static int cmd_audit(const struct cfg *cfg, struct store *s, char **argv)
{
	return store_list(s, STORE_LIST_AUDIT, argv[0], print_audit, NULL) < 0
		   ? ctl_fail("audit", s)
		   : 0;
}

const struct command ctl_tip_commands[] = {
    {"liaison", "add", "MSISDN NAME LANG [DISTRICT]",
     "enrol a community liaison: officers see that a tip came from a liaison, never which", 4, 1,
     cmd_liaison},
    {"roster", "add", "DISTRICT OFFICER DAYS HH:MM-HH:MM [ORDER]",
     "put an officer on call for tips (DAYS: mon-fri, sat,sun, daily; local time)", 5, 1,
     cmd_roster_add},
    {"roster", "remove", "DISTRICT OFFICER", "take an officer off the district's roster", 2, 0,
     cmd_roster_remove},
    {"roster", "list", "[DISTRICT]", "who is on call for tips, when, in which order", 1, 1,
     cmd_roster_list},
    {"tip", "list", "[DISTRICT]", "tips, oldest first (the read is kept in the audit log)", 1, 1,
     cmd_tip_list},
    {"tip", "show", "REF", "one tip whole (the read is kept in the audit log)", 1, 0, cmd_tip_show},
    {"tip", "block", "REF BY",
     "refuse tips from whoever sent REF, without learning who; BY: who decided", 2, 0,
     cmd_tip_block},
    {"audit", NULL, "[REF]", "who read or relayed which tip, and when", 1, 1, cmd_audit},
};
const size_t ctl_tip_command_count = sizeof ctl_tip_commands / sizeof ctl_tip_commands[0];
