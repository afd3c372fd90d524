/*
 * store_migrate — the store's schema migrations (part of the store: only
 * the store speaks SQL; store.c calls it when it opens the database, and
 * nothing else includes this header but its test and the engines of
 * db.h). Brings a SQLite database to the schema this binary knows;
 * db_pg.c does the same for PostgreSQL with sql_postgresql.
 *
 * The scripts are db/NNNN_name.sql compiled in (migrations_data.c, made by
 * build-aux/gen-migrations.sh). Script N, once applied, sets PRAGMA
 * user_version = N; each applies in its own transaction, so a failure leaves
 * the database at the last whole version. Stateless; loop thread only.
 */
#ifndef CHABAR_STORE_MIGRATE_H
#define CHABAR_STORE_MIGRATE_H

#include <sqlite3.h>
#include <stddef.h>

struct store_migration {
	int version;
	const char *name;
	const char *sql;
	/* PostgreSQL's: db/postgresql/NNNN_name.sql where the way differs,
	 * else sql with its types mapped (build-aux/gen-migrations.sh) */
	const char *sql_postgresql;
};

extern const struct store_migration store_migrations[];
extern const int store_migration_count;

/* Applies scripts[] (versions 1..count, in order) that db has not had yet.
 * Refuses a database whose user_version is newer than count. On failure
 * returns -1 with a message in err. */
int store_migrate(sqlite3 *db, const struct store_migration *scripts, int count, char *err,
		  size_t err_size);

/* The database's user_version, or -1 with a message in err. */
int store_migrate_version(sqlite3 *db, char *err, size_t err_size);

#endif
