/*
 * store — the SQLite database; all of chabar's SQL lives in store.c, as
 * statements prepared once at open.
 *
 * Lifecycle: store_open() (opens, sets pragmas, migrates, prepares) →
 * store_* calls → store_free(). Writes happen between store_begin() and
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

enum {
	STORE_ERROR = -1,     /* SQLite failed; store_errmsg() says why */
	STORE_DUPLICATE = -2, /* a unique key (Kannel's id) is already stored */
};

/* Largest reply text store_find_reply() returns. */
#define STORE_REPLY_MAX 4096

struct store;

/* One row of messages. Pointers are borrowed for the call. */
struct store_message {
	bool outbound;
	const char *kannel_id; /* NULL: none */
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
};

struct store *store_open(const char *path, enum cfg_sync sync, char *err, size_t err_size);
void store_free(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Adds a message; *id gets its row id. */
int store_add_message(struct store *s, const struct store_message *m, int64_t *id);

/* The reply already given to the inbound message with this Kannel id:
 * 1 and *out filled if that message is stored (len 0 if it had no reply),
 * 0 if it is not, STORE_ERROR on failure. */
int store_find_reply(struct store *s, const char *kannel_id, struct store_reply *out);

/* 0 if the database answers a read. */
int store_ping(struct store *s);
/* Sessions not yet expired at now, or STORE_ERROR. */
int64_t store_count_open_sessions(struct store *s, int64_t now);
int store_schema_version(struct store *s);

const char *store_errmsg(struct store *s);

#endif
