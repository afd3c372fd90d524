/*
 * flow_load — reads flows/NAME.flow into a struct flow_set. Pure apart from
 * reading the files: every error is reported as file:line through a struct
 * diag and counted, the loader never stops at the first one, and nothing is
 * returned unless there were none. A fuzz target drives flow_load_string.
 *
 * Lifecycle: flow_load_dir() → a set with one reference (flow_set_unref).
 */
#ifndef CHABAR_FLOW_LOAD_H
#define CHABAR_FLOW_LOAD_H

#include "diag.h"
#include "flow.h"

/* Every *.flow file in dir, in name order, as one set. */
struct flow_set *flow_load_dir(const char *dir, struct diag *d);
/* One file's text; file names it in messages. */
struct flow_set *flow_load_string(const char *text, const char *file, struct diag *d);

#endif
