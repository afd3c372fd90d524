/*
 * notice — a text chabar sends first: a catalog text rendered in the
 * recipient's language (the default one if theirs has no catalog), in
 * Latin letters if they asked, its coding measured, queued in the outbox
 * (which honours STOP). Reminders, check-in windows, notices of a moved
 * appointment and officers' alerts all go this one way.
 *
 * Runs inside the caller's transaction.
 */
#ifndef CHABAR_NOTICE_H
#define CHABAR_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "locale.h"
#include "store.h"

struct notice {
	const char *msisdn;
	const char *lang; /* the recipient's */
	bool latin;       /* they asked for Latin letters */
	const char *key;
	const struct locale_var *vars;
	size_t var_count;
	const char *kind;   /* the outbox row's: reminder, notice, alert */
	int64_t related_id; /* what it is about */
	/* an alert's (alert.h) */
	int64_t officer_id, chain_id;
	const char *text_vars;
	/* a hidden recipient's number, sealed (seal.h): msisdn is their alias */
	const unsigned char *sealed;
	/* what someone typed (vars[fit]: a description, a relayed reply) is
	 * cut at a word end so that the whole text fits fit_segments SMS
	 * parts (0: as it is) */
	int fit;
	unsigned fit_segments;
};

/* 0 queued, 1 if the text cannot be rendered (logged, nothing queued), or
 * STORE_ERROR. */
int notice_queue(struct store *s, const struct locales *l, const struct cfg *cfg,
		 const struct notice *n, int64_t now);

#endif
