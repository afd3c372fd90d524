-- Appointment reminders (remind.c): one row a reminder, planned when the
-- appointment is added, at the configured offsets before it, moved out of
-- the district's quiet hours; sent by the daemon's timer (due.c) through
-- the outbox. UNIQUE: planning twice plans nothing more.
CREATE TABLE reminders (
  id             INTEGER PRIMARY KEY,
  appointment_id INTEGER NOT NULL REFERENCES appointments(id),
  before_s       INTEGER NOT NULL,                    -- the offset it was planned at
  due_at         INTEGER NOT NULL,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'cancelled')),
  outbox_id      INTEGER REFERENCES outbox(id),
  sent_at        INTEGER,
  UNIQUE (appointment_id, before_s)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE status = 'pending';
-- Quiet hours per district, minutes after local midnight: nothing chabar
-- says first reaches a phone between quiet_from and quiet_to.
ALTER TABLE districts ADD COLUMN quiet_from INTEGER NOT NULL DEFAULT 1260;
ALTER TABLE districts ADD COLUMN quiet_to INTEGER NOT NULL DEFAULT 480;
-- What an alert's text was rendered with besides the person's name (an
-- appointment's date and time), form-encoded, to say it again to the next
-- officer.
ALTER TABLE outbox ADD COLUMN text_vars TEXT;
-- The person's answer to a reminder and when: 1 confirmed, 2 reschedule,
-- 3 cannot_come (the status says what the officer decides).
ALTER TABLE appointments ADD COLUMN answer TEXT;
ALTER TABLE appointments ADD COLUMN answered_at INTEGER;
