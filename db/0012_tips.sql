-- Community tips (tip.h). The reporter's number is never stored: a tip
-- holds the keyed hash of it that the conversation used as the sender
-- (tipster_hash), and the relay holds the number sealed (seal.h) until
-- retention purges it. Whoever handles a tip, and when it must be
-- acknowledged before it goes to the next officer on call.
ALTER TABLE tips ADD COLUMN place TEXT;
ALTER TABLE tips ADD COLUMN liaison INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tips ADD COLUMN channel TEXT;
ALTER TABLE tips ADD COLUMN language TEXT;            -- the reporter's, for relayed replies
ALTER TABLE tips ADD COLUMN callback_msisdn TEXT;      -- only with the reporter's consent
ALTER TABLE tips ADD COLUMN consent_at INTEGER;
ALTER TABLE tips ADD COLUMN officer_id INTEGER REFERENCES officers(id);
ALTER TABLE tips ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tips ADD COLUMN alert_at INTEGER;          -- the next alert (NULL: none)
ALTER TABLE tips ADD COLUMN acknowledged_at INTEGER;
ALTER TABLE tips ADD COLUMN closed_at INTEGER;
ALTER TABLE tips ADD COLUMN updated_at INTEGER;
CREATE INDEX tips_alert ON tips (alert_at) WHERE alert_at IS NOT NULL;
CREATE INDEX tips_tipster ON tips (tipster_hash, created_at);
-- sealed_msisdn holds the seal whole (nonce, then box, as seal.h makes
-- it); nonce, a column of the first schema, repeats its nonce.
ALTER TABLE tip_relay ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
-- A row to a hidden recipient holds its alias as msisdn and the number
-- sealed here, opened only to send it and wiped once it is sent.
ALTER TABLE outbox ADD COLUMN sealed BLOB;
-- Who is on call for tips: an officer, the weekdays (bit 0 Monday) and
-- local minutes [from, to) (to < from: past midnight), in order.
CREATE TABLE tip_roster (
  id          INTEGER PRIMARY KEY,
  district_id INTEGER NOT NULL REFERENCES districts(id),
  officer_id  INTEGER NOT NULL REFERENCES officers(id),
  weekdays    INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
  from_min    INTEGER NOT NULL CHECK (from_min BETWEEN 0 AND 1439),
  to_min      INTEGER NOT NULL CHECK (to_min BETWEEN 1 AND 1440),
  position    INTEGER NOT NULL DEFAULT 1,
  UNIQUE (district_id, officer_id, weekdays, from_min, to_min)
);
-- Reporters an officer blocked, by a tip of theirs: the hash only.
CREATE TABLE tip_blocks (
  tipster_hash TEXT PRIMARY KEY,
  tip_id       INTEGER REFERENCES tips(id),
  blocked_by   TEXT NOT NULL,
  blocked_at   INTEGER NOT NULL
);
-- Every relay, every officer's command on a tip and every read of one
-- through chabarctl: appended, never changed.
CREATE TABLE tip_audit (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  tip_id INTEGER REFERENCES tips(id),
  action TEXT NOT NULL,
  detail TEXT
);
-- Its triggers, which keep it so, are 0014_audit_append_only.sql (made
-- here before there was a PostgreSQL store; each engine has its own).
