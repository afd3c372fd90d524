/* store_migrate — see store_migrate.h. */
#include "store_migrate.h"

#include <stdbool.h>
#include <stdio.h>

#include "log.h"

int store_migrate_version(sqlite3 *db, char *err, size_t err_size)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "%s", sqlite3_errmsg(db));
		return -1;
	}
	int version = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	else
		snprintf(err, err_size, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return version;
}

/* After a script: any row a foreign key no longer finds fails it (the
 * scripts run with foreign keys off, so a table can be rebuilt). */
static bool foreign_keys_broken(sqlite3 *db, char **msg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return true;
	bool broken = sqlite3_step(st) != SQLITE_DONE;
	if (broken)
		*msg = sqlite3_mprintf("a foreign key no longer holds (table %s)",
				       sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return broken;
}

static int apply_one(sqlite3 *db, const struct store_migration *s, char *err, size_t err_size)
{
	char *msg = NULL;
	char set_version[64];
	snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d", s->version);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, s->sql, NULL, NULL, &msg) != SQLITE_OK ||
	    foreign_keys_broken(db, &msg) ||
	    sqlite3_exec(db, set_version, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_size, "migration %s: %s", s->name, msg ? msg : "failed");
		sqlite3_free(msg);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	log_msg(LOG_LEVEL_INFO, "migrated", "version=%d name=%s", s->version, s->name);
	return 0;
}

int store_migrate(sqlite3 *db, const struct store_migration *scripts, int count, char *err,
		  size_t err_size)
{
	int version = store_migrate_version(db, err, err_size);
	if (version < 0)
		return -1;
	if (version > count) {
		snprintf(err, err_size,
			 "database schema version %d is newer than this chabar knows (%d): "
			 "run a newer chabar or restore a matching backup",
			 version, count);
		return -1;
	}
	/* Off for the scripts (it cannot change inside their transactions):
	 * SQLite's way to rebuild a table others refer to. */
	sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
	int rc = 0;
	for (int i = version; i < count && rc == 0; i++)
		rc = apply_one(db, &scripts[i], err, err_size);
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return rc;
}
