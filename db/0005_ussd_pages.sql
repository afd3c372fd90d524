-- A USSD reply longer than a page is sent page by page ("0 More", "00
-- Back"): the whole text, the page shown, and whether the conversation had
-- ended (then the last page closes the session).
ALTER TABLE sessions ADD COLUMN pages TEXT;
ALTER TABLE sessions ADD COLUMN page INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN pages_end INTEGER NOT NULL DEFAULT 0;
