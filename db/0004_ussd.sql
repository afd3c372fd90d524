-- USSD through an aggregator sends every input of the session so far in one
-- text: the part already answered is kept, so the new input is read by
-- position (an answer may itself contain the '*' that joins them).
ALTER TABLE sessions ADD COLUMN ussd_text TEXT;
