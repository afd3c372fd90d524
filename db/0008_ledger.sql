-- Check-ins on a ledger no one can quietly rewrite: each gets a receipt
-- code the person can quote, and a keyed hash over the previous check-in's
-- hash and its own fields (ledger.c). Check-ins recorded before have none
-- and stand before the chain.
ALTER TABLE checkins ADD COLUMN receipt TEXT;
ALTER TABLE checkins ADD COLUMN prev_hash TEXT;
ALTER TABLE checkins ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX checkins_receipt ON checkins (receipt) WHERE receipt IS NOT NULL;
