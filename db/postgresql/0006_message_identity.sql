-- PostgreSQL's way to what db/0006_message_identity.sql does (SQLite
-- cannot drop a column's UNIQUE, so it rebuilds the table): the column
-- renamed, its UNIQUE dropped, the identity index made, messages_msisdn
-- dropped as it is there.
ALTER TABLE messages RENAME COLUMN kannel_id TO network_id;
ALTER TABLE messages DROP CONSTRAINT messages_kannel_id_key;
DROP INDEX messages_msisdn;
CREATE UNIQUE INDEX messages_identity ON messages (msisdn, channel, network_id)
  WHERE network_id IS NOT NULL;
