-- Unrecognised answers at the node a conversation waits at, so that a
-- node's "retry N" counts across messages. (sessions.step stays for the
-- number of exchanges, which USSD needs to read the aggregator's text.)
ALTER TABLE sessions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
