/*
 * db.h — what the unit tests on a real SQLite file share: one integer
 * read from the file through a connection of its own (so it sees only what
 * was committed), and the removal of the test's directory and database.
 */
#ifndef CHABAR_TEST_DB_H
#define CHABAR_TEST_DB_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* The first column of the first row of sql on the file at path, -1 if none. */
static inline int64_t db_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_open(path, &db);
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Removes dir/chabar.db with its WAL and shared memory, then dir. */
static inline void db_remove(const char *dir)
{
	static const char *const files[] = {"chabar.db", "chabar.db-wal", "chabar.db-shm"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char file[512];
		snprintf(file, sizeof file, "%s/%s", dir, files[i]);
		unlink(file);
	}
	rmdir(dir);
}

#endif
