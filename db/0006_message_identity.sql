-- A repeat is the same channel, the same sender and the same network id
-- (Kannel's %I, an aggregator's request): another number, or another
-- channel, using an id already stored is a new message, and never gets
-- someone else's stored reply. The column is network_id now, as it is not
-- only Kannel's. SQLite cannot drop a column's UNIQUE, so the table is
-- rebuilt (store_migrate.c runs this with foreign keys off and checks them
-- before the commit).
CREATE TABLE messages_new (
  id          INTEGER PRIMARY KEY,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  network_id  TEXT,                                   -- a retry repeats it
  channel     TEXT NOT NULL,
  msisdn      TEXT NOT NULL,
  peer        TEXT,                                   -- our short code / service
  text        BLOB,
  coding      INTEGER NOT NULL DEFAULT 0,             -- 0 GSM/UTF-8, 1 8-bit, 2 UCS-2
  smsc        TEXT,
  meta        TEXT,
  sent_at     INTEGER,                                -- the SMSC's time (%T)
  status      TEXT NOT NULL,
  in_reply_to INTEGER REFERENCES messages(id),
  created_at  INTEGER NOT NULL
);
INSERT INTO messages_new (id, direction, network_id, channel, msisdn, peer, text, coding, smsc,
                          meta, sent_at, status, in_reply_to, created_at)
  SELECT id, direction, kannel_id, channel, msisdn, peer, text, coding, smsc,
         meta, sent_at, status, in_reply_to, created_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
-- Led by the number, the identity index also finds a number's inbound
-- messages, so messages_msisdn is not made again; replies carry no network
-- id and stay out of it (reached through in_reply_to): per message one
-- index insert instead of four.
CREATE UNIQUE INDEX messages_identity ON messages (msisdn, channel, network_id)
  WHERE network_id IS NOT NULL;
CREATE INDEX messages_reply ON messages (in_reply_to);
