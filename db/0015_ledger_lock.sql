-- The check-ins on the ledger are chained (ledger.c): each names the hash
-- of the one before. On PostgreSQL several batches are in flight at once,
-- each on a connection of its own (batch.h), and a batch's rows are seen
-- by the others only once its commit is answered. A check-in first takes
-- this row's lock, held to its commit: the check-in before it is then
-- committed and seen, and no two are chained to the same. (SQLite has one
-- writer: the lock costs nothing there.)
CREATE TABLE ledger_lock (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  taken_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO ledger_lock (id) VALUES (1);
