/* lint — see lint.h. */
#include "lint.h"

#include <string.h>

#include "buf.h"
#include "flow_load.h"
#include "gsm.h"

#define LINT_TEXT_MAX 4096

struct lint {
	struct diag *d;
	const struct locales *locales;
	const char *file;
	int line;
	unsigned budget;
	bool sms_only; /* never shown on a USSD page: the SMS budget alone */
};

/* Checks one text (with a menu's options when menu is set) in every
 * language. */
static void check_text(struct lint *l, const char *key, const struct flow_node *menu)
{
	if (!locales_text(l->locales, LOCALE_REFERENCE, key)) {
		diag_error(l->d, l->file, l->line, "text %s is in no catalog", key);
		return;
	}
	unsigned budget = locales_budget(l->locales, key); /* the stricter of the two */
	if (!budget || budget > l->budget)
		budget = l->budget;
	for (size_t i = 0; i < locales_language_count(); i++) {
		const char *lang = locales_language_code(i);
		struct buf text;
		buf_init(&text, LINT_TEXT_MAX);
		locales_render_worst(l->locales, lang, key, &text);
		for (size_t k = 0; menu && k < menu->option_count; k++) {
			buf_printf(&text, "\n%s ", menu->options[k].choice);
			locales_render_worst(l->locales, lang, menu->options[k].text_key, &text);
		}
		struct gsm_fit fit;
		struct gsm_ussd_budget page = GSM_USSD_DEFAULT;
		if (text.out_of_memory) /* unmeasured is not proven to fit */
			diag_error(l->d, l->file, l->line, "out of memory measuring %s", key);
		else if (gsm_measure(text.data ? text.data : "", text.len, &fit) < 0)
			diag_error(l->d, l->file, l->line, "%s/%s is not valid UTF-8", lang, key);
		else if (!l->sms_only && !gsm_fits_ussd(&fit, &page))
			diag_error(
			    l->d, l->file, l->line,
			    "%s%s in %s takes %zu %s characters: more than a USSD page (%zu)", key,
			    menu ? " with its menu" : "", lang, fit.units,
			    gsm_coding_name(fit.coding),
			    fit.coding == GSM_CODING_GSM7 ? page.gsm7_chars : page.ucs2_chars);
		else if (fit.segments > budget)
			diag_error(l->d, l->file, l->line,
				   "%s in %s takes %zu SMS parts: the budget is %u", key, lang,
				   fit.segments, budget);
		buf_cleanup(&text);
	}
}

static void check_edge_text(void *ctx, struct flow_edge *e)
{
	struct lint *l = ctx;
	if (e->text_key) {
		l->line = e->line;
		check_text(l, e->text_key, NULL);
	}
}

static void check_node(struct lint *l, struct flow_node *n)
{
	l->line = n->line;
	if (n->prompt_key)
		check_text(l, n->prompt_key, n->menu ? n : NULL);
	if (n->retry_key)
		check_text(l, n->retry_key, NULL);
	if (n->end_key)
		check_text(l, n->end_key, NULL);
	flow_each_edge(n, check_edge_text, l);
}

static void check_keys(struct lint *l, const char *const *keys, size_t n, bool sms_only)
{
	l->sms_only = sms_only;
	for (size_t i = 0; i < n; i++)
		check_text(l, keys[i], NULL);
}

static void check_all(struct diag *d, const char *locales_dir, unsigned engine_budget,
		      struct flow_set *flows, const struct locales *locales)
{
	struct lint l = {.d = d, .locales = locales};
	for (size_t i = 0; i < flows->flow_count; i++) {
		const struct flow *f = &flows->flows[i];
		l.file = f->file;
		l.budget = f->budget;
		l.sms_only = f->sms_only;
		for (size_t k = 0; k < f->node_count; k++)
			check_node(&l, &f->nodes[k]);
	}
	l.file = locales_dir;
	l.line = 0;
	l.budget = engine_budget;
	/* chabar's own texts: the engine's, and those only ever sent by SMS */
#define X(key) key,
	static const char *const engine_keys[] = {FLOW_ENGINE_KEYS(X)};
	static const char *const sms_keys[] = {FLOW_SMS_KEYS(X)};
#undef X
	check_keys(&l, engine_keys, sizeof engine_keys / sizeof engine_keys[0], false);
	check_keys(&l, sms_keys, sizeof sms_keys / sizeof sms_keys[0], true);
}

int lint_load(const char *flows_dir, const char *locales_dir, unsigned engine_budget,
	      struct diag *d, struct flow_set **flows, struct locales **locales)
{
	int errors_before = d->errors;
	*flows = flow_load_dir(flows_dir, d);
	*locales = locales_load(locales_dir, d);
	if (*flows && *locales)
		check_all(d, locales_dir, engine_budget, *flows, *locales);
	if (d->errors == errors_before)
		return 0;
	flow_set_unref(*flows);
	locales_unref(*locales);
	*flows = NULL;
	*locales = NULL;
	return -1;
}
