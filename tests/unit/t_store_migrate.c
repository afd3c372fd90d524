/* Unit tests for gateway/store_migrate.c: fresh database, re-run, a newer
 * database refused, and a failing script rolled back whole. */
#include <stdlib.h>
#include <unistd.h>

#include "store_migrate.h"
#include "tap.h"

static sqlite3 *open_memory(void)
{
	sqlite3 *db;
	sqlite3_open(":memory:", &db);
	return db;
}

static int table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	return found;
}

static void test_shipped(void)
{
	char err[512] = "";
	sqlite3 *db = open_memory();
	ok(store_migration_count >= 1, "at least one migration compiled in");
	is_int(store_migrate(db, store_migrations, store_migration_count, err, sizeof err), 0,
	       "fresh database migrates");
	is_int(store_migrate_version(db, err, sizeof err), store_migration_count,
	       "user_version is the last script");
	static const char *const tables[] = {"districts", "officers",     "persons",  "sessions",
					     "messages",  "appointments", "checkins", "tips",
					     "tip_relay", "outbox",       "contacts"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		ok(table_exists(db, tables[i]), "table %s exists", tables[i]);
	is_int(store_migrate(db, store_migrations, store_migration_count, err, sizeof err), 0,
	       "re-running is a no-op");
	is_int(store_migrate_version(db, err, sizeof err), store_migration_count,
	       "version unchanged");
	sqlite3_close(db);
}

static void test_newer(void)
{
	char err[512] = "";
	sqlite3 *db = open_memory();
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	is_int(store_migrate(db, store_migrations, store_migration_count, err, sizeof err), -1,
	       "a database newer than the binary is refused");
	ok(strstr(err, "version 99 is newer") != NULL, "the message says why: %s", err);
	sqlite3_close(db);
}

static void test_failure_rolls_back(void)
{
	static const struct store_migration scripts[] = {
	    {1, "0001_a", "CREATE TABLE a (x);", NULL},
	    {2, "0002_b", "CREATE TABLE b (x); CREATE TABLE broken (;", NULL},
	};
	char err[512] = "";
	sqlite3 *db = open_memory();
	is_int(store_migrate(db, scripts, 2, err, sizeof err), -1, "a broken script fails");
	ok(strstr(err, "0002_b") != NULL, "the message names the script: %s", err);
	is_int(store_migrate_version(db, err, sizeof err), 1,
	       "the database stays at the last whole version");
	ok(table_exists(db, "a") && !table_exists(db, "b"),
	   "the broken script left nothing behind");
	sqlite3_close(db);
}

int main(void)
{
	test_shipped();
	test_newer();
	test_failure_rolls_back();
	return tap_done();
}
