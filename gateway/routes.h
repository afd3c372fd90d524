/*
 * routes — chabard's HTTP route table and its handlers (convention 7: the
 * routes are declared once, here). Handlers get the struct daemon as ctx.
 * Loop thread only.
 */
#ifndef CHABAR_ROUTES_H
#define CHABAR_ROUTES_H

#include <stddef.h>

#include "http.h"

extern const struct http_route routes[];
extern const size_t routes_count;

#endif
