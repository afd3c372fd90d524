/*
 * addr — one form for a peer's address: IPv6, with IPv4 as IPv4-mapped
 * IPv6 (::ffff:a.b.c.d), so that allow lists and per-address counts hold
 * both families and compare them with memcmp. Pure: no I/O.
 */
#ifndef CHABAR_ADDR_H
#define CHABAR_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

/* A numeric IPv4 or IPv6 address (no DNS: the loop never blocks). */
bool addr_parse(const char *text, struct in6_addr *out);
/* An AF_INET or AF_INET6 socket address; false for any other family. */
bool addr_of(const struct sockaddr *sa, struct in6_addr *out);

#endif
