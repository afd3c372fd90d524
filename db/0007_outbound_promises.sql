-- What chabar promises to deliver keeps what it needs to keep the promise.
-- An alert remembers its officer, its catalog text and the first alert of
-- its chain, so that one not delivered in time goes to the district's next
-- officer, in that officer's language. settled_at: when the alert needed
-- nothing more (delivered, passed on, or no one was left to try).
ALTER TABLE outbox ADD COLUMN officer_id INTEGER REFERENCES officers(id);
ALTER TABLE outbox ADD COLUMN text_key TEXT;
ALTER TABLE outbox ADD COLUMN chain_id INTEGER;
ALTER TABLE outbox ADD COLUMN settled_at INTEGER;
-- alerts from before have no key to be said again with: settled as they are
UPDATE outbox SET settled_at = updated_at WHERE kind = 'alert';
CREATE INDEX outbox_open_alerts ON outbox (created_at)
  WHERE kind = 'alert' AND settled_at IS NULL;
CREATE INDEX outbox_chain ON outbox (chain_id) WHERE chain_id IS NOT NULL;
-- A USSD session whose pages are a confirmation the person has not seen to
-- the end: if the network drops it, or it times out, the text goes by SMS.
ALTER TABLE sessions ADD COLUMN confirm INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_owed ON sessions (expires_at) WHERE confirm = 1;
