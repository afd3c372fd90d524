/* chabarctl — the administrator's command line. For now: apply the schema
 * migrations and report the schema version; enrolment, imports, rosters,
 * lint and reports arrive with the features they serve. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "migrate.h"
#include "store.h"

#ifndef CHABAR_SYSCONFDIR
#define CHABAR_SYSCONFDIR "/etc"
#endif

static void usage(FILE *out)
{
	fprintf(out, "usage: chabarctl [-c config] command\n"
		     "commands:\n"
		     "  migrate   create or upgrade the database named in the config\n"
		     "  version   print the program's and the database's schema version\n");
}

static int open_store(const struct cfg *cfg)
{
	char err[512];
	struct store *s = store_open(cfg->database, cfg->synchronous, err, sizeof err);
	if (!s) {
		fprintf(stderr, "chabarctl: %s\n", err);
		return 1;
	}
	printf("database %s at schema version %d\n", cfg->database, store_schema_version(s));
	store_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cfg_path = CHABAR_SYSCONFDIR "/chabar/chabar.conf";
	int opt;
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	const char *command = argv[optind];
	if (strcmp(command, "version") == 0) {
		printf("chabarctl %s, schema version %d\n", PACKAGE_VERSION, migrate_script_count);
		return 0;
	}
	if (strcmp(command, "migrate") != 0) {
		fprintf(stderr, "chabarctl: unknown command \"%s\"\n", command);
		usage(stderr);
		return 2;
	}
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
	int rc = open_store(cfg);
	cfg_unref(cfg);
	return rc;
}
