/* ctl_import — chabarctl import persons|appointments|roster|services FILE
 * [--dry-run] (ctl.h): a caseload, its appointments, the on-call rosters
 * and the reintegration services directory from a spreadsheet's CSV. A header row names the
 * columns, in any order. The file must be UTF-8 (a byte-order mark is skipped; UTF-16 or other
 * bytes are refused with where, before anything is read). Every row is checked and every error said
 * as file:line:column: message; nothing is kept unless every row is right, in one transaction.
 * --dry-run says what would change and keeps nothing. Importing the same file again changes
 * nothing. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "csv.h"
#include "ctl.h"
#include "locale.h"
#include "plan.h"
#include "remind.h"
#include "tz.h"
#include "utf.h"
#include "watch.h"

#define IMPORT_FILE_MAX (16 << 20)
#define FIELDS_MAX      12
#define COLUMNS_MAX     8

/* One row as read: its fields, where each began, and which field holds
 * each of the kind's columns (-1: none). */
struct row {
	const char *file;
	int line;
	char *field[FIELDS_MAX];
	size_t start[FIELDS_MAX];
	int count;
	const int *column;
};

/* What a row did: added, changed, as it was; or it is wrong (said), or
 * STORE_ERROR. */
enum { ROW_SAME, ROW_ADDED, ROW_CHANGED, ROW_WRONG = -2 };

struct kind {
	const char *name;
	const char *columns[COLUMNS_MAX]; /* the first `required` must be there */
	int required;
	int (*apply)(const struct cfg *cfg, struct store *s, const struct row *r);
};

/* Column c of the row ("" if the file has no such column). */
static const char *value(const struct row *r, int c)
{
	int f = r->column[c];
	return f >= 0 && f < r->count ? r->field[f] : "";
}

/* "file:line:column: message" about column c; ROW_WRONG. */
static int wrong(const struct row *r, int c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int wrong(const struct row *r, int c, const char *fmt, ...)
{
	int f = c >= 0 ? r->column[c] : -1;
	fprintf(stderr, "%s:%d:%zu: ", r->file, r->line,
		f >= 0 && f < r->count ? r->start[f] + 1 : (size_t)1);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ROW_WRONG;
}

/* The region's numbers (E.164 without +): country code and length. */
static bool region_number(const char *n)
{
	static const struct {
		const char *cc;
		size_t len;
	} plans[] = {{"996", 12}, {"998", 12}, {"992", 12}, {"993", 11}, {"7", 11}};
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++)
		if (strncmp(n, plans[i].cc, strlen(plans[i].cc)) == 0 && strlen(n) == plans[i].len)
			return true;
	return false;
}

/* The number in column c, normalised, of the region: 0, or ROW_WRONG
 * said. */
static int number(const struct row *r, int c, char out[MSISDN_SIZE])
{
	const char *v = value(r, c);
	if (msisdn_normalize(v, strlen(v), out) < 0 || !region_number(out))
		return wrong(r, c,
			     "\"%s\" is not a phone number of the region (+996, +998, +992, "
			     "+993, +7 and its digits)",
			     v);
	return 0;
}

/* persons: number, name, language, district, officer, tier, role */
static int apply_person(const struct cfg *cfg, struct store *s, const struct row *r)
{
	char msisdn[MSISDN_SIZE], officer[MSISDN_SIZE];
	/* a column the file lacks, or an empty cell: as it is */
	const char *lang = value(r, 2), *district = value(r, 3), *tier = value(r, 5);
	const char *role = value(r, 6);
	/* every field is checked, each error said */
	bool bad = number(r, 0, msisdn) < 0;
	if (!*value(r, 1))
		bad = wrong(r, 1, "a name is needed");
	if (*lang && !(lang = locales_language_find(lang, strlen(lang))))
		bad = wrong(r, 2, "\"%s\" is no language chabar has (ky ru uz kk tg en uz_Cyrl)",
			    value(r, 2));
	if (*district && store_district_exists(s, district) != 1)
		bad = wrong(r, 3, "no district \"%s\" (chabarctl district list)", district);
	if (*value(r, 4) && !*district)
		bad = wrong(r, 4, "an officer needs the district in the same row");
	else if (*value(r, 4) &&
		 (number(r, 4, officer) < 0 || !ctl_officer_of(s, officer, district)))
		bad = wrong(r, 4, "no officer %s in district \"%s\"", value(r, 4), district);
	if (*tier && strcmp(tier, "none") != 0 && !plan_tier(&cfg->tiers, tier))
		bad = wrong(r, 5, "no [tier.%s] in the config", tier);
	if (*role && strcmp(role, "supervised") != 0 && strcmp(role, "liaison") != 0)
		bad = wrong(r, 6, "the role is supervised or liaison, not \"%s\"", role);
	if (bad)
		return ROW_WRONG;
	struct store_person before;
	int existed = store_person_find(s, msisdn, &before);
	struct store_new_person p = {.msisdn = msisdn,
				     .name = value(r, 1),
				     .role = *role ? role : NULL,
				     .language = *lang ? lang : NULL,
				     .district = *district ? district : NULL,
				     .officer = *value(r, 4) ? officer : NULL};
	int changed = existed < 0 ? existed : store_person_upsert(s, &p, clock_time());
	if (changed < 0)
		return STORE_ERROR;
	bool tier_changes =
	    *tier && strcmp(existed == 1 ? before.tier : "", strcmp(tier, "none") ? tier : "");
	if (tier_changes) { /* its windows planned in the district it now has */
		struct store_person now;
		int64_t id = store_person_tier_set(s, msisdn, strcmp(tier, "none") ? tier : NULL,
						   "chabarctl import", clock_time());
		struct watch_ctx w = {s, cfg, NULL, clock_time(), 0};
		if (id < 0 || store_person_find(s, msisdn, &now) != 1 ||
		    watch_plan(&w, id, strcmp(tier, "none") ? tier : NULL, now.timezone) < 0)
			return STORE_ERROR;
	}
	return existed != 1 ? ROW_ADDED : changed || tier_changes ? ROW_CHANGED : ROW_SAME;
}

/* appointments: number, "YYYY-MM-DD HH:MM" local to the person's
 * district, place */
static int apply_appointment(const struct cfg *cfg, struct store *s, const struct row *r)
{
	char msisdn[MSISDN_SIZE];
	struct store_person p;
	struct tm tm = {0};
	if (number(r, 0, msisdn) < 0)
		return ROW_WRONG;
	int found = store_person_find(s, msisdn, &p);
	if (found < 0)
		return STORE_ERROR;
	if (found == 0)
		return wrong(r, 0, "%s is not enrolled (import persons first)", value(r, 0));
	char *end = strptime(value(r, 1), "%Y-%m-%d %H:%M", &tm);
	const struct tz *zone = tz_or_utc(p.timezone);
	if (!end || *end || !zone)
		return wrong(r, 1,
			     "the time is YYYY-MM-DD HH:MM, local to the district, not \"%s\"",
			     value(r, 1));
	int64_t at = tz_utc(zone, (int64_t)timegm(&tm)), now = clock_time();
	if (at <= now)
		return wrong(r, 1, "%s is past", value(r, 1));
	int there = store_appointment_at(s, msisdn, at);
	if (there != 0)
		return there < 0 ? STORE_ERROR : ROW_SAME;
	int64_t id = store_appointment_add(s, msisdn, at, value(r, 2), now);
	struct remind_ctx rc = {s, cfg, NULL, NULL, now, 0};
	return id < 0 || remind_plan(&rc, id) < 0 ? STORE_ERROR : ROW_ADDED;
}

/* roster: district, officer, days, hours, order */
static int apply_roster(const struct cfg *cfg, struct store *s, const struct row *r)
{
	char why[CTL_WHY_SIZE];
	char *w[5];
	int field;
	for (int c = 0; c < 5; c++)
		w[c] = (char *)value(r, c);
	if (store_district_exists(s, w[0]) != 1)
		return wrong(r, 0, "no district \"%s\" (chabarctl district list)", w[0]);
	int put = ctl_roster_put(s, w, &field, why);
	if (put == CTL_WRONG)
		return wrong(r, field, "%s", why);
	return put < 0 ? STORE_ERROR : put ? ROW_ADDED : ROW_SAME; /* or its order changed */
}

/* services: district, kind, name, address, phone, hours */
static int apply_service(const struct cfg *cfg, struct store *s, const struct row *r)
{
	static const char *const service_kinds[] = {"documents", "work", "health", "family"};
	const char *kind = value(r, 1);
	bool bad = false;
	if (store_district_exists(s, value(r, 0)) != 1)
		bad = wrong(r, 0, "no district \"%s\" (chabarctl district list)", value(r, 0));
	size_t k = 0;
	while (k < 4 && strcmp(kind, service_kinds[k]) != 0)
		k++;
	if (k == 4)
		bad =
		    wrong(r, 1, "the kind is documents, work, health or family, not \"%s\"", kind);
	if (!*value(r, 2))
		bad = wrong(r, 2, "a name is needed");
	if (bad)
		return ROW_WRONG;
	int put = store_service_put(s, value(r, 0), kind, value(r, 2), value(r, 3), value(r, 4),
				    value(r, 5));
	return put < 0 ? STORE_ERROR : put == 1 ? ROW_ADDED : put == 2 ? ROW_CHANGED : ROW_SAME;
}

static const struct kind kinds[] = {
    {"persons",
     {"number", "name", "language", "district", "officer", "tier", "role"},
     2,
     apply_person},
    {"appointments", {"number", "time", "place"}, 2, apply_appointment},
    {"roster", {"district", "officer", "days", "hours", "order"}, 4, apply_roster},
    {"services", {"district", "kind", "name", "address", "phone", "hours"}, 3, apply_service},
};

/* The whole file, checked to be UTF-8 (a byte-order mark skipped): NULL
 * having said why. *text is where the text starts in what is returned. */
static char *read_utf8(const char *file, char **text)
{
	FILE *f = fopen(file, "rb");
	if (!f) {
		perror(file);
		return NULL;
	}
	char *buf = malloc(IMPORT_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, IMPORT_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > IMPORT_FILE_MAX) {
		fprintf(stderr, "%s: %s\n", file, buf ? "larger than 16 MiB" : "out of memory");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*text = buf;
	if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		*text += 3; /* a UTF-8 byte-order mark, as Excel writes */
	if (n >= 2 && (memcmp(buf, "\xff\xfe", 2) == 0 || memcmp(buf, "\xfe\xff", 2) == 0)) {
		fprintf(stderr, "%s:1:1: UTF-16 (a byte-order mark); save it as \"CSV UTF-8\"\n",
			file);
		free(buf);
		return NULL;
	}
	int line = 1;
	for (char *p = *text, *start = *text; p < buf + n;) {
		size_t i = 1;
		if ((unsigned char)*p >= 0x80) /* one character: valid, or where it is not */
			while (i < 4 && ((unsigned char)p[i] & 0xc0) == 0x80)
				i++;
		if (!utf8_valid(p, i) || !*p) {
			fprintf(stderr, "%s:%d:%ld: %s; save it as \"CSV UTF-8\"\n", file, line,
				(long)(p - start) + 1, *p ? "not UTF-8" : "a NUL byte");
			free(buf);
			return NULL;
		}
		if (*p == '\n') {
			line++;
			start = p + 1;
		}
		p += i;
	}
	return buf;
}

/* The header row: which field names each of k's columns. 0, or -1 said. */
static int header(const struct kind *k, struct row *r, int column[COLUMNS_MAX])
{
	for (int f = 0; f < r->count; f++)
		for (int g = 0; g < f; g++)
			if (strcmp(r->field[f], r->field[g]) == 0) {
				fprintf(stderr, "%s:1:%zu: column \"%s\" twice\n", r->file,
					r->start[f] + 1, r->field[f]);
				return -1;
			}
	for (int c = 0; c < COLUMNS_MAX; c++)
		column[c] = -1;
	for (int f = 0; f < r->count; f++) {
		int c = 0;
		while (c < COLUMNS_MAX && k->columns[c] && strcmp(k->columns[c], r->field[f]) != 0)
			c++;
		if (c == COLUMNS_MAX || !k->columns[c]) {
			fprintf(stderr, "%s:1:%zu: no column \"%s\" in %s; they are:", r->file,
				r->start[f] + 1, r->field[f], k->name);
			for (c = 0; c < COLUMNS_MAX && k->columns[c]; c++)
				fprintf(stderr, " %s", k->columns[c]);
			fputc('\n', stderr);
			return -1;
		}
		column[c] = f;
	}
	for (int c = 0; c < k->required; c++)
		if (column[c] < 0) {
			fprintf(stderr, "%s:1:1: the header names no column %s\n", r->file,
				k->columns[c]);
			return -1;
		}
	return 0;
}

static int import(const struct cfg *cfg, struct store *s, const struct kind *k, char **argv)
{
	char usage[64];
	snprintf(usage, sizeof usage, "import %s FILE", k->name);
	int dry = ctl_flag(argv[1], "--dry-run", usage);
	if (dry < 0)
		return 2;
	char *text, *buf = read_utf8(argv[0], &text);
	if (!buf)
		return 1;
	int column[COLUMNS_MAX], tally[3] = {0}, errors = 0, rc = 0;
	bool have_header = false;
	int width = 0; /* the header's fields */
	struct row r = {.file = argv[0], .column = column};
	if (store_begin(s) < 0) {
		free(buf);
		return ctl_fail("import", s);
	}
	for (char *line = text, *next; line && rc != STORE_ERROR; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		r.line++;
		if (!*line)
			continue; /* an empty line */
		r.count = csv_split(line, r.field, r.start, FIELDS_MAX);
		if (r.count < 0) {
			fprintf(stderr, "%s:%d:1: more than %d fields, or a quote left open\n",
				r.file, r.line, FIELDS_MAX);
			errors++;
		} else if (!have_header) {
			if (header(k, &r, column) < 0) {
				errors++;
				break;
			}
			have_header = true;
			width = r.count;
		} else if (r.count > width) {
			fprintf(stderr,
				"%s:%d:%zu: more fields than the header names (a comma in a "
				"value? put the value in double quotes)\n",
				r.file, r.line, r.start[width] + 1);
			errors++;
		} else if ((rc = k->apply(cfg, s, &r)) == ROW_WRONG) {
			errors++;
		} else if (rc >= ROW_SAME && rc <= ROW_CHANGED) {
			tally[rc]++;
			if (dry && rc != ROW_SAME) /* what would change, row by row */
				printf("%s:%d: would %s %s\n", r.file, r.line,
				       rc == ROW_ADDED ? "add" : "change", value(&r, 0));
		}
	}
	free(buf);
	if (rc == STORE_ERROR) {
		store_rollback(s);
		return ctl_fail("import", s);
	}
	if (!have_header && !errors) {
		fprintf(stderr, "%s:1:1: empty: a header row names the columns\n", argv[0]);
		errors = 1;
	}
	if (errors || dry) {
		store_rollback(s);
		if (errors) {
			fprintf(stderr, "chabarctl: %d wrong row%s in %s: nothing imported\n",
				errors, errors == 1 ? "" : "s", argv[0]);
			return 1;
		}
	} else if (store_commit(s) < 0) {
		store_rollback(s);
		return ctl_fail("import", s);
	}
	printf("%s: %s%d added, %d changed, %d as they were\n", argv[0], dry ? "would be " : "",
	       tally[ROW_ADDED], tally[ROW_CHANGED], tally[ROW_SAME]);
	return 0;
}

static int cmd_import_persons(const struct cfg *cfg, struct store *s, char **argv)
{
	return import(cfg, s, &kinds[0], argv);
}

static int cmd_import_appointments(const struct cfg *cfg, struct store *s, char **argv)
{
	return import(cfg, s, &kinds[1], argv);
}

static int cmd_import_roster(const struct cfg *cfg, struct store *s, char **argv)
{
	return import(cfg, s, &kinds[2], argv);
}

static int cmd_import_services(const struct cfg *cfg, struct store *s, char **argv)
{
	return import(cfg, s, &kinds[3], argv);
}

const struct command ctl_import_commands[] = {
    {"import", "persons", "FILE [--dry-run]",
     "a caseload from CSV: number,name[,language,district,officer,tier,role]", 2, 1,
     cmd_import_persons},
    {"import", "appointments", "FILE [--dry-run]",
     "appointments from CSV: number,time (YYYY-MM-DD HH:MM, local)[,place]", 2, 1,
     cmd_import_appointments},
    {"import", "roster", "FILE [--dry-run]",
     "on-call rosters from CSV: district,officer,days,hours[,order]", 2, 1, cmd_import_roster},
    {"import", "services", "FILE [--dry-run]",
     "the services directory from CSV: district,kind,name[,address,phone,hours]", 2, 1,
     cmd_import_services},
};
const size_t ctl_import_command_count = sizeof ctl_import_commands / sizeof ctl_import_commands[0];
