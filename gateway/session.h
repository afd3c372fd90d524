/*
 * session — a conversation between the engine's snapshot (struct
 * flow_session, indexes into the loaded flows) and its stored form (struct
 * store_session, names and form-encoded variables), so a session survives a
 * restart and a reload of the flows. Pure.
 */
#ifndef CHABAR_SESSION_H
#define CHABAR_SESSION_H

#include "flow.h"
#include "store.h"

/* Unrecognised answers at the node are stored with the session, so a
 * node's "retry N" counts across messages; a stored count above this is
 * malformed. */
#define SESSION_ATTEMPTS_MAX 255

/* Fills out's flow, node, attempts and vars from s (times are the caller's). -1
 * if the variables do not fit. */
int session_encode(const struct flow_set *set, const struct flow_session *s,
		   struct store_session *out);
/* Fills out from a stored session. -1 if its flow or node no longer exists
 * or its attempts or variables are malformed: the conversation cannot go on. */
int session_decode(const struct flow_set *set, const struct store_session *in,
		   struct flow_session *out);

#endif
