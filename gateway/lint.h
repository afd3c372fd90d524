/*
 * lint — loads the flows and translation catalogs of two directories and
 * proves they fit together: every text key a flow or the engine uses
 * exists, and every text, rendered in every language with the worst-case
 * placeholder values (menus with their options), fits one USSD page and its
 * SMS segment budget: the text's own (locales_budget) or else the flow's. Errors name the flow file
 * and line that uses the text. `chabard -n`, `chabarctl lint`, start-up and SIGHUP all go through
 * here, so nothing that fails the linter is ever served.
 */
#ifndef CHABAR_LINT_H
#define CHABAR_LINT_H

#include "diag.h"
#include "flow.h"
#include "locale.h"

/* SMS parts a text outside any flow (FLOW_ENGINE_KEYS) may take, unless it
 * has a budget of its own. */
#define LINT_ENGINE_BUDGET 2

/* Loads the flows in flows_dir and the catalogs in locales_dir and lints
 * them, engine texts held to engine_budget. 0 with *flows and *locales
 * loaded (one reference each), or -1 with every problem reported to d and
 * nothing returned. */
int lint_load(const char *flows_dir, const char *locales_dir, unsigned engine_budget,
	      struct diag *d, struct flow_set **flows, struct locales **locales);

#endif
