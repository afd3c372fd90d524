/* tip — see tip.h. */
#include "tip.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "log.h"
#include "notice.h"
#include "roster.h"
#include "utf.h"

#define REF_DRAWS       8  /* a reference already taken is drawn again */
#define ALIAS_BYTES     7  /* 56 bits: a million reporters share one with a chance of 1e-5 */
#define PLACE_CHARS     40 /* of a typed place, in an officer's alert */
#define ALERT_SEGMENTS  2  /* an alert, its description cut to fit */
#define RELAY_SEGMENTS  3  /* a relayed text, cut to fit */
#define SECONDS_PER_DAY 86400

void tip_alias(const unsigned char key[32], const char *msisdn, char out[MSISDN_SIZE])
{
	unsigned char h[ALIAS_BYTES];
	crypto_generichash(h, sizeof h, (const unsigned char *)msisdn, strlen(msisdn), key, 32);
	out[0] = TIP_ALIAS_MARK;
	sodium_bin2hex(out + 1, MSISDN_SIZE - 1, h, sizeof h);
}

size_t tip_ref_read(const char *text, size_t len, char out[TIP_REF_SIZE])
{
	/* a reference has a digit and a letter: no word reads as one */
	return refcode_read(text, len, TIP_REF_GROUP, true, out);
}

bool tip_category(const char *category)
{
#define X(name) strcmp(category, #name) == 0 ||
	return TIP_CATEGORIES(X) false;
#undef X
}

int tip_audit(const struct tip_ctx *c, const char *actor, int64_t tip_id, const char *action)
{
	return store_tip_audit(c->store, actor, tip_id, action, NULL, c->now);
}

int tip_create(const struct tip_ctx *c, struct store_new_tip *t, char ref[TIP_REF_SIZE])
{
	int64_t id = 0;
	int rc = STORE_DUPLICATE;
	t->ref = ref;
	for (int i = 0; i < REF_DRAWS && rc == STORE_DUPLICATE; i++) {
		refcode_draw(TIP_REF_GROUP, true, ref);
		rc = store_tip_add(c->store, t, &id);
	}
	if (rc < 0)
		return STORE_ERROR;
	log_msg(LOG_LEVEL_INFO, "tip_new", "ref=%s tip=%lld district=%lld category=%s channel=%s",
		ref, (long long)id, (long long)t->district_id, t->category, t->channel);
	return 0;
}

/* The language texts to o are in. */
static const char *language_of(const struct tip_ctx *c, const char *lang)
{
	return locales_has_language(c->locales, lang) ? lang : cfg_default_language(c->cfg);
}

/* Tells officer o of tip t: reference, category and district in o's
 * language, the start of the description. */
static int alert(const struct tip_ctx *c, const struct store_tip *t, const struct store_officer *o)
{
	const char *lang = language_of(c, o->language);
	char key[48], where[PLACE_CHARS * 4 + 1];
	snprintf(key, sizeof key, "tip.cat_%s", t->category);
	const char *category = locales_text(c->locales, lang, key);
	const char *place = t->district[0] ? t->district : t->place;
	snprintf(where, sizeof where, "%.*s",
		 (int)utf8_prefix(place, strlen(place), PLACE_CHARS, sizeof where - 1), place);
	struct locale_var vars[] = {
	    {"text", t->body},
	    {"ref", t->ref},
	    {"category", category ? category : t->category},
	    {"district", where},
	    {"phone", t->callback},
	};
	struct notice n = {
	    .msisdn = o->msisdn,
	    .lang = lang,
	    .key = t->callback[0] ? FLOW_KEY_TIP_CALLBACK
		   : t->liaison   ? FLOW_KEY_TIP_LIAISON
				  : FLOW_KEY_TIP_ALERT,
	    .vars = vars,
	    .var_count = sizeof vars / sizeof vars[0],
	    .kind = "tip",
	    .related_id = t->id,
	    .officer_id = o->id, /* who had it: the next alert goes to another */
	    .fit = 0,
	    .fit_segments = ALERT_SEGMENTS,
	};
	return notice_queue(c->store, c->locales, c->cfg, &n, c->now) < 0 ? STORE_ERROR : 0;
}

/* A text relayed with its reference: to an officer, or sealed to the
 * reporter. */
static int relay(const struct tip_ctx *c, const struct store_tip *t, const char *to,
		 const unsigned char *sealed, const char *lang, const char *key, const char *text)
{
	struct locale_var vars[] = {{"text", text}, {"ref", t->ref}};
	struct notice n = {
	    .msisdn = to,
	    .sealed = sealed,
	    .lang = language_of(c, lang),
	    .key = key,
	    .vars = vars,
	    .var_count = 2,
	    .kind = sealed ? "relay" : "tip",
	    .related_id = t->id,
	    .fit = 0,
	    .fit_segments = RELAY_SEGMENTS,
	};
	return notice_queue(c->store, c->locales, c->cfg, &n, c->now) < 0 ? STORE_ERROR : 0;
}

int tip_forward(const struct tip_ctx *c, const struct store_tip *t, const char *text)
{
	struct store_officer chain[ROSTER_CHAIN_MAX], *o = &chain[0];
	int found = t->officer_id ? store_tip_officer(c->store, t->officer_id, o)
				  : roster_chain(c->store, t->district_id, c->now, chain);
	if (found < 0)
		return STORE_ERROR;
	if (found == 0) {
		log_msg(LOG_LEVEL_ERROR, "tip_unheard", "ref=%s reason=\"no officer\"", t->ref);
		return 0;
	}
	log_msg(LOG_LEVEL_INFO, "tip_relay", "ref=%s to=officer officer=%lld", t->ref,
		(long long)o->id);
	return relay(c, t, o->msisdn, NULL, o->language, FLOW_KEY_TIP_REPORTER, text) < 0 ||
		       tip_audit(c, "reporter", t->id, "relay_to_officer") < 0
		   ? STORE_ERROR
		   : 0;
}

int tip_reply(const struct tip_ctx *c, const struct store_tip *t, int64_t officer_id,
	      const char *text)
{
	unsigned char sealed[SEAL_SIZE];
	int held = store_tip_relay(c->store, t->id, sealed);
	if (held <= 0)
		return held;
	char actor[32];
	snprintf(actor, sizeof actor, "officer:%lld", (long long)officer_id);
	log_msg(LOG_LEVEL_INFO, "tip_relay", "ref=%s to=reporter officer=%lld", t->ref,
		(long long)officer_id);
	int rc = relay(c, t, t->tipster, sealed, t->language, FLOW_KEY_TIP_REPLY, text) < 0 ||
			 tip_audit(c, actor, t->id, "relay_to_reporter") < 0 ||
			 store_tip_status(c->store, t->id, "answered", officer_id, c->now) < 0
		     ? STORE_ERROR
		     : 1;
	sodium_memzero(sealed, sizeof sealed);
	return rc;
}

/* The first officer of chain (n of them) not yet alerted to tip id, or
 * NULL; STORE_ERROR in *rc. */
static const struct store_officer *next_officer(const struct tip_ctx *c, int64_t id,
						const struct store_officer *chain, int n, int *rc)
{
	int64_t alerted[ROSTER_CHAIN_MAX * 2];
	int had = store_tip_alerted_officers(c->store, id, alerted, ROSTER_CHAIN_MAX * 2);
	*rc = had < 0 ? STORE_ERROR : 0;
	for (int i = 0; i < n && had >= 0; i++) {
		bool before = false;
		for (int k = 0; k < had && !before; k++)
			before = alerted[k] == chain[i].id;
		if (!before)
			return &chain[i];
	}
	return NULL;
}

/* Tip id's alert to the next officer of its chain as it stands now (the
 * roster may have changed: no one is alerted twice, no one skipped), or,
 * with no one left, an error in the log once. */
static int alert_next(const struct tip_ctx *c, int64_t id)
{
	struct store_tip t;
	struct store_officer chain[ROSTER_CHAIN_MAX];
	int found = store_tip_find(c->store, NULL, id, &t);
	if (found <= 0)
		return found;
	int rc, n = roster_chain(c->store, t.district_id, c->now, chain);
	const struct store_officer *o = n < 0 ? NULL : next_officer(c, id, chain, n, &rc);
	if (n < 0 || rc < 0)
		return STORE_ERROR;
	if (!o) {
		log_msg(LOG_LEVEL_ERROR, "tip_unheard", "ref=%s tries=%d", t.ref, t.escalations);
		return store_tip_alerted(c->store, id, t.officer_id, t.escalations, 0, c->now);
	}
	log_msg(t.escalations ? LOG_LEVEL_WARN : LOG_LEVEL_INFO, "tip_alert",
		"ref=%s officer=%lld step=%d", t.ref, (long long)o->id, t.escalations + 1);
	return alert(c, &t, o) < 0 || store_tip_alerted(c->store, id, o->id, t.escalations + 1,
							c->now + c->cfg->tip_ack_within, c->now) < 0
		   ? STORE_ERROR
		   : 1;
}

int tip_due(const struct tip_ctx *c, int max)
{
	int alerts = 0;
	int64_t id;
	int rc = 0;
	while (alerts < max && (rc = store_tip_due(c->store, c->now, &id)) == 1) {
		if (alert_next(c, id) < 0)
			return STORE_ERROR;
		alerts++;
	}
	if (alerts < max && rc < 0)
		return STORE_ERROR;
	int64_t purged = store_tip_relay_purge(c->store, c->now - (int64_t)c->cfg->tip_relay_days *
								      SECONDS_PER_DAY);
	if (purged < 0)
		return STORE_ERROR;
	if (purged > 0)
		log_msg(LOG_LEVEL_INFO, "tip_relays_purged", "count=%lld", (long long)purged);
	return alerts;
}

int tip_next_due(const struct tip_ctx *c, int64_t *at)
{
	int64_t oldest;
	int alert = store_tip_next_due(c->store, at);
	int relay = alert < 0 ? alert : store_tip_relay_oldest(c->store, &oldest);
	if (relay < 0)
		return STORE_ERROR;
	oldest += (int64_t)c->cfg->tip_relay_days * SECONDS_PER_DAY;
	if (relay && (!alert || oldest < *at))
		*at = oldest;
	return alert || relay;
}
