-- The first schema: everything the mission needs, so later work adds
-- columns and tables rather than reshaping these. Times are Unix seconds
-- (UTC); phone numbers are E.164 digits without '+'.

CREATE TABLE districts (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  language    TEXT NOT NULL DEFAULT 'ru',            -- default for persons without one
  timezone    TEXT NOT NULL DEFAULT 'Asia/Bishkek'
);

CREATE TABLE officers (
  id          INTEGER PRIMARY KEY,
  district_id INTEGER NOT NULL REFERENCES districts(id),
  name        TEXT NOT NULL,
  msisdn      TEXT NOT NULL UNIQUE,
  language    TEXT NOT NULL DEFAULT 'ru',
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL
);

CREATE TABLE persons (
  id            INTEGER PRIMARY KEY,
  msisdn        TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'supervised'
                CHECK (role IN ('supervised', 'liaison', 'resident')),
  language      TEXT,                                 -- NULL: the district's
  district_id   INTEGER REFERENCES districts(id),
  officer_id    INTEGER REFERENCES officers(id),
  pin_hash      TEXT,                                 -- keyed hash, never the PIN
  pin_failures  INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER,
  status        TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'suspended', 'closed')),
  opted_out     INTEGER NOT NULL DEFAULT 0,
  transliterate INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
  id           INTEGER PRIMARY KEY,
  msisdn       TEXT NOT NULL,
  channel      TEXT NOT NULL,                         -- sms | ussd-at | ussd-smpp
  ussd_session TEXT,                                  -- the network's session id
  flow         TEXT NOT NULL,
  node         TEXT NOT NULL,
  vars         TEXT NOT NULL DEFAULT '{}',
  step         INTEGER NOT NULL DEFAULT 0,
  started_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  UNIQUE (msisdn, channel)
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Every message in and out. text is UTF-8 when it decoded as such, else
-- the raw bytes as a BLOB with the coding they came in.
CREATE TABLE messages (
  id          INTEGER PRIMARY KEY,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  kannel_id   TEXT UNIQUE,                            -- %I: Kannel retries repeat it
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
CREATE INDEX messages_msisdn ON messages (msisdn, created_at);
CREATE INDEX messages_reply ON messages (in_reply_to);

CREATE TABLE appointments (
  id           INTEGER PRIMARY KEY,
  person_id    INTEGER NOT NULL REFERENCES persons(id),
  officer_id   INTEGER REFERENCES officers(id),
  starts_at    INTEGER NOT NULL,
  place        TEXT,
  status       TEXT NOT NULL DEFAULT 'scheduled'
               CHECK (status IN ('scheduled', 'confirmed', 'reschedule_requested',
                                 'attended', 'missed', 'cancelled')),
  confirmed_at INTEGER,
  created_at   INTEGER NOT NULL
);
CREATE INDEX appointments_person ON appointments (person_id, starts_at);

CREATE TABLE checkins (
  id         INTEGER PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES persons(id),
  at         INTEGER NOT NULL,
  location   TEXT NOT NULL,                           -- home | work | other
  channel    TEXT NOT NULL,
  message_id INTEGER REFERENCES messages(id)
);
CREATE INDEX checkins_person ON checkins (person_id, at);

-- Tips never hold the tipster's number: only a keyed hash (to recognise a
-- returning tipster) and, apart, a sealed copy for the two-way relay.
CREATE TABLE tips (
  id           INTEGER PRIMARY KEY,
  reference    TEXT NOT NULL UNIQUE,
  district_id  INTEGER REFERENCES districts(id),
  category     TEXT,
  body         TEXT NOT NULL,
  tipster_hash TEXT,
  anonymous    INTEGER NOT NULL DEFAULT 1,
  status       TEXT NOT NULL DEFAULT 'new'
               CHECK (status IN ('new', 'seen', 'answered', 'closed')),
  created_at   INTEGER NOT NULL
);

CREATE TABLE tip_relay (
  tip_id        INTEGER PRIMARY KEY REFERENCES tips(id),
  sealed_msisdn BLOB NOT NULL,                        -- libsodium secretbox
  nonce         BLOB NOT NULL,
  closed_at     INTEGER
);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  msisdn          TEXT NOT NULL,
  text            BLOB NOT NULL,
  coding          INTEGER NOT NULL DEFAULT 0,
  kind            TEXT NOT NULL,                      -- reminder | alert | fallback | reply
  related_id      INTEGER,
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'sending', 'accepted', 'delivered',
                                    'failed', 'undeliverable')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  smsc_message_id TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
