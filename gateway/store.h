/*
 * store — chabar's records, in SQLite or in PostgreSQL (db.h); all of
 * chabar's SQL lives in store.c, as statements prepared once at open, and
 * nothing above this header knows which engine holds them.
 *
 * Lifecycle: store_connect() or store_open() (opens, migrates, prepares)
 * → store_* calls → store_free(). Writes happen between store_begin() and
 * store_commit() chosen by the caller, so several inputs can share one
 * commit (DESIGN.md: group commit). Loop thread only; never blocks for
 * more than the busy timeout.
 */
#ifndef CHABAR_STORE_H
#define CHABAR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "msisdn.h"
#include "pin.h"
#include "seal.h"

#define STORE_REF_SIZE 10 /* an incident's reference, "XXXX-XXXX" */

enum {
	STORE_ERROR = -1,     /* the engine failed; store_errmsg() says why */
	STORE_DUPLICATE = -2, /* a unique key (a message's network id) is already stored */
	STORE_BUSY = -3,      /* a commit's answer has not come yet */
};

/* Largest reply text store_find_reply() returns. */
#define STORE_REPLY_MAX 4096

struct store;

/* One row of messages. Pointers are borrowed for the call. */
struct store_message {
	bool outbound;
	const char *network_id; /* the network's id (Kannel's %I …); NULL: none */
	const char *channel;
	const char *msisdn;
	const char *peer;
	const void *text;
	size_t text_len;
	bool text_is_utf8; /* stored as TEXT if so, else as a BLOB */
	int coding;
	const char *smsc;
	const char *meta;
	int64_t sent_at; /* 0: unknown */
	const char *status;
	int64_t in_reply_to; /* 0: none */
	int64_t created_at;
};

struct store_reply {
	char text[STORE_REPLY_MAX];
	size_t len;
	int coding;
	char meta[16];     /* USSD: "CON" or "END" */
	int64_t id;        /* the reply's row (0: none) */
	bool confirmation; /* it ended on a confirmation (fallback.h) */
};

/* The engine cfg names ([store] backend), NULL with err on failure. */
struct store *store_connect(const struct cfg *cfg, char *err, size_t err_size);
/* A SQLite file. */
struct store *store_open(const char *path, enum cfg_sync sync, char *err, size_t err_size);
/* "sqlite" or "postgresql". */
const char *store_backend(struct store *s);
/* Whether the open transaction wrote anything: one that did not need not
 * be committed (db_wrote). */
bool store_wrote(struct store *s);
/* Whether transactions on several connections may write at once
 * (PostgreSQL; SQLite has one writer at a time). */
bool store_concurrent(struct store *s);
void store_free(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* The commit in two halves, so that the loop runs while a network store
 * answers: sent (0, or STORE_ERROR), then its outcome (0, STORE_ERROR,
 * or without wait STORE_BUSY while it is not known: watch
 * store_socket() for reading). db.h: db_commit_send. */
int store_commit_send(struct store *s);
int store_commit_wait(struct store *s, bool wait);
int store_socket(struct store *s);
/* One message's part of a transaction: store_savepoint() before it, then
 * store_release() to keep what it wrote or store_rollback_to() to undo
 * only that; with alone, even where that costs (db.h: db_savepoint),
 * else a failure may end the whole transaction. */
int store_savepoint(struct store *s, bool alone);
/* Whether a transaction is open: false after the engine ended one by
 * itself (SQLite: a full disk, an I/O error, no memory; PostgreSQL: the
 * connection lost, or a failure no savepoint could undo alone),
 * savepoints and all. */
bool store_in_transaction(struct store *s);
int store_release(struct store *s);
int store_rollback_to(struct store *s);
/* What runs from now on is for request n of a batch (0: none):
 * db_scope(). */
void store_scope(struct store *s, unsigned n);

/* Adds a message; *id gets its row id. With id NULL (no one refers to
 * the row) a repeat is not told apart, and a failure may show only at the
 * next call of the same message. With an id reserved (store_prefetched,
 * PostgreSQL) the insert is not waited for either: an inbound repeat is
 * found first, by a read fetched with the sender's (STORE_DUPLICATE). */
int store_add_message(struct store *s, const struct store_message *m, int64_t *id);

/* Replaces a stored message's text with one that holds no PIN: TEXT if
 * utf8, else a BLOB, as the message was stored. */
int store_message_redact(struct store *s, int64_t id, const char *text, size_t len, bool utf8);

/* What a message from msisdn is about to read, named to be fetched
 * ahead (db_prefetch): its session (and the session of alias, its hidden
 * name, if alias_session), whether it was stored before under alias
 * (inbound.c: hide), the person, contact or officer it is. A hint only.
 * store_prefetched() fetches what was named, for every message of a
 * batch, in one round trip where the store is across a network. */
void store_prefetch_sender(struct store *s, const char *msisdn, const char *alias,
			   bool alias_session, const char *channel, const char *network_id);
void store_prefetched(struct store *s);

/* The reply already given to the inbound message of this channel, sender
 * and network id: 1 and *out filled if that message is stored (len 0 if it
 * had no reply), 0 if it is not, STORE_ERROR on failure. */
int store_find_reply(struct store *s, const char *channel, const char *msisdn,
		     const char *network_id, struct store_reply *out);

/* An enrolled person as the conversation needs them. */
struct store_person {
	int64_t id;
	char name[96];
	char role[16];
	char language[8]; /* the person's, else the district's; may be empty */
	char pin_hash[72];
	char status[16];
	bool opted_out;
	bool transliterate;
	char timezone[48];
	char officer_msisdn[16]; /* empty if none */
	char officer_language[8];
	int64_t officer_id;       /* 0 if none */
	char tier[PLAN_NAME_MAX]; /* its monitoring plan, "" if none */
	struct pin_state pin;     /* the PIN policy's counters (pin.h) */
};

/* 1 and *out filled if msisdn is enrolled, 0 if not, STORE_ERROR. */
int store_person_find(struct store *s, const char *msisdn, struct store_person *out);
/* A number's own preferences if it is not enrolled: 1 if known, 0 if not. */
int store_contact_find(struct store *s, const char *msisdn, char language[8], bool *opted_out);
/* Preferences go to the person (person_id > 0) or else the contact. */
int store_set_language(struct store *s, int64_t person_id, const char *msisdn, const char *language,
		       int64_t now);
int store_set_opt_out(struct store *s, int64_t person_id, const char *msisdn, bool opted_out,
		      int64_t now);
int store_person_pin(struct store *s, int64_t person_id, const struct pin_state *pin);
/* Every failure, lock and unlock of a person's PIN, kept (officer_id 0: by
 * chabarctl, or the person). */
int store_pin_event(struct store *s, int64_t person_id, const char *kind, const char *detail,
		    int64_t officer_id, int64_t now);
/* The person's incident of kind not yet acknowledged: 1 with its ref. */
int store_incident_open(struct store *s, int64_t person_id, const char *kind,
			char ref[STORE_REF_SIZE]);
/* A check-in, with what the ledger keeps of it (ledger.h). */
#define STORE_HASH_SIZE 72
struct store_checkin {
	int64_t id, person_id, at, message_id;
	char location[16];
	char channel[16];
	char receipt[16];                /* "" before the ledger */
	char prev_hash[STORE_HASH_SIZE]; /* the chain: "" for the first */
	char hash[STORE_HASH_SIZE];      /* "" before the ledger */
};
int store_checkin_add(struct store *s, const struct store_checkin *c);
/* The newest check-in's hash ("" if it has none): 1, 0 if there is no
 * check-in, STORE_ERROR. */
/* Takes the ledger's lock, held to the commit (db/0015): 0 or
 * STORE_ERROR (another transaction held it past the lock timeout). */
int store_ledger_lock(struct store *s, int64_t now);
/* Whether the ledger's lock was taken since this was last asked: a batch
 * that took it is alone in flight (batch.c). */
bool store_ledger_taken(struct store *s);
int store_checkin_last_hash(struct store *s, char out[STORE_HASH_SIZE]);
/* The first check-in after id (0: the first of all): 1 with out, 0 if none. */
int store_checkin_after(struct store *s, int64_t id, struct store_checkin *out);
/* What a receipt proves: the check-in, its person's name and zone. */
struct store_receipt {
	struct store_checkin checkin;
	char name[96];
	char timezone[48];
};
/* 1 with out, 0 if no check-in has this receipt, STORE_ERROR. */
int store_checkin_by_receipt(struct store *s, const char *receipt, struct store_receipt *out);
/* The longest appointment place kept, in bytes with the NUL. */
#define STORE_PLACE_MAX 256

struct store_appointment {
	int64_t id, starts_at;
	char place[STORE_PLACE_MAX];
};
/* 1 with the person's next appointment after now (scheduled, confirmed
 * or asked to be moved), or that one only if id is not 0; 0 if none. */
int store_appointment_next(struct store *s, int64_t person_id, int64_t now, int64_t id,
			   struct store_appointment *out);
/* The person's answer to a reminder: "confirmed" (the status too),
 * "reschedule" (status reschedule_requested) or "cannot_come". */
int store_appointment_answer(struct store *s, int64_t id, const char *answer, int64_t now);
/* What planning an appointment's reminders needs. */
struct store_plan {
	int64_t starts_at;
	char timezone[48];
	int quiet_from, quiet_to; /* the district's quiet hours, minutes after midnight */
};
int store_appointment_plan(struct store *s, int64_t id, struct store_plan *out);

/* Reminders (remind.h): planned once per offset, due, marked; planned
 * again (an appointment moved) if cancelled, or sent for another time. */
int store_reminder_plan(struct store *s, int64_t appointment_id, int64_t before, int64_t due_at);
struct store_reminder {
	int64_t id, appointment_id, starts_at, due_at;
	char place[STORE_PLACE_MAX];
	char appointment_status[24];
	char msisdn[MSISDN_SIZE];
	char language[8]; /* the person's, else the district's */
	bool transliterate;
	char timezone[48];
	char person_status[16];
};
/* The pending reminder due first by now: 1 with out, 0 if none. */
int store_reminder_due(struct store *s, int64_t now, struct store_reminder *out);
/* Appointment id with what a text to its person needs (id 0, due_at 0). */
int store_appointment_notice(struct store *s, int64_t id, struct store_reminder *out);
/* Moved to starts_at (place NULL: unchanged), its answer forgotten; or
 * cancelled: 1 if it was still scheduled, confirmed or asked to be moved. */
int store_appointment_move(struct store *s, int64_t id, int64_t starts_at, const char *place);
int store_appointment_cancel(struct store *s, int64_t id);
/* Its pending reminders cancelled. */
int store_reminders_cancel(struct store *s, int64_t appointment_id);
/* status sent (with its outbox row) or cancelled. */
int store_reminder_mark(struct store *s, int64_t id, const char *status, int64_t outbox_id,
			int64_t now);
/* When the next pending reminder is due: 1 with *at, 0 if none. */
int store_reminder_next_due(struct store *s, int64_t *at);
/* A number that changes when another connection (chabarctl) commits. */
int64_t store_data_version(struct store *s);
/* The rowid of the last insert on this connection. */
int64_t store_last_id(struct store *s);
#define STORE_TEXT_VARS_MAX 256

/* A message chabar sends first, queued. */
struct store_outbound {
	const char *msisdn, *text;
	const char *kind;      /* alert | fallback | reminder */
	int64_t related_id;    /* the person an alert is about; the message a copy is of */
	int64_t officer_id;    /* an alert's officer (0: not an alert) */
	const char *text_key;  /* an alert's catalog text, to say it to the next officer */
	int64_t chain_id;      /* an alert passed on: the first of its chain (0: it is) */
	const char *text_vars; /* an alert's placeholders besides {name}, form-encoded */
	/* a hidden recipient (tip.h): msisdn is their alias, and the number
	 * is sealed here (SEAL_SIZE bytes), opened only to send */
	const unsigned char *sealed;
};
/* Queues m, its coding measured from its text here, never assumed. */
int store_outbox_add(struct store *s, const struct store_outbound *m, int64_t now);
/* True if a commit may have changed when something falls due (an alert
 * queued or failed, a confirmation owed): due.h looks again. Asking
 * clears it. */
bool store_deadlines_changed(struct store *s);

/* Alerts (alert.h). One open alert due to go on: it failed, or was queued
 * before created_before and is not delivered. 1 with out, 0 if none. */
struct store_alert {
	int64_t id, chain_id, person_id;
	char text_key[64];
	char status[16];
	char text_vars[STORE_TEXT_VARS_MAX];
};
int store_alert_due(struct store *s, int64_t created_before, struct store_alert *out);
/* Delivered alerts need nothing more. */
int store_alert_settle_delivered(struct store *s, int64_t now);
int store_alert_settle(struct store *s, int64_t id, int64_t now);
/* When the next open alert is due to go on, given the time it has
 * (within, seconds): 1 with *at, 0 if none, or STORE_ERROR. */
int store_alert_next_due(struct store *s, int64_t within, int64_t *at);
/* An officer as an alert needs them. */
struct store_officer {
	int64_t id;
	char msisdn[16];
	char language[8];
};
/* The first active officer of the person's district not yet tried in the
 * chain: 1 with out and the person's name, 0 if none is left. */
int store_alert_next_officer(struct store *s, int64_t person_id, int64_t chain_id,
			     struct store_officer *out, char person_name[96]);

/* Confirmations owed by SMS (fallback.h): a USSD session whose
 * confirmation was not seen to its end, or a reply the network did not
 * deliver. */
struct store_owed {
	char msisdn[MSISDN_SIZE];
	char channel[16];
	char text[STORE_REPLY_MAX];
};
/* A session owing its confirmation that expired by now: 1 with out. */
int store_owed_due(struct store *s, int64_t now, struct store_owed *out);
int store_owed_settle(struct store *s, const char *msisdn, const char *channel);
/* When the next owing session expires: 1 with *at, 0 if none, or
 * STORE_ERROR. */
int store_owed_next_due(struct store *s, int64_t *at);
/* The last reply to msisdn on channel since since that ended on a
 * confirmation (status "confirmation"): 1 with *id, 0 if none. */
int store_last_confirmation(struct store *s, const char *msisdn, const char *channel, int64_t since,
			    int64_t *id);
/* The reply message id, a confirmation's last page (status
 * "confirmation"), was not delivered: marked undelivered, once. 1 with its
 * number, text and the message it answered the first time, 0 after (or
 * not such a reply). */
int store_reply_failed(struct store *s, int64_t id, struct store_owed *out, int64_t *in_reply_to);

/* The outbox sender's view (outbox.h). A row is queued, then sending (the
 * attempt committed before the request goes out), then accepted by Kannel
 * (or queued again for a retry, or failed), then delivered, undeliverable
 * or failed as delivery reports say. */
struct store_outbox_row {
	int64_t id;
	char msisdn[MSISDN_SIZE];
	char text[STORE_REPLY_MAX];
	size_t text_len;
	int coding; /* enum kannel_coding, measured when it was queued */
	int attempts;
	int64_t created_at;
	bool opted_out;                  /* the number said STOP: it gets nothing but answers */
	unsigned char sealed[SEAL_SIZE]; /* a hidden recipient's number, sealed */
	size_t sealed_len;               /* 0: msisdn is the number */
};
/* True if a row was queued since the last call (the sender is woken after
 * the commit); asking clears it. */
bool store_outbox_added(struct store *s);
/* Rows left sending by a stop are queued again, due at next_attempt_at. */
int store_outbox_resume(struct store *s, int64_t now, int64_t next_attempt_at);
/* The queued row due first at now: 1 with out filled, 0 if none. */
int store_outbox_due(struct store *s, int64_t now, struct store_outbox_row *out);
/* When the next queued row is due, -1 if none, or STORE_ERROR. */
int64_t store_outbox_next_due(struct store *s);
/* Sets a row's status (counting an attempt if tried), when it is next
 * due, and the last error (NULL: none); only while it is queued or
 * sending: Kannel's reports can come before its answer to our request is
 * read, and what a report said stands (a retry of a row Kannel has would
 * send it twice). */
int store_outbox_mark(struct store *s, int64_t id, const char *status, int tried,
		      int64_t next_attempt_at, const char *error, int64_t now);
/* A delivery report: status (NULL: unchanged; a late "accepted" never
 * undoes a final status), note, the SMSC's message id (NULL: unchanged).
 * Any report on a row still queued or sending proves Kannel has it: the
 * row is at least accepted, and never sent again. 1 if the row was there,
 * 0 if not, STORE_ERROR. */
int store_outbox_report(struct store *s, int64_t id, const char *status, const char *note,
			const char *smsc_id, int64_t now);

/* Enrolment (chabarctl). District and officer are looked up by code and
 * number; unknown ones are stored as none. */
struct store_new_person {
	const char *msisdn, *name, *role, *language, *district, *officer, *pin_hash;
};
int store_person_add(struct store *s, const struct store_new_person *p, int64_t now);
/* A person as an import's row says (no PIN: chabarctl pin reset), added
 * or changed; a field NULL is left as it is (a new person: none, and the
 * role supervised). 1 if so, 0 if it was so already, STORE_ERROR. */
int store_person_upsert(struct store *s, const struct store_new_person *p, int64_t now);
/* 1 if the person has an appointment (not cancelled) at starts_at. */
int store_appointment_at(struct store *s, const char *msisdn, int64_t starts_at);
/* Latin letters (transliteration) for this person's replies; STORE_ERROR
 * also if the number is not enrolled. */
int store_person_latin(struct store *s, const char *msisdn, bool latin);
int store_district_add(struct store *s, const char *code, const char *name, const char *language,
		       const char *timezone);
/* A district's quiet hours, minutes after local midnight; STORE_ERROR
 * also if there is no such district. */
int store_district_quiet(struct store *s, const char *code, int from, int to);
/* role: "officer" or "supervisor" (alerts no one acknowledged reach these). */
int store_officer_add(struct store *s, const char *district, const char *name, const char *msisdn,
		      const char *language, const char *role, int64_t now);
/* An active officer by number: 1 with out, 0 if the number is none's. */
int store_officer_find(struct store *s, const char *msisdn, struct store_officer *out);

/* Monitoring (watch.h). A person's tier set, the change kept with who
 * made it: the person's id, or STORE_ERROR (also if not enrolled). */
int64_t store_person_tier_set(struct store *s, const char *msisdn, const char *tier, const char *by,
			      int64_t now);
/* The person's pending or open windows are cancelled (re-planning). */
int store_windows_cancel(struct store *s, int64_t person_id);
/* 1 if planned, 0 if that window was met or missed already. */
int store_window_add(struct store *s, int64_t person_id, int64_t opens, int64_t closes,
		     int64_t next_at);
struct store_window {
	int64_t id, person_id, opens_at, closes_at;
	char status[16];
	int reminders_sent;
	char tier[PLAN_NAME_MAX];
	char timezone[48];
	char msisdn[MSISDN_SIZE];
	char person_status[16];
	char language[8];
	bool transliterate;
};
/* A pending or open window the timer must look at by now: 1 with out. */
int store_window_due(struct store *s, int64_t now, struct store_window *out);
int store_window_update(struct store *s, int64_t id, const char *status, int reminders_sent,
			int64_t next_at);
/* The person's window open at now: 1 with *id (and *met if a check-in met
 * it already), 0 if none. */
int store_window_current(struct store *s, int64_t person_id, int64_t now, int64_t *id, bool *met);
int store_windows_next_due(struct store *s, int64_t *at);
/* A check-in in window window_id (0: none), or outside every window. */
int store_checkin_window(struct store *s, int64_t checkin_id, int64_t window_id, bool outside);
/* The person's last check-in before before: 1 with *at, 0 if none. */
int store_last_checkin(struct store *s, int64_t person_id, int64_t before, int64_t *at);

/* Incidents: what needs an officer's OK. */
int store_incident_add(struct store *s, const char *ref, int64_t person_id, const char *kind,
		       int64_t window_id, int64_t now, int64_t ack_due_at);
struct store_incident {
	int64_t id, person_id;
	char ref[STORE_REF_SIZE];
	char kind[24];
	char name[96];
};
/* An open incident no one acknowledged by now: 1 with out. */
int store_incident_due(struct store *s, int64_t now, struct store_incident *out);
int store_incident_escalate(struct store *s, int64_t id, int64_t now);
/* OK from officer_id for incident ref (an officer of the person's
 * district; of kind only_kind unless NULL): 1 with *person_id and kind if
 * it was open or escalated (or, for a pin_lockout, acknowledged already:
 * an UNLOCK after an OK), and is acknowledged now; 0 if not. */
int store_incident_ack(struct store *s, const char *ref, int64_t officer_id, int64_t now,
		       const char *only_kind, int64_t *person_id, char kind[24]);
/* Every open incident of kind of the person acknowledged (officer_id 0:
 * by chabarctl). */
int store_incidents_settle(struct store *s, int64_t person_id, const char *kind, int64_t officer_id,
			   int64_t now);
/* 1 if incident ref was acknowledged, 0 if not (or no such ref). */
int store_incident_settled(struct store *s, const char *ref);
int store_incidents_next_due(struct store *s, int64_t *at);
/* The district's next active supervisor after officer id after: 1 with out. */
int store_supervisor_next(struct store *s, int64_t person_id, int64_t after,
			  struct store_officer *out);
/* The new appointment's id, or STORE_ERROR (also if the number is not
 * enrolled). */
int64_t store_appointment_add(struct store *s, const char *msisdn, int64_t starts_at,
			      const char *place, int64_t now);

/* A conversation in progress, as stored: names, not indexes, so a reload
 * of the flows cannot point it somewhere else. */
#define STORE_SESSION_VARS_MAX 2048
struct store_session {
	char flow[40];
	char node[40];
	char vars[STORE_SESSION_VARS_MAX]; /* form-encoded name=value&… */
	int64_t step;                      /* exchanges so far */
	int64_t attempts;                  /* unrecognised answers at this node */
	int64_t updated_at;
	int64_t expires_at;
	int64_t started_at;    /* read only: set when the row is first stored */
	char ussd_session[72]; /* the network's, or its hash if longer (inbound.c) */
	char ussd_text[STORE_SESSION_VARS_MAX];
	char pages[STORE_REPLY_MAX]; /* a USSD reply shown page by page, or "" */
	int64_t page;
	bool pages_end; /* the conversation had ended: the last page closes */
	bool confirm;   /* the pages are a confirmation, owed by SMS if not seen */
};

int store_session_get(struct store *s, const char *msisdn, const char *channel,
		      struct store_session *out);
/* Writes the whole session in one statement, made or replaced (its
 * started_at kept, its step counted); "" columns are stored as NULL. */
int store_session_save(struct store *s, const char *msisdn, const char *channel,
		       const struct store_session *in, int64_t now);
int store_session_delete(struct store *s, const char *msisdn, const char *channel);

/* Tips (tip.h). */
#define STORE_TIP_BODY_MAX 16384 /* bytes: [tips] description_max characters */
struct store_new_tip {
	const char *ref, *category, *body, *place, *channel, *language;
	int64_t district_id;         /* 0: a place typed instead */
	const char *tipster;         /* the reporter's alias: a keyed hash */
	const unsigned char *sealed; /* the number to relay replies to (SEAL_SIZE) */
	const char *callback;        /* the number, only if they asked to be called back */
	bool liaison;
	int64_t alert_at, now;
};
/* The tip and its relay. 0 with *id, STORE_DUPLICATE if the reference is
 * taken, or STORE_ERROR. */
int store_tip_add(struct store *s, const struct store_new_tip *t, int64_t *id);
struct store_tip {
	int64_t id, district_id, officer_id, alert_at, created_at, updated_at, acknowledged_at,
	    closed_at;
	char ref[12], district[96], timezone[64], category[24], place[STORE_PLACE_MAX];
	char body[STORE_TIP_BODY_MAX];
	char tipster[MSISDN_SIZE], callback[MSISDN_SIZE], status[12], channel[12], language[8];
	bool liaison;
	bool relay; /* the sealed number is still held */
	int escalations;
};
/* By reference, or by id (ref NULL): 1 with out, 0 if none. */
int store_tip_find(struct store *s, const char *ref, int64_t id, struct store_tip *out);
/* A description joined: the text and when its first alert goes. */
int store_tip_body(struct store *s, int64_t id, const char *body, int64_t alert_at, int64_t now);
/* Tips from tipster since then, or STORE_ERROR. */
int64_t store_tip_count_since(struct store *s, const char *tipster, int64_t since);
/* 1 if an officer blocked the tipster, 0 if not, STORE_ERROR. */
int store_tip_blocked(struct store *s, const char *tipster);
/* Blocks whoever sent tip id (by, who asked). */
int store_tip_block(struct store *s, int64_t id, const char *by, int64_t now);
/* The tip went to officer_id, the escalations-th time; its next alert is
 * due at alert_at (0: none). */
int store_tip_alerted(struct store *s, int64_t id, int64_t officer_id, int escalations,
		      int64_t alert_at, int64_t now);
/* seen (an officer's ACK, officer_id), answered, closed: no more alerts.
 * A closed tip stays closed, an answered one is not merely seen again. */
int store_tip_status(struct store *s, int64_t id, const char *status, int64_t officer_id,
		     int64_t now);
/* The officers tip id was sent to as an alert: how many (at most max), or
 * STORE_ERROR. */
int store_tip_alerted_officers(struct store *s, int64_t id, int64_t *officers, size_t max);
/* Whether an officer may act on tip id: of its district (or it has none),
 * handling it, or alerted to it. 1, 0, or STORE_ERROR. */
int store_tip_officer_may(struct store *s, int64_t id, int64_t officer_id);
/* A tip whose alert is due at now: 1 with *id, 0 if none. */
int store_tip_due(struct store *s, int64_t now, int64_t *id);
/* When the next alert of a tip is due: 1 with *at, 0 if none. */
int store_tip_next_due(struct store *s, int64_t *at);
/* The sealed number of tip id: 1 with sealed, 0 if purged. */
int store_tip_relay(struct store *s, int64_t id, unsigned char sealed[SEAL_SIZE]);
/* Relays made before then deleted: how many, or STORE_ERROR. */
int64_t store_tip_relay_purge(struct store *s, int64_t before);
/* When the oldest relay was made: 1 with *at, 0 if none. */
int store_tip_relay_oldest(struct store *s, int64_t *at);
/* One line of the append-only audit log (tip_id 0: none). */
int store_tip_audit(struct store *s, const char *actor, int64_t tip_id, const char *action,
		    const char *detail, int64_t now);
/* An officer a tip may go to: from the roster (with when they are on
 * call), or any active officer (supervisors last). */
struct store_tip_officer {
	struct store_officer officer;
	int weekdays, from_min, to_min; /* the roster's */
	char timezone[64];
	bool supervisor;
};
/* The roster's rows (roster true) or the active officers of district_id
 * (0: every district), in order: how many (at most max), or STORE_ERROR. */
int store_tip_officers(struct store *s, int64_t district_id, bool roster,
		       struct store_tip_officer *out, size_t max);
/* An officer by id (active or not): 1 with out, 0 if none. */
int store_tip_officer(struct store *s, int64_t id, struct store_officer *out);
struct store_district {
	int64_t id;
	char name[96];
};
/* Districts by name from offset: how many (at most max), or STORE_ERROR. */
int store_districts_page(struct store *s, int64_t offset, struct store_district *out, size_t max);

/* The on-call roster (roster.h, chabarctl): an officer of the district
 * on call on weekdays (bit 0 Monday), from..to local minutes, in order
 * (position). 1 added or its position changed, 0 if it was so already (or
 * the district or the officer of that district is not there: check
 * first), STORE_ERROR. */
int store_roster_add(struct store *s, const char *district, const char *officer, int weekdays,
		     int from, int to, int position);
/* The officer's rows of the district taken off: how many, or STORE_ERROR. */
int store_roster_remove(struct store *s, const char *district, const char *officer);

/* What chabarctl lists, row by row, each value as text: */
enum store_list {
	STORE_LIST_ROSTER, /* district, officer's number and name, weekdays, from, to, position */
	STORE_LIST_TIPS,   /* ref, created_at, district, zone, category, status, officer, liaison,
			    * anonymous */
	STORE_LIST_AUDIT,  /* at, actor, ref, action */
	STORE_LIST_DISTRICTS, /* code, name, language, zone, active officers, active persons */
	STORE_LIST_OFFICERS,  /* number, name, district, language, role, active */
	STORE_LIST_PERSONS,   /* number, name, role, district, officer's number, language,
			       * tier, status, opted out */
};
#define STORE_LIST_COLUMNS_MAX 12
typedef void (*store_row_fn)(void *arg, const char *const *values);
/* Calls fn for each row of which (filter: a district's code, or for the
 * audit a tip's reference; NULL: all): how many, or STORE_ERROR. */
int store_list(struct store *s, enum store_list which, const char *filter, store_row_fn fn,
	       void *arg);

/* What chabarctl exports and reports over [from, to) (times; the lists
 * with no time take any from <= to), row by row as text:
 *   persons:      number, name, language, district, officer, tier, role (active ones)
 *   appointments: number, starts_at, zone, place, status
 *   roster:       district, officer, weekdays, from, to, position
 *   checkins:     number, name, district, at, zone, location, channel, receipt,
 *                 outside window
 *   report:       district, officer, check-ins in window, out of window, windows
 *                 missed, reminders sent, delivered, appointments confirmed,
 *                 attended, missed (per district and officer) */
enum store_span {
	STORE_SPAN_PERSONS,
	STORE_SPAN_APPOINTMENTS,
	STORE_SPAN_ROSTER,
	STORE_SPAN_CHECKINS,
	STORE_SPAN_REPORT,
	STORE_SPAN_SERVICES, /* district, kind, name, address, phone, hours */
};
int store_span(struct store *s, enum store_span which, int64_t from, int64_t to, store_row_fn fn,
	       void *arg);

/* The reintegration services directory (flows/services.flow). A service
 * of a district: 1 added, 2 changed, 0 as it was, STORE_ERROR (the
 * district checked first). */
int store_service_put(struct store *s, const char *district, const char *kind, const char *name,
		      const char *address, const char *phone, const char *hours);
struct store_service {
	char name[128], phone[32], hours[64], address[160];
};
/* The n-th service (from 0, by name) of kind in the person's district: 1
 * with out, 0 if there is none. */
int store_service_at(struct store *s, int64_t person_id, const char *kind, int64_t n,
		     struct store_service *out);

/* chabarctl's edits: the fields of which (NULL: unchanged; a district or
 * officer by code and number) of the district, officer or person key:
 *   district: name, language, timezone
 *   officer:  name, language, district, role, active ("0"/"1")
 *   person:   name, language, district, officer, status
 * 1 if it was there, 0 if not, STORE_ERROR. */
enum store_edit { STORE_EDIT_DISTRICT, STORE_EDIT_OFFICER, STORE_EDIT_PERSON };
int store_edit(struct store *s, enum store_edit which, const char *key, const char *const *fields);
/* A new PIN hash, the counters and any lock cleared: 1, 0 if no such
 * person, STORE_ERROR. */
int store_person_pin_reset(struct store *s, const char *msisdn, const char *pin_hash);
/* The district code of an officer: 1 with code, 0 if no such officer. */
int store_officer_district(struct store *s, const char *msisdn, char code[32]);
/* What ties an officer to their district: active persons and roster
 * rows, how many; or STORE_ERROR. */
int64_t store_officer_ties(struct store *s, const char *msisdn);
/* 1 if the district is there, 0 if not, STORE_ERROR. */
int store_district_exists(struct store *s, const char *code);
/* Retention (chabarctl purge): the texts of messages, of the outbox's
 * rows sent (or given up), or tips' sealed numbers, from before then. */
enum store_purge { STORE_PURGE_MESSAGES, STORE_PURGE_SENT, STORE_PURGE_RELAYS };
/* How many, with the last row's id (*last_id, NULL: not wanted), or
 * STORE_ERROR. */
int64_t store_purgeable(struct store *s, enum store_purge what, int64_t before, int64_t *last_id);
/* The texts of messages or sent rows from before then, with ids in
 * (from_id, to_id], emptied (the rows stay, for the ledger and the
 * reports): how many, or STORE_ERROR. */
int64_t store_texts_purge(struct store *s, enum store_purge what, int64_t before, int64_t from_id,
			  int64_t to_id);

/* 0 if the database answers a read. */
int store_ping(struct store *s);
/* Synchronous standbys streaming as the primary reports them, the
 * longest flush lag in *lag; 0 for SQLite; STORE_ERROR. */
int store_standbys(struct store *s, double *lag);
/* A small write of its own (the schema version written again, committed):
 * 0 if the database takes writes. Only outside a transaction. */
int store_probe_write(struct store *s);
/* Bytes free to an unprivileged writer on the database's file system, -1
 * if unknown. */
int64_t store_disk_free(struct store *s);
/* Sessions not yet expired at now, or STORE_ERROR. */
int64_t store_count_open_sessions(struct store *s, int64_t now);
int store_schema_version(struct store *s);
/* The schema version this binary migrates a database to. */
int store_schema_latest(void);

const char *store_errmsg(struct store *s);

#endif
