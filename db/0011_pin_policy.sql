-- PIN policy (pin.h): failures within a day are capped however they
-- alternate with right PINs; each lock lasts longer than the one before;
-- every failure, lock and unlock is kept, with the officer who unlocked.
ALTER TABLE persons ADD COLUMN pin_day_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN pin_day_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN pin_locks INTEGER NOT NULL DEFAULT 0;
CREATE TABLE pin_events (
  id         INTEGER PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES persons(id),
  kind       TEXT NOT NULL CHECK (kind IN ('failure', 'lock', 'unlock')),
  detail     TEXT,
  officer_id INTEGER REFERENCES officers(id),
  at         INTEGER NOT NULL
);
CREATE INDEX pin_events_person ON pin_events (person_id, at);
