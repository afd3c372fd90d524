/*
 * ctl — what chabarctl's commands share: a command's row in the table
 * main() reads (ctl.c), and the checks every command makes of its
 * arguments, each saying what is wrong on standard error.
 */
#ifndef CHABAR_CTL_H
#define CHABAR_CTL_H

#include <stdbool.h>

#include "cfg.h"
#include "msisdn.h"
#include "store.h"

struct command {
	const char *name;
	const char *verb; /* the word after the name ("add"), or NULL */
	const char *args;
	const char *help;
	int argc;     /* arguments after the name and verb */
	int optional; /* how many of the last ones may be left out */
	int (*run)(const struct cfg *cfg, struct store *s, char **argv);
};

/* The tips' commands (ctl_tip.c): liaisons, rosters, tips, the audit log. */
extern const struct command ctl_tip_commands[];
extern const size_t ctl_tip_command_count;
/* The imports' (ctl_import.c): persons, appointments, rosters from CSV. */
extern const struct command ctl_import_commands[];
extern const size_t ctl_import_command_count;
/* The exports' (ctl_export.c): CSV out, and the compliance report. */
extern const struct command ctl_export_commands[];
extern const size_t ctl_export_command_count;
/* The records' (ctl_records.c): lists, shows, edits, PIN reset, purge. */
extern const struct command ctl_record_commands[];
extern const size_t ctl_record_command_count;

/* "chabarctl: what: the store's error"; 1. */
int ctl_fail(const char *what, struct store *s);

/* A language code as stored ("uz_cyrl" is uz_Cyrl), or a message and
 * NULL: a code chabar has no catalog for would fall back silently. */
const char *ctl_language(const char *text);

/* A number as stored, or a message and NULL. */
const char *ctl_number(const char *text, char out[MSISDN_SIZE]);

/* 0 if zone is one of the region's in tzdata, else -1 having said which
 * are. */
int ctl_zone(const char *zone);

/* 0 if the district is there, else 1 having said so (or the store's
 * error). */
int ctl_district(struct store *s, const char *code);

/* Whether officer (a number as stored) is one of district's. */
bool ctl_officer_of(struct store *s, const char *officer, const char *district);

/* An optional last argument that may only be flag ("--dry-run"): 1 if
 * arg is flag, 0 if there is none, or -1 having said that the command
 * (as usage names it) takes flag or nothing. */
int ctl_flag(const char *arg, const char *flag, const char *usage);

/* A PIN from the command line, or from standard input for "-" (so it
 * stays out of the shell's history and the process list): 0, or -1
 * having said why. */
int ctl_read_pin(const char *arg, char pin[16]);

/* What is wrong with an argument or a CSV field, in a line. */
#define CTL_WHY_SIZE 200
#define CTL_WRONG    (-2) /* an argument or a field is wrong (STORE_ERROR is -1) */

/* An on-call roster row: district, officer, days, hours, order (NULL or
 * "": 1), the district known to be there. 1 added or changed, 0 as it
 * was, CTL_WRONG (*field: which of w, why says what), or STORE_ERROR. */
int ctl_roster_put(struct store *s, char *const *w, int *field, char why[CTL_WHY_SIZE]);

#endif
