-- Monitoring plans (plan.h, watch.c). A person's tier names a plan of the
-- config; each change is kept, with who made it.
ALTER TABLE persons ADD COLUMN tier TEXT;
CREATE TABLE tier_changes (
  id         INTEGER PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES persons(id),
  tier_from  TEXT,
  tier_to    TEXT,
  changed_by TEXT NOT NULL,
  changed_at INTEGER NOT NULL
);
-- A person's next check-in window, one at a time, planned when the one
-- before ends; next_at: when the timer next looks at it (a reminder, the
-- close).
CREATE TABLE windows (
  id             INTEGER PRIMARY KEY,
  person_id      INTEGER NOT NULL REFERENCES persons(id),
  opens_at       INTEGER NOT NULL,
  closes_at      INTEGER NOT NULL,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'open', 'met', 'missed', 'cancelled')),
  reminders_sent INTEGER NOT NULL DEFAULT 0,
  next_at        INTEGER NOT NULL,
  UNIQUE (person_id, opens_at)
);
CREATE INDEX windows_next ON windows (next_at) WHERE status IN ('pending', 'open');
CREATE INDEX windows_person ON windows (person_id, status);
-- A check-in in a window points to it; one outside every window of a plan
-- is marked so (it still counts as a check-in).
ALTER TABLE checkins ADD COLUMN window_id INTEGER REFERENCES windows(id);
ALTER TABLE checkins ADD COLUMN outside_window INTEGER NOT NULL DEFAULT 0;
-- What needs an officer's OK: a missed window, a PIN lockout. Not
-- acknowledged in time, it goes to the district's supervisors.
CREATE TABLE incidents (
  id              INTEGER PRIMARY KEY,
  ref             TEXT NOT NULL UNIQUE,
  person_id       INTEGER NOT NULL REFERENCES persons(id),
  kind            TEXT NOT NULL,                         -- missed_checkin | pin_lockout
  window_id       INTEGER REFERENCES windows(id),
  raised_at       INTEGER NOT NULL,
  ack_due_at      INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by INTEGER REFERENCES officers(id),
  escalated_at    INTEGER,
  status          TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'acknowledged', 'escalated'))
);
CREATE INDEX incidents_due ON incidents (ack_due_at) WHERE status = 'open';
ALTER TABLE officers ADD COLUMN role TEXT NOT NULL DEFAULT 'officer'
  CHECK (role IN ('officer', 'supervisor'));
