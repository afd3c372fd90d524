/*
 * routes — chabard's HTTP route table and its handlers (convention 7: the
 * routes are declared once, here). Handlers get the struct daemon as ctx.
 * Loop thread only.
 */
#ifndef CHABAR_ROUTES_H
#define CHABAR_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

extern const struct http_route routes[];
extern const size_t routes_count;

/* The routes' gates (http_gate_fn), read from the daemon's current config:
 * /health and /metrics [chabard] status_allow, /kannel/mo [kannel] allow,
 * /ussd/at [ussd] allow, and no one while [ussd] has no key. */
bool routes_gate(void *ctx, int gate, const struct sockaddr *addr);

#endif
