/* chabard — the daemon's entry point: options, config, then the loop. */
#include "config.h"

#include <ev.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "clock.h"
#include "daemon.h"
#include "lint.h"
#include "log.h"

#ifndef CHABAR_SYSCONFDIR
#define CHABAR_SYSCONFDIR "/etc"
#endif

static void usage(FILE *out)
{
	fprintf(out, "usage: chabard [-fndVh] [-c config]\n"
		     "  -c FILE  config file (default " CHABAR_SYSCONFDIR "/chabar/chabar.conf)\n"
		     "  -f       stay in the foreground\n"
		     "  -n       check the config, print every error, and exit\n"
		     "  -d       log at debug level (shows numbers and texts: not for production)\n"
		     "  -V       print the version and exit\n");
}

/* -n: the config, then the flows and catalogs it names, linted together. */
static int check(struct cfg *cfg, const char *cfg_path, struct diag *diag)
{
	struct flow_set *flows = NULL;
	struct locales *locales = NULL;
	if (cfg && lint_load(cfg->flows_dir, cfg->locales_dir, LINT_ENGINE_BUDGET, diag, &flows,
			     &locales) == 0)
		printf("%s: ok (%zu flows, %zu texts, %zu translations to review)\n", cfg_path,
		       flows->flow_count, locales_key_count(locales), locales_fuzzy_count(locales));
	else
		fprintf(stderr, "%s: %d error%s\n", cfg_path, diag->errors,
			diag->errors == 1 ? "" : "s");
	flow_set_unref(flows);
	locales_unref(locales);
	cfg_unref(cfg);
	return diag->errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cfg_path = CHABAR_SYSCONFDIR "/chabar/chabar.conf";
	int foreground = 0, check_only = 0, debug = 0, opt;
	while ((opt = getopt(argc, argv, "c:fndVh")) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 'd': debug = 1; break;
		case 'V': printf("chabard %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		fatal("error=\"libsodium cannot initialise\"");

	struct diag diag;
	diag_init(&diag, stderr);
	struct cfg *cfg = cfg_load(cfg_path, &diag);
	if (check_only)
		return check(cfg, cfg_path, &diag);
	if (!cfg)
		fatal("config=%s errors=%d", cfg_path, diag.errors);
	log_open(cfg->log_target, debug ? LOG_LEVEL_DEBUG : cfg->log_level);
	signal(SIGPIPE, SIG_IGN);

	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop)
		fatal("error=\"cannot create the event loop\"");
	char err[512];
	if (clock_init(err, sizeof err) < 0)
		fatal("error=\"%s\"", err);
	if (clock_offset())
		log_msg(LOG_LEVEL_WARN, "clock_offset", "seconds=%lld", (long long)clock_offset());
	struct daemon *d = daemon_new(loop, cfg_path, cfg, err, sizeof err);
	if (!d)
		fatal("error=\"%s\"", err);
	d->debug = debug;
	/* Detach only once the database is open and the port bound, so that
	 * those failures reach the terminal that started us. */
	if (!foreground) {
		if (daemon(0, 0) < 0)
			fatal("error=\"cannot detach\"");
		ev_loop_fork(loop);
	}
	daemon_run(d);
	daemon_free(d);
	log_msg(LOG_LEVEL_INFO, "stopped", NULL);
	ev_loop_destroy(loop);
	return 0;
}
