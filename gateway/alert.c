/* alert — see alert.h. */
#include "alert.h"

#include <string.h>

#include "form.h"
#include "log.h"
#include "notice.h"

bool alert_placeholder(const char *name)
{
	static const char *const names[] = {
#define X(pname, worst) #pname,
	    LOCALE_PLACEHOLDERS(X)
#undef X
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], name) == 0)
			return strcmp(name, "name") != 0;
	return false;
}

/* text_vars (form-encoded, NULL: none) decoded into f, over copy. */
static void read_vars(const char *text_vars, char copy[STORE_TEXT_VARS_MAX], struct form *f)
{
	form_init(f);
	int len = snprintf(copy, STORE_TEXT_VARS_MAX, "%s", text_vars ? text_vars : "");
	form_parse(f, copy, len < STORE_TEXT_VARS_MAX ? (size_t)len : STORE_TEXT_VARS_MAX - 1);
}

int alert_queue(const struct alert_ctx *a, const struct store_officer *officer, const char *key,
		int64_t person_id, const char *person_name, const char *text_vars, int64_t chain_id)
{
	/* the person's name, and what text_vars holds */
	char decoded[STORE_TEXT_VARS_MAX];
	struct form f;
	read_vars(text_vars, decoded, &f);
	struct locale_var vars[FORM_FIELDS_MAX + 1] = {{"name", person_name}};
	size_t n = 1;
	for (size_t i = 0; i < f.count; i++)
		if (alert_placeholder(f.fields[i].name))
			vars[n++] = (struct locale_var){f.fields[i].name, f.fields[i].value};
	struct notice alert = {
	    .msisdn = officer->msisdn,
	    .lang = officer->language,
	    .key = key,
	    .vars = vars,
	    .var_count = n,
	    .kind = "alert",
	    .related_id = person_id,
	    .officer_id = officer->id,
	    .chain_id = chain_id,
	    .text_vars = text_vars,
	};
	return notice_queue(a->store, a->locales, a->cfg, &alert, a->now);
}

/* The incident an alert's text_vars names (ref=…), acknowledged already. */
static int answered(const struct alert_ctx *a, const char *text_vars)
{
	char copy[STORE_TEXT_VARS_MAX];
	struct form f;
	read_vars(text_vars, copy, &f);
	const char *ref = form_get(&f, "ref", NULL);
	return ref ? store_incident_settled(a->store, ref) : 0;
}

/* The alert goes to the chain's next officer, or, with none left (or a
 * text that cannot be said), the log says so; either way this one is
 * settled, so that nothing loops on it. An alert an officer answered
 * already goes no further. */
static int pass_on(const struct alert_ctx *a, const struct store_alert *due)
{
	int done = answered(a, due->text_vars);
	if (done < 0)
		return STORE_ERROR;
	if (done) { /* an officer said OK: no one else need hear it */
		log_msg(LOG_LEVEL_INFO, "alert_settled", "id=%lld reason=acknowledged",
			(long long)due->id);
		return store_alert_settle(a->store, due->id, a->now);
	}
	struct store_officer next;
	char name[96];
	int found = store_alert_next_officer(a->store, due->person_id, due->chain_id, &next, name);
	if (found < 0)
		return STORE_ERROR;
	int rc = found ? alert_queue(a, &next, due->text_key, due->person_id, name, due->text_vars,
				     due->chain_id)
		       : 1;
	if (rc < 0)
		return STORE_ERROR;
	if (rc == 0)
		log_msg(LOG_LEVEL_WARN, "alert_passed_on",
			"id=%lld chain=%lld status=%s officer=%lld", (long long)due->id,
			(long long)due->chain_id, due->status, (long long)next.id);
	else /* a person's safety may hang on it: the operator must know */
		log_msg(LOG_LEVEL_ERROR, "alert_unheard",
			"id=%lld chain=%lld status=%s person=%lld reason=%s", (long long)due->id,
			(long long)due->chain_id, due->status, (long long)due->person_id,
			found ? "cannot_say_it" : "no_officer_left");
	return store_alert_settle(a->store, due->id, a->now);
}

int alert_due(const struct alert_ctx *a)
{
	if (store_alert_settle_delivered(a->store, a->now) < 0)
		return STORE_ERROR;
	int passed = 0, rc;
	struct store_alert due;
	int64_t before = a->now - (int64_t)a->cfg->alert_deliver_within;
	while ((rc = store_alert_due(a->store, before, &due)) == 1) {
		if (pass_on(a, &due) < 0)
			return STORE_ERROR;
		passed++;
	}
	return rc < 0 ? STORE_ERROR : passed;
}

int alert_next_due(const struct alert_ctx *a, int64_t *at)
{
	return store_alert_next_due(a->store, (int64_t)a->cfg->alert_deliver_within, at);
}
