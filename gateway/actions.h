/*
 * actions — the named C actions a flow may call (FLOW_ACTIONS in flow.h):
 * the only place where a conversation touches records. Each reads and
 * writes through the store inside the caller's transaction, leaves its
 * results as session variables for the texts ({tries}, {time} …), and asks
 * for anything else (an alert to the officer, a new language) as effects
 * the executor (effect.c) carries out.
 *
 * Stateless; loop thread only.
 */
#ifndef CHABAR_ACTIONS_H
#define CHABAR_ACTIONS_H

#include <stdint.h>

#include "cfg.h"
#include "flow.h"
#include "locale.h"
#include "store.h"

struct actions_ctx {
	struct store *store;
	const struct cfg *cfg;
	const struct locales *locales;
	const char *msisdn;   /* the sender as stored: their alias if hidden */
	const char *reporter; /* a hidden sender's number, only to seal (tip.h) */
	bool liaison;         /* a hidden sender who is an enrolled liaison */
	const char *language; /* the sender's */
	const char *channel;
	const struct store_person *person; /* NULL: the number is not enrolled */
	int64_t now;
	int64_t message_id; /* the inbound message being answered */
	const char *text;   /* what it says (UTF-8; NULL if it is not text) */
	size_t len;
	struct flow_effects *more;           /* what the action asks for besides */
	const struct store_officer *officer; /* the sender, if an officer */
};

/* Runs action a for session s. 0 with *outcome set, or -1 if the store
 * failed: then nothing may be acknowledged (the caller rolls back). */
int actions_run(enum flow_action a, const struct actions_ctx *ctx, struct flow_session *s,
		enum flow_outcome *outcome);

/* Runs the tips' action a (actions_tip.c), as actions_run(). */
int actions_tip_run(enum flow_action a, const struct actions_ctx *ctx, struct flow_session *s,
		    enum flow_outcome *outcome);

/* Sets a session variable to a string, or to a number (actions_tip.c
 * shares them). */
void actions_set_var(struct flow_session *s, const char *name, const char *value);
void actions_set_number(struct flow_session *s, const char *name, long value);

/* Clears a person's PIN counters and lock, and records who (officer_id;
 * 0: chabarctl, why saying who) and why. 0 or STORE_ERROR. */
int actions_pin_unlock(struct store *store, int64_t person_id, int64_t officer_id, const char *why,
		       int64_t now);

/* Local time at t in a district's time zone (tz.h) as "HH:MM" and
 * "DD.MM.YYYY". A zone tzdata does not have (a district stored before
 * zones were checked) is shown as UTC, with a warning in the log. */
void actions_local_time(const char *timezone, int64_t t, char hhmm[6], char date[11]);

#endif
