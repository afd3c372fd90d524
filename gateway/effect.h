/*
 * effect — the one executor of what a conversation step asks for
 * (FLOW_EFFECTS in flow.h): the reply rendered in the sender's language and
 * measured for the phone, a named action called, an SMS queued in the
 * outbox (the reply's copy over USSD, an alert to the officer), the
 * session kept waiting (with its timeout) or ended, the sender's language
 * changed. Everything goes through the store inside the caller's
 * transaction. The outbound queue and the scheduler plug in here.
 *
 * Stateless apart from what it is given; loop thread only.
 */
#ifndef CHABAR_EFFECT_H
#define CHABAR_EFFECT_H

#include <stdbool.h>
#include <stdint.h>

#include "converse.h"

/* What the effects act on. */
struct effect_ctx {
	const struct converse_ctx *conversation;
	const struct converse_input *in;     /* the message: sender, channel, time, session */
	const struct store_person *person;   /* the sender if enrolled, else NULL */
	const struct store_officer *officer; /* the sender if an officer, else NULL */
	bool liaison;                        /* a hidden sender who is an enrolled liaison */
};

/* What carrying them out changed. */
struct effect_state {
	char lang[8];                 /* the reply's language; set_language changes it */
	struct converse_reply *reply; /* say renders into it */
	bool called;                  /* a call ran: outcome resumes the flow */
	enum flow_outcome outcome;
};

/* Carries out fx in order for the conversation s (its variables fill the
 * texts; arm_timer stores it in the input's session). At most one call:
 * after it, state->called and state->outcome say how the flow goes on,
 * and the effects the action added have been carried out too. 0, or -1 if
 * the store failed (the caller rolls back and acknowledges nothing). */
int effect_run(const struct effect_ctx *ctx, const struct flow_effects *fx, struct flow_session *s,
	       struct effect_state *state);

#endif
