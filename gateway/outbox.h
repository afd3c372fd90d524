/*
 * outbox — the sender: every row the pipeline queued in `outbox` goes to
 * Kannel's sendsms, through libcurl's multi_socket API driven by the libev
 * loop (an ev_io a curl socket, one ev_timer for curl's timeouts), never a
 * blocking call; connections are reused.
 *
 * A row is marked sending, and that committed, before its request goes
 * out. Kannel's "0: Accepted" or "3: Queued" makes it accepted; a 4xx is
 * permanent (failed, with the reason); a connection error, a timeout, a
 * 5xx or an answer that is not Kannel's is tried again after an
 * exponential backoff with jitter, until the row is max_age old. At most
 * in_flight requests at once and rate messages a second. Rows a stop left
 * sending are resumed at start, after a grace for Kannel's reports: a
 * report on a row proves Kannel has it, and it is never sent again. Each request carries a dlr-url
 * back to /kannel/dlr with the row's id and a keyed mark (outbox_dlr_mark), so a delivery report
 * needs no shared secret in clear.
 *
 * Nothing polls the table: outbox_wake() after a commit that queued rows,
 * and a timer for the next row due (a retry, or the rate limit).
 *
 * It keeps the config it started with: a reload changes nothing of
 * [sendsms] (its keys take a restart), nor the key of the marks.
 *
 * Lifecycle: outbox_new() (NULL and no error when [sendsms] url is empty)
 * → outbox_wake() … → outbox_free(). Loop thread only.
 */
#ifndef CHABAR_OUTBOX_H
#define CHABAR_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct outbox;

#define OUTBOX_MARK_SIZE     33  /* 32 hex digits and a NUL */
#define OUTBOX_IN_FLIGHT_MAX 256 /* [sendsms] in_flight's upper bound */

/* NULL with err set on failure, NULL with err empty when not configured. */
struct outbox *outbox_new(struct daemon *d, char *err, size_t err_size);
void outbox_free(struct outbox *o);

/* Rows were committed: look for due ones (in the next loop turn). */
void outbox_wake(struct outbox *o);

/* What a delivery report is about: an outbox row (its dlr-url says
 * id=ROW), or a USSD reply whose failure owes an SMS (msg=MESSAGE,
 * fallback.h). */
enum outbox_report_of { OUTBOX_REPORT_ROW, OUTBOX_REPORT_REPLY };

/* The mark of id in its dlr-url: a keyed hash of what it is and its id,
 * so that only a report for a message we sent is taken, as what it is. */
void outbox_dlr_mark(const unsigned char key[32], enum outbox_report_of of, int64_t id,
		     char out[OUTBOX_MARK_SIZE]);

/* True if mark (len bytes) is the mark outbox o gave id's dlr-url; false
 * for any report when o is NULL (nothing was sent). */
bool outbox_mark_ok(const struct outbox *o, enum outbox_report_of of, int64_t id, const char *mark,
		    size_t len);

/* The dlr-url for reports on id (with Kannel's %d, %F and %A): its length,
 * or -1 if o is NULL or it does not fit size. */
int outbox_dlr_url(const struct outbox *o, enum outbox_report_of of, int64_t id, char *out,
		   size_t size);

/* What names id in its dlr-url, "id=ROW&mark=MARK" (or msg=): alone, it
 * is the dlr_url of an MT sent through the box, which bearerbox returns
 * as it is. Its length, or -1 as outbox_dlr_url(). */
int outbox_dlr_query(const struct outbox *o, enum outbox_report_of of, int64_t id, char *out,
		     size_t size);

/* An MT handed to bearerbox through the box ([sendsms] via = box), until
 * bearerbox acknowledges it. */
struct outbox_sent {
	int64_t id, created_at;
	int attempts; /* with this one */
};

/* bearerbox's ack of a row's MT (enum box_ack): success or buffered is
 * accepted, failed is refused for good, failed_tmp is tried again. */
void outbox_box_answer(struct outbox *o, const struct outbox_sent *sent, int nack);

/* The connection went before bearerbox acknowledged the MT: bearerbox may
 * have it. It is tried again only after a grace for a report, which would
 * prove it has (as at a restart); bearerbox itself cannot tell a resent
 * MT from a new one. */
void outbox_box_lost(struct outbox *o, const struct outbox_sent *sent);

/* The rate limit: a bucket of tokens filled at rate a second, holding
 * a second's worth at most. */
struct outbox_bucket {
	double tokens;
	double at; /* when it was last filled */
};

/* Takes a token at now: 0, or the seconds until there is one (none
 * taken). rate 0: no limit. */
double outbox_bucket_take(struct outbox_bucket *b, unsigned rate, double now);

/* Seconds before attempt (1: the first retry) is tried again: doubling
 * from 2 s to at most 5 minutes, times jitter (0.5 to 1.5). */
double outbox_backoff(int attempt, double jitter);

/* What Kannel's sendsms answer means: 1 taken (accepted), 0 to try again,
 * -1 refused for good. */
int outbox_sendsms_answer(long http_status, const char *body);

#endif
