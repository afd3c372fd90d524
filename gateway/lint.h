/*
 * lint — loads the flows and translation catalogs a config names and
 * proves they fit together: every text key a flow or the engine uses
 * exists, and every text, rendered in every language with the worst-case
 * placeholder values (menus with their options), fits one USSD page and its
 * SMS segment budget: the text's own (locales_budget) or else the flow's. Errors name the flow file
 * and line that uses the text. `chabard -n`, `chabarctl lint`, start-up and SIGHUP all go through
 * here, so nothing that fails the linter is ever served.
 */
#ifndef CHABAR_LINT_H
#define CHABAR_LINT_H

#include "cfg.h"
#include "diag.h"
#include "flow.h"
#include "locale.h"

/* Texts the engine itself answers with, outside any flow. */
#define LINT_ENGINE_KEYS(X)                                                                        \
	X("global.unknown")                                                                        \
	X(FLOW_KEY_EXPIRED)                                                                        \
	X("global.opted_out")                                                                      \
	X("global.not_enrolled")                                                                   \
	X("global.error")                                                                          \
	X("alert.pin_locked")                                                                      \
	X("global.unavailable") X("global.ussd_lost") X("ussd.more") X("ussd.back")

/* 0 with *flows and *locales loaded (one reference each), or -1 with every
 * problem reported to d and nothing returned. */
int lint_load(const struct cfg *cfg, struct diag *d, struct flow_set **flows,
	      struct locales **locales);

#endif
