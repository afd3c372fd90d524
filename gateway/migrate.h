/*
 * migrate — brings a SQLite database to the schema this binary knows.
 *
 * The scripts are db/NNNN_name.sql compiled in (migrations_data.c, made by
 * build-aux/gen-migrations.sh). Script N, once applied, sets PRAGMA
 * user_version = N; each applies in its own transaction, so a failure leaves
 * the database at the last whole version. Stateless; loop thread only.
 */
#ifndef CHABAR_MIGRATE_H
#define CHABAR_MIGRATE_H

#include <sqlite3.h>
#include <stddef.h>

struct migrate_script {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migrate_script migrate_scripts[];
extern const int migrate_script_count;

/* Applies scripts[] (versions 1..count, in order) that db has not had yet.
 * Refuses a database whose user_version is newer than count. On failure
 * returns -1 with a message in err. */
int migrate_apply(sqlite3 *db, const struct migrate_script *scripts, int count, char *err,
		  size_t err_size);

/* The database's user_version, or -1 with a message in err. */
int migrate_version(sqlite3 *db, char *err, size_t err_size);

#endif
