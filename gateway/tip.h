/*
 * tip — community tips, and the promise that the reporter's number is
 * never revealed. A flow marked "sender hidden" (flows/tip.flow) runs
 * under an alias, the keyed hash of the number (tip_alias, under
 * keys.tipster), decided by the pipeline before anything is written
 * (inbound.c): messages, session, contact and tip hold the alias only.
 * The number itself is needed once more, to relay replies, so it is
 * sealed (seal.h) in the tip's relay, which retention deletes after
 * [tips] relay_days; an outbox row to a reporter holds the seal, opened
 * only to send.
 *
 * A tip gets a reference ("K7M-4TX", refcode.h) and goes to the officer
 * on call (roster.h); not acknowledged within [tips] acknowledge_within,
 * to the next one, then the supervisors. Officers answer by SMS (ACK,
 * REPLY, CLOSE, BLOCK and the reference); a reporter writes to the
 * officer with the reference and a text. Every relay and every read by
 * chabarctl is written to the append-only audit log.
 *
 * Stateless; runs inside the caller's transaction. Loop thread only.
 */
#ifndef CHABAR_TIP_H
#define CHABAR_TIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "locale.h"
#include "refcode.h"
#include "store.h"

#define TIP_REF_GROUP  REFCODE_TIP
#define TIP_REF_SIZE   REFCODE_SIZE(TIP_REF_GROUP)
#define TIP_ALIAS_MARK '~' /* an alias is '~' and 14 hex digits: no phone number */

/* What a tip may be about (flows/tip.flow sets one; tip.cat_NAME names it). */
#define TIP_CATEGORIES(X) X(recruitment) X(threat) X(returnee) X(violence) X(other)

struct tip_ctx {
	struct store *store;
	const struct cfg *cfg;
	const struct locales *locales;
	int64_t now;
};

/* The alias of msisdn: a keyed hash, the same for the same number. */
void tip_alias(const unsigned char key[32], const char *msisdn, char out[MSISDN_SIZE]);

/* A tip reference at the start of text, as people type it: the bytes it
 * took with its written form in out, or 0. */
size_t tip_ref_read(const char *text, size_t len, char out[TIP_REF_SIZE]);

/* Whether category is one of TIP_CATEGORIES. */
bool tip_category(const char *category);

/* Stores t under a new reference (into t->ref's buffer ref), sealed for
 * the relay. 0 or STORE_ERROR. */
int tip_create(const struct tip_ctx *c, struct store_new_tip *t, char ref[TIP_REF_SIZE]);

/* Text from the reporter of t, relayed to the officer handling it (or
 * first on call). 0 or STORE_ERROR. */
int tip_forward(const struct tip_ctx *c, const struct store_tip *t, const char *text);

/* An officer's reply relayed to the reporter of t: 1 relayed, 0 if the
 * relay is gone (purged), or STORE_ERROR. */
int tip_reply(const struct tip_ctx *c, const struct store_tip *t, int64_t officer_id,
	      const char *text);

/* One line of the audit log: actor ("officer:7", "chabarctl:root") did
 * action to tip_id. 0 or STORE_ERROR. */
int tip_audit(const struct tip_ctx *c, const char *actor, int64_t tip_id, const char *action);

/* Alerts that fell due (a new tip, or one nobody acknowledged in time)
 * and relays past retention: how many alerts, or STORE_ERROR. At most
 * max alerts. */
int tip_due(const struct tip_ctx *c, int max);

/* When tip_due() next has something to do: 1 with *at, 0 if never. */
int tip_next_due(const struct tip_ctx *c, int64_t *at);

#endif
