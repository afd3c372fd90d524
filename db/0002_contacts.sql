-- Preferences of numbers that are not enrolled persons (residents,
-- liaisons before enrolment, anonymous tipsters): their language and
-- whether they said STOP. Enrolled persons keep theirs in persons.
CREATE TABLE contacts (
  msisdn     TEXT PRIMARY KEY,
  language   TEXT,
  opted_out  INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
