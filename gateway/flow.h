/*
 * flow — conversations as data, and the pure step function that moves a
 * session through them.
 *
 * A flow set is loaded from flows/NAME.flow by flow_load.c and is immutable
 * afterwards; it is shared by reference (flow_set_ref/unref) so a reload can
 * swap it while nothing else changes. flow_start/flow_input/flow_resume/
 * flow_timeout are pure: given the set, a session snapshot and one event,
 * they update the snapshot and describe what the caller must do (say a
 * text, call a named action, arm a timer, end the session). No I/O, no
 * clock, no globals; the daemon carries out the result. Loop thread only.
 */
#ifndef CHABAR_FLOW_H
#define CHABAR_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfold.h"
#include "match.h"

/* The named C actions a flow may call (convention 7: declared once): those
 * of actions.c, then the tips' (actions_tip.c). */
#define FLOW_ACTIONS(X) FLOW_ACTIONS_RECORDS(X) FLOW_ACTIONS_TIPS(X)
#define FLOW_ACTIONS_RECORDS(X)                                                                    \
	X(verify_pin)                                                                              \
	X(record_checkin)                                                                          \
	X(next_appointment)                                                                        \
	X(set_language)                                                                            \
	X(opt_out)                                                                                 \
	X(opt_in)                                                                                  \
	X(confirm_appointment)                                                                     \
	X(reschedule_appointment)                                                                  \
	X(decline_appointment)                                                                     \
	X(acknowledge_incident)                                                                    \
	X(unlock_pin)                                                                              \
	X(service_first)                                                                           \
	X(service_next)
#define FLOW_ACTIONS_TIPS(X)                                                                       \
	X(tip_check)                                                                               \
	X(tip_districts)                                                                           \
	X(tip_place)                                                                               \
	X(create_tip)                                                                              \
	X(add_to_tip)                                                                              \
	X(tip_followup)                                                                            \
	X(tip_ack)                                                                                 \
	X(tip_reply)                                                                               \
	X(tip_close)                                                                               \
	X(tip_block)

enum flow_action {
#define X(name) FLOW_ACTION_##name,
	FLOW_ACTIONS(X)
#undef X
	    FLOW_ACTION_COUNT
};

/* What an action can report; a node says where each leads. */
#define FLOW_OUTCOMES(X) X(ok) X(fail) X(locked) X(more) X(none)

enum flow_outcome {
#define X(name) FLOW_OUTCOME_##name,
	FLOW_OUTCOMES(X)
#undef X
	    FLOW_OUTCOME_COUNT
};

/* Who may start a flow. */
#define FLOW_WHO(X) X(anyone) X(enrolled) X(supervised) X(liaison) X(officer)

enum flow_who {
#define X(name) FLOW_WHO_##name,
	FLOW_WHO(X)
#undef X
};

#define FLOW_VARS_MAX      16
#define FLOW_VAR_NAME_MAX  24
#define FLOW_VAR_VALUE_MAX 256 /* what an action stores: a place (STORE_PLACE_MAX) */
#define FLOW_NONE          (-1)

/* Where a transition goes, and the text to show instead of the target's
 * own prompt (NULL: the prompt). */
struct flow_edge {
	int node; /* index in the flow's nodes, or FLOW_NONE */
	const char *text_key;
	const char *target; /* the node's name as written */
	int line;
};

struct flow_option {
	char choice[4]; /* what the person sends: "1" */
	const char *text_key;
	const char *set_name; /* may be NULL */
	const char *set_value;
	struct flow_edge to;
};

struct flow_pattern {
	struct match *re;
	struct flow_edge to;
};

enum flow_node_kind { FLOW_NODE_INPUT, FLOW_NODE_ACTION, FLOW_NODE_END };

/* An end node's text over USSD: shown only; also sent by SMS ("end KEY
 * sms": the person needs it in hand); or a confirmation ("end KEY
 * confirm"), sent by SMS only if the network drops the session before
 * the person has seen it all. */
enum flow_copy { FLOW_COPY_NONE, FLOW_COPY_ALWAYS, FLOW_COPY_IF_DROPPED };

struct flow_node {
	const char *name;
	int line;
	enum flow_node_kind kind;
	/* input: a prompt (say or menu), ways forward, and what to do with
	 * anything else */
	const char *prompt_key;
	bool menu;
	struct flow_option *options;
	size_t option_count;
	struct flow_pattern *patterns;
	size_t pattern_count;
	const char *retry_key;
	unsigned retries;
	struct flow_edge give_up;
	unsigned timeout; /* seconds, 0: none */
	struct flow_edge on_timeout;
	/* action */
	enum flow_action action;
	struct flow_edge outcomes[FLOW_OUTCOME_COUNT];
	/* end */
	const char *end_key;
	enum flow_copy copy; /* over USSD, when the text also goes by SMS */
};

struct flow {
	const char *name;
	const char *file;
	int line;
	const char **keywords; /* as the flow file writes them */
	size_t keyword_count;
	const char *ussd_code;
	enum flow_who who;
	bool global;       /* interrupts any conversation (HELP, STOP, LANG …) */
	bool sms_only;     /* "channel sms": not started over USSD */
	bool on_reminder;  /* "trigger reminder": an appointment reminder opens it */
	bool on_reference; /* "trigger reference": a message that begins with a
			    * tip reference (tip.h) opens it */
	bool hidden;       /* "sender hidden": runs under the sender's alias (tip.h) */
	bool ussd_only;    /* "channel ussd": not started by SMS */
	bool asks_pin;     /* a node reads a PIN (a pattern's group named pin): what
			    * the person sends to this flow may hold one */
	unsigned budget;   /* SMS segments a text may take */
	int start;
	struct flow_node *nodes;
	size_t node_count;
};

/* One spelling of a keyword, folded (keyfold.h): as written, as typed on
 * a Russian-only keyboard, and in Latin letters by each language's rules. */
struct flow_spelling {
	char folded[KEYFOLD_MAX];
	size_t flow;         /* the flow it starts, an index in the set */
	const char *keyword; /* the keyword it spells, as written */
};

struct flow_set {
	int refs;
	struct flow *flows;
	size_t flow_count;
	struct flow_spelling *spellings; /* every flow's, sorted by folded form */
	size_t spelling_count;
	char *strings;   /* every name, key and keyword above: the loaded text */
	bool any_hidden; /* some flow hides its sender */
};

/* The texts chabar answers with of its own, outside a flow's nodes: each
 * key declared once here, and listed for the linter, which proves every
 * one fits in every language. */
#define FLOW_KEY_UNKNOWN      "global.unknown"        /* no flow for the message */
#define FLOW_KEY_EXPIRED      "global.expired"        /* the time to reply ran out */
#define FLOW_KEY_OPTED_OUT    "global.opted_out"      /* a flow, after STOP */
#define FLOW_KEY_NOT_ENROLLED "global.not_enrolled"   /* a flow for enrolled persons */
#define FLOW_KEY_ERROR        "global.error"          /* an action or a render failed */
#define FLOW_KEY_PIN_ALERT    "alert.pin_locked"      /* to the officer */
#define FLOW_KEY_UNAVAILABLE  "global.unavailable"    /* a USSD code with no flow */
#define FLOW_KEY_USSD_LOST    "global.ussd_lost"      /* a USSD step of no session held */
#define FLOW_KEY_USSD_MORE    "ussd.more"             /* the next page of a long reply */
#define FLOW_KEY_USSD_BACK    "ussd.back"             /* the page before */
#define FLOW_KEY_REMINDER     "reminder.appointment"  /* an appointment reminder */
#define FLOW_KEY_RESCHEDULE   "alert.reschedule"      /* to the officer: move it, please */
#define FLOW_KEY_CANNOT_COME  "alert.cannot_come"     /* to the officer: I cannot come */
#define FLOW_KEY_WINDOW_OPEN  "checkin.window"        /* to the person: check in now */
#define FLOW_KEY_MOVED        "appointment.moved"     /* to the person: a new time */
#define FLOW_KEY_CANCELLED    "appointment.cancelled" /* to the person: no appointment */
#define FLOW_KEY_MISSED       "alert.missed_checkin"  /* to the officer: a window missed */
#define FLOW_KEY_ESCALATED    "alert.escalated"       /* to a supervisor: no one said OK */
#define FLOW_KEY_OFFICER_HELP "officer.help"          /* an officer's SMS that is no command */
#define FLOW_KEY_HIDDEN_BUSY  "tip.busy"              /* another flow's word amid a tip */
#define FLOW_KEY_TIP_ALERT    "tip.alert"             /* to the officer on call: a tip */
#define FLOW_KEY_TIP_LIAISON  "tip.alert_liaison"     /* the same, from a liaison */
#define FLOW_KEY_TIP_CALLBACK "tip.alert_callback"    /* the same, to be called back */
#define FLOW_KEY_TIP_REPORTER "tip.from_reporter"     /* to the officer: the reporter wrote */
#define FLOW_KEY_TIP_REPLY    "tip.police_reply"      /* to the reporter: an officer's reply */
#define FLOW_ENGINE_KEYS(X)                                                                        \
	X(FLOW_KEY_UNKNOWN)                                                                        \
	X(FLOW_KEY_EXPIRED)                                                                        \
	X(FLOW_KEY_OPTED_OUT)                                                                      \
	X(FLOW_KEY_NOT_ENROLLED)                                                                   \
	X(FLOW_KEY_ERROR)                                                                          \
	X(FLOW_KEY_UNAVAILABLE)                                                                    \
	X(FLOW_KEY_USSD_LOST) X(FLOW_KEY_USSD_MORE) X(FLOW_KEY_USSD_BACK) X(FLOW_KEY_HIDDEN_BUSY)
/* The texts chabar only ever sends by SMS (to officers, reminders): held to
 * the SMS budget, not to a USSD page. */
#define FLOW_SMS_KEYS(X)                                                                           \
	X(FLOW_KEY_PIN_ALERT)                                                                      \
	X(FLOW_KEY_REMINDER)                                                                       \
	X(FLOW_KEY_RESCHEDULE)                                                                     \
	X(FLOW_KEY_CANNOT_COME)                                                                    \
	X(FLOW_KEY_WINDOW_OPEN)                                                                    \
	X(FLOW_KEY_MOVED)                                                                          \
	X(FLOW_KEY_CANCELLED)                                                                      \
	X(FLOW_KEY_MISSED)                                                                         \
	X(FLOW_KEY_ESCALATED)                                                                      \
	X(FLOW_KEY_OFFICER_HELP)                                                                   \
	X(FLOW_KEY_TIP_ALERT)                                                                      \
	X(FLOW_KEY_TIP_LIAISON)                                                                    \
	X(FLOW_KEY_TIP_CALLBACK)                                                                   \
	X(FLOW_KEY_TIP_REPORTER)                                                                   \
	X(FLOW_KEY_TIP_REPLY)

struct flow_var {
	char name[FLOW_VAR_NAME_MAX];
	char value[FLOW_VAR_VALUE_MAX];
};

/* The part of a session the engine reads and writes. */
struct flow_session {
	int flow; /* index in the set, FLOW_NONE: no conversation */
	int node;
	unsigned attempts; /* unrecognised inputs at this node */
	struct flow_var vars[FLOW_VARS_MAX];
	size_t var_count;
};

enum flow_step_kind {
	FLOW_STEP_WAIT,   /* the flow waits for the person */
	FLOW_STEP_CALL,   /* it waits for an action's outcome (flow_resume) */
	FLOW_STEP_END,    /* the conversation is over */
	FLOW_STEP_NOMATCH /* no flow for this input (flow_start only) */
};

/* What a step asks to be done, declared once. The engine lists them in
 * order; one executor (effect.c) carries them out inside the message's
 * transaction. Actions add to the list too (an alert, a language). */
#define FLOW_EFFECTS(X)                                                                            \
	X(say)          /* the reply: a text key, and a menu's options */                          \
	X(call)         /* a named action; its outcome resumes the flow */                         \
	X(queue_sms)    /* a text by SMS through the outbox: the reply (over USSD) or              \
			 * a catalog text to the person's officer */                               \
	X(arm_timer)    /* the flow waits: the answer is due within seconds (0: the                \
			 * channel's idle time) */                                                 \
	X(end_session)  /* the conversation is over */                                             \
	X(confirm)      /* the reply is a confirmation: over USSD it goes by SMS if the            \
			 * network drops the session before it is seen */                          \
	X(set_language) /* the sender's language, from this reply on */

enum flow_effect_kind {
#define X(name) FLOW_EFFECT_##name,
	FLOW_EFFECTS(X)
#undef X
};

enum flow_recipient { FLOW_TO_SENDER, FLOW_TO_OFFICER };

struct flow_effect {
	enum flow_effect_kind kind;
	const char *key;              /* say; queue_sms to the officer */
	const struct flow_node *menu; /* say: the node whose options follow */
	enum flow_action action;      /* call */
	unsigned seconds;             /* arm_timer */
	enum flow_recipient to;       /* queue_sms */
	char lang[8];                 /* set_language */
};

#define FLOW_EFFECTS_MAX 8

struct flow_effects {
	struct flow_effect list[FLOW_EFFECTS_MAX];
	size_t count;
};

struct flow_step {
	enum flow_step_kind kind;
	struct flow_effects effects;
	bool secret; /* the input was a PIN (a pattern's group named pin):
		      * it must not be kept as written */
};

/* Appends e; -1 if the list is full (a programming error: a step asks for
 * at most three, an action for one). */
int flow_effects_add(struct flow_effects *fx, struct flow_effect e);
/* The first effect of that kind in a step, or NULL. */
const struct flow_effect *flow_step_effect(const struct flow_step *st, enum flow_effect_kind k);

const char *flow_action_name(enum flow_action a);
const char *flow_who_name(enum flow_who w);

/* The flow an SMS starts, by its first word in any spelling, or NULL
 * (USSD-only flows are not started by SMS). */
const struct flow *flow_find_keyword(const struct flow_set *set, const char *text, size_t len);
/* The flow a USSD service code starts, or NULL. */
const struct flow *flow_find_ussd(const struct flow_set *set, const char *code);
/* The flow a message beginning with a tip reference opens ("trigger
 * reference"), or NULL. */
const struct flow *flow_find_reference(const struct flow_set *set, const char *text, size_t len);
/* The flow an appointment reminder opens ("trigger reminder"), or NULL. */
const struct flow *flow_find_reminder(const struct flow_set *set);

/* Starts f for session s with the message that triggered it. */
void flow_start(const struct flow_set *set, const struct flow *f, const char *text, size_t len,
		struct flow_session *s, struct flow_step *out);
/* The node s is waiting at goes on waiting, answering key instead of its
 * prompt (NOMATCH if it is not waiting). */
void flow_hold(const struct flow_set *set, const struct flow_session *s, const char *key,
	       struct flow_step *out);
/* The person answered the node s is waiting at. */
void flow_input(const struct flow_set *set, struct flow_session *s, const char *text, size_t len,
		struct flow_step *out);
/* The action asked for in the last step finished with outcome. */
void flow_resume(const struct flow_set *set, struct flow_session *s, enum flow_outcome outcome,
		 struct flow_step *out);
/* The person did not answer in time. */
void flow_timeout(const struct flow_set *set, struct flow_session *s, struct flow_step *out);

/* Session variables: set (0, or -1 if full or too long) and get (NULL). */
int flow_var_set(struct flow_session *s, const char *name, const char *value, size_t len);
const char *flow_var_get(const struct flow_session *s, const char *name);

/* Calls fn(ctx, edge) for every edge leaving node n (options, patterns,
 * give-up, timeout, outcomes), for the loader and the linter. */
void flow_each_edge(struct flow_node *n, void (*fn)(void *ctx, struct flow_edge *e), void *ctx);

struct flow_set *flow_set_ref(struct flow_set *set);
void flow_set_unref(struct flow_set *set);

#endif
