-- Services that help a returning person over the barriers to
-- reintegration (documents, work, health, family), a directory per
-- district imported from CSV (chabarctl import services), browsed over
-- USSD and SMS (flows/services.flow).
CREATE TABLE services (
  id          INTEGER PRIMARY KEY,
  district_id INTEGER NOT NULL REFERENCES districts(id),
  kind        TEXT NOT NULL CHECK (kind IN ('documents', 'work', 'health', 'family')),
  name        TEXT NOT NULL,
  address     TEXT NOT NULL DEFAULT '',
  phone       TEXT NOT NULL DEFAULT '',
  hours       TEXT NOT NULL DEFAULT '',
  UNIQUE (district_id, kind, name)
);
