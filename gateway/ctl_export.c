/* ctl_export — what chabarctl gives back (ctl.h): the caseload, the
 * rosters and the services directory as CSV in the columns `chabarctl
 * import` reads (a file exported imports again, changing nothing);
 * appointments (with their status) and check-ins over a range of days as
 * CSV records; and the compliance report per district and officer, as an
 * aligned table or as CSV. Times shown are local to each person's
 * district; the range is of UTC days. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "roster.h"
#include "tz.h"

#define SECONDS_PER_DAY 86400

/* One CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *v, bool last)
{
	if (strpbrk(v, ",\"\r\n")) {
		putchar('"');
		for (; *v; v++) {
			if (*v == '"')
				putchar('"');
			putchar(*v);
		}
		putchar('"');
	} else {
		fputs(v, stdout);
	}
	putchar(last ? '\n' : ',');
}

static void csv_row(const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		csv_field(v[i], i == n - 1);
}

/* t in zone as "YYYY-MM-DD HH:MM", as imports read it. */
static void local(const char *zone, const char *t, char out[32])
{
	struct tm tm;
	tz_local_named(zone, strtoll(t, NULL, 10), &tm);
	if (strftime(out, 32, "%Y-%m-%d %H:%M", &tm) == 0)
		out[0] = '\0';
}

static void row_person(void *arg, const char *const *v)
{
	csv_row(v, 7);
}

static void row_appointment(void *arg, const char *const *v)
{
	char at[32];
	local(v[2], v[1], at);
	const char *out[] = {v[0], at, v[3], v[4]};
	csv_row(out, 4);
}

static void row_roster(void *arg, const char *const *v)
{
	char days[32], hours[24];
	roster_format((int)strtol(v[2], NULL, 10), (int)strtol(v[3], NULL, 10),
		      (int)strtol(v[4], NULL, 10), days, hours);
	const char *out[] = {v[0], v[1], days, hours, v[5]};
	csv_row(out, 5);
}

static void row_checkin(void *arg, const char *const *v)
{
	char at[32];
	local(v[4], v[3], at);
	const char *out[] = {v[0], v[1], v[2], at,
			     v[5], v[6], v[7], strcmp(v[8], "1") == 0 ? "outside" : "in"};
	csv_row(out, 8);
}

/* "YYYY-MM-DD" FROM and TO (inclusive), UTC days: [*from, *to). 0, or 2
 * having said why. */
static int days(const char *from_text, const char *to_text, int64_t *from, int64_t *to)
{
	struct tm a = {0}, b = {0};
	char *ea = strptime(from_text, "%Y-%m-%d", &a), *eb = strptime(to_text, "%Y-%m-%d", &b);
	if (!ea || *ea || !eb || *eb) {
		fprintf(stderr, "chabarctl: dates are YYYY-MM-DD, e.g. 2026-11-01 2026-11-30\n");
		return 2;
	}
	*from = (int64_t)timegm(&a);
	*to = (int64_t)timegm(&b) + SECONDS_PER_DAY;
	if (*to <= *from) {
		fprintf(stderr, "chabarctl: %s is after %s\n", from_text, to_text);
		return 2;
	}
	return 0;
}

static int export(struct store *s, enum store_span which, const char *const *header, int n,
		  store_row_fn row, int64_t from, int64_t to)
{
	csv_row(header, n);
	return store_span(s, which, from, to, row, NULL) < 0 ? ctl_fail("export", s) : 0;
}

static int cmd_export_persons(const struct cfg *cfg, struct store *s, char **argv)
{
	static const char *const h[] = {"number",  "name", "language", "district",
					"officer", "tier", "role"};
	return export(s, STORE_SPAN_PERSONS, h, 7, row_person, 0, 0);
}

static int cmd_export_roster(const struct cfg *cfg, struct store *s, char **argv)
{
	static const char *const h[] = {"district", "officer", "days", "hours", "order"};
	return export(s, STORE_SPAN_ROSTER, h, 5, row_roster, 0, 0);
}

static void row_service(void *arg, const char *const *v)
{
	csv_row(v, 6);
}

static int cmd_export_services(const struct cfg *cfg, struct store *s, char **argv)
{
	static const char *const h[] = {"district", "kind", "name", "address", "phone", "hours"};
	return export(s, STORE_SPAN_SERVICES, h, 6, row_service, 0, 0);
}

static int cmd_export_appointments(const struct cfg *cfg, struct store *s, char **argv)
{
	static const char *const h[] = {"number", "time", "place", "status"};
	int64_t from, to;
	int rc = days(argv[0], argv[1], &from, &to);
	return rc ? rc : export(s, STORE_SPAN_APPOINTMENTS, h, 4, row_appointment, from, to);
}

static int cmd_export_checkins(const struct cfg *cfg, struct store *s, char **argv)
{
	static const char *const h[] = {"number",   "name",    "district", "time",
					"location", "channel", "receipt",  "window"};
	int64_t from, to;
	int rc = days(argv[0], argv[1], &from, &to);
	return rc ? rc : export(s, STORE_SPAN_CHECKINS, h, 8, row_checkin, from, to);
}

/* The compliance report's columns, and the widths of its table. */
static const char *const report_header[] = {
    "district",       "officer",        "checkins_in_window",  "checkins_outside",
    "windows_missed", "reminders_sent", "reminders_delivered", "appointments_confirmed",
    "attended",       "missed"};
#define REPORT_COLUMNS 10

static void row_report_csv(void *arg, const char *const *v)
{
	csv_row(v, REPORT_COLUMNS);
}

static void row_report_table(void *arg, const char *const *v)
{
	printf("%-8s %-22.22s %9s %9s %8s %9s %9s %9s %8s %6s\n", v[0], v[1], v[2], v[3], v[4],
	       v[5], v[6], v[7], v[8], v[9]);
}

static int cmd_report(const struct cfg *cfg, struct store *s, char **argv)
{
	int csv = ctl_flag(argv[2], "--csv", "report FROM TO");
	if (csv < 0)
		return 2;
	int64_t from, to;
	int rc = days(argv[0], argv[1], &from, &to);
	if (rc)
		return rc;
	if (csv)
		csv_row(report_header, REPORT_COLUMNS);
	else
		printf(
		    "compliance %s to %s (UTC days)\n%-8s %-22s %9s %9s %8s %9s %9s %9s %8s %6s\n"
		    "%-8s %-22s %9s %9s %8s %9s %9s %9s %8s %6s\n",
		    argv[0], argv[1], "", "", "check-ins", "", "windows", "reminders", "",
		    "appoint.", "", "", "district", "officer", "in window", "outside", "missed",
		    "sent", "delivered", "confirmed", "attended", "missed");
	return store_span(s, STORE_SPAN_REPORT, from, to, csv ? row_report_csv : row_report_table,
			  NULL) < 0
		   ? ctl_fail("report", s)
		   : 0;
}

const struct command ctl_export_commands[] = {
    {"export", "persons", "", "the active caseload as CSV (the columns import persons reads)", 0, 0,
     cmd_export_persons},
    {"export", "roster", "", "the on-call rosters as CSV (the columns import roster reads)", 0, 0,
     cmd_export_roster},
    {"export", "services", "", "the services directory as CSV (the columns import services reads)",
     0, 0, cmd_export_services},
    {"export", "appointments", "FROM TO",
     "appointments from one day to another (YYYY-MM-DD, UTC) as CSV, with their status", 2, 0,
     cmd_export_appointments},
    {"export", "checkins", "FROM TO",
     "check-ins from one day to another (YYYY-MM-DD, UTC) as CSV, local times", 2, 0,
     cmd_export_checkins},
    {"report", NULL, "FROM TO [--csv]",
     "compliance per district and officer: check-ins in and out of window, windows missed, "
     "reminders sent and delivered, appointments confirmed, attended, missed",
     3, 1, cmd_report},
};
const size_t ctl_export_command_count = sizeof ctl_export_commands / sizeof ctl_export_commands[0];
