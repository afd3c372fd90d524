/* db_pg_cache — see db_pg.h: reads sent ahead (db_prefetch), each held
 * until it is run or a write to one of its tables, the tables read from
 * each statement's SQL. A batch fetches the reads of all its senders
 * at once, each under the sender's scope (db_scope): a write in one scope
 * to a table whose rows are each one sender's (db_partition) forgets that
 * scope's reads of the table, not the others'. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_pg.h"

/* The bit that stands for a table in reads and writes. */
static uint64_t table_bit(struct pg_db *d, const char *name, size_t len)
{
	int i;
	for (i = 0; i < d->table_count; i++)
		if (strlen(d->tables[i]) == len && strncmp(d->tables[i], name, len) == 0)
			return UINT64_C(1) << i;
	if (i == TABLES_MAX || !(d->tables[i] = strndup(name, len)))
		return UINT64_C(1) << TABLES_MAX;
	d->table_count++;
	return UINT64_C(1) << i;
}

static bool is_word_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool word_is(const char *w, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(w, word, len) == 0;
}

/* What p does and which tables it touches, read from its SQL: the word
 * after FROM, JOIN, INTO or UPDATE is a table; the first one a write
 * statement names after INTO, UPDATE or FROM (DELETE FROM) is the one it
 * writes. A write whose table is not found writes them all, to be safe. */
void pg_classify(struct pg_db *d, struct pg_stmt *p)
{
	const char *s = p->sql, *prev = NULL;
	size_t prev_len = 0;
	while (*s) {
		if (!is_word_char(*s) || (*s >= '0' && *s <= '9')) {
			s++;
			continue;
		}
		const char *w = s;
		while (is_word_char(*s))
			s++;
		size_t len = (size_t)(s - w);
		if (!prev) {
			bool read = word_is(w, len, "SELECT") || word_is(w, len, "WITH");
			p->kind = read ? PG_READ : PG_WRITE;
		} else if (word_is(prev, prev_len, "FROM") || word_is(prev, prev_len, "JOIN") ||
			   word_is(prev, prev_len, "INTO") || word_is(prev, prev_len, "UPDATE")) {
			uint64_t bit = table_bit(d, w, len);
			p->reads |= bit;
			if (p->kind == PG_WRITE && !p->writes && !word_is(prev, prev_len, "JOIN"))
				p->writes = bit;
		}
		prev = w;
		prev_len = len;
	}
	if (p->kind == PG_WRITE && !p->writes)
		p->writes = UINT64_MAX;
}

/* Whether a write to `tables` by the running request may change c. */
static bool changes(const struct pg_db *d, uint64_t tables, const struct pg_cached *c)
{
	if (tables == UINT64_MAX)
		return true;
	if (!(c->stmt->reads & tables))
		return false;
	return !d->scope || c->scope == d->scope || (tables & ~d->partitioned);
}

/* Forgets the held reads a write to `tables` may change (UINT64_MAX: all
 * of them, whoever fetched them). */
void pg_cache_drop(struct pg_db *d, uint64_t tables)
{
	for (int i = 0; i < d->cached;) {
		struct pg_cached *c = &d->cache[i];
		if (!changes(d, tables, c)) {
			i++;
			continue;
		}
		PQclear(c->result);
		*c = d->cache[--d->cached];
	}
}

/* The values p is bound with, as a held read keeps them: false if they
 * do not fit (then it is not held). */
static bool cache_key(const struct pg_stmt *p, struct pg_cached *c)
{
	size_t used = 0;
	for (int i = 0; i < p->params; i++) {
		c->length[i] = p->value[i] ? p->length[i] : -1;
		if (!p->value[i])
			continue;
		if ((size_t)p->length[i] >= sizeof c->key - used)
			return false;
		memcpy(c->key + used, p->value[i], (size_t)p->length[i]);
		used += (size_t)p->length[i];
		c->key[used++] = '\0'; /* text parameters are read up to it */
	}
	return true;
}

/* The read held for p bound as it is, moved to p (used once): false if
 * there is none. */
bool pg_cache_take(struct pg_db *d, struct pg_stmt *p)
{
	struct pg_cached want;
	if (!cache_key(p, &want))
		return false;
	for (int i = 0; i < d->cached; i++) {
		struct pg_cached *c = &d->cache[i];
		size_t n = 0;
		for (int j = 0; j < p->params; j++)
			n += c->length[j] >= 0 ? (size_t)c->length[j] + 1 : 0;
		if (c->stmt != p || !c->result || c->scope != d->scope ||
		    memcmp(c->length, want.length, sizeof want.length[0] * (size_t)p->params) ||
		    memcmp(c->key, want.key, n))
			continue;
		p->result = c->result;
		*c = d->cache[--d->cached];
		return true;
	}
	return false;
}

void pg_prefetch(struct db_stmt *st)
{
	struct pg_stmt *p = pst(st);
	struct pg_db *d = pg(st->db);
	if (!d->cache)
		d->cache = calloc(CACHE_MAX, sizeof *d->cache);
	if (p->kind == PG_READ && d->cache && d->cached < CACHE_MAX) {
		struct pg_cached *c = &d->cache[d->cached];
		*c = (struct pg_cached){.stmt = p, .scope = d->scope};
		d->cached += cache_key(p, c);
	}
	pg_reset(st);
}

/* The row ids reserved (pg_reserve_ids) among what came, moved to d->ids. */
static void take_reserved(struct pg_db *d)
{
	for (int i = 0; i < d->cached;) {
		struct pg_cached *c = &d->cache[i];
		if (c->stmt != d->reserve || !c->result) {
			i++;
			continue;
		}
		for (int row = 0; row < PQntuples(c->result) && d->id_count < IDS_MAX; row++)
			d->ids[d->id_count++] = strtoll(PQgetvalue(c->result, row, 0), NULL, 10);
		PQclear(c->result);
		*c = d->cache[--d->cached];
	}
}

void pg_reserve_ids(struct db *db, const char *table, int n)
{
	struct pg_db *d = pg(db);
	unsigned scope = d->scope;
	n = n < IDS_MAX - d->id_count ? n : IDS_MAX - d->id_count;
	if (n <= 0)
		return;
	db_bind_text(&d->reserve->st, 1, table, -1);
	db_bind_int(&d->reserve->st, 2, n);
	d->scope = 0; /* no request's: handed out to any */
	pg_prefetch(&d->reserve->st);
	d->scope = scope;
}

int64_t pg_take_id(struct db *db)
{
	struct pg_db *d = pg(db);
	return d->next_id < d->id_count ? d->ids[d->next_id++] : 0;
}

void pg_prefetched(struct db *db)
{
	struct pg_db *d = pg(db);
	int first = d->cached;
	while (first > 0 && !d->cache[first - 1].result)
		first--;
	int n = d->cached - first;
	if (!n)
		return;
	d->warned = false;
	double deadline = pg_deadline(d);
	bool sent = !d->aborted && pg_connected(d) && pg_pipeline(d, true);
	for (int i = first; sent && i < d->cached; i++) {
		struct pg_cached *c = &d->cache[i];
		const char *value[PARAMS_MAX];
		size_t used = 0;
		for (int j = 0; j < c->stmt->params; j++) {
			value[j] = c->length[j] < 0 ? NULL : c->key + used;
			used += c->length[j] >= 0 ? (size_t)c->length[j] + 1 : 0;
		}
		sent = pg_send_prepared(d, c->stmt, value, c->length);
	}
	PGresult *out[CACHE_MAX] = {NULL};
	if (sent && pg_round_trip(d, out, n, deadline)) {
		for (int i = 0; i < n; i++)
			d->cache[first + i].result = out[i];
		take_reserved(d);
		return;
	}
	/* each is read when it is asked for, and fails then (a drop has
	 * emptied the cache already) */
	d->cached = first < d->cached ? first : d->cached;
}

void pg_scope(struct db *db, unsigned request)
{
	pg(db)->scope = request;
}

void pg_partition(struct db *db, const char *table)
{
	struct pg_db *d = pg(db);
	uint64_t bit = table_bit(d, table, strlen(table));
	if (bit != UINT64_C(1) << TABLES_MAX) /* shared with other tables: not one sender's */
		d->partitioned |= bit;
}

void pg_cache_free(struct pg_db *d)
{
	pg_cache_drop(d, UINT64_MAX);
	free(d->cache);
	d->cache = NULL;
}
