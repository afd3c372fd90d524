-- tests/lib/pg-compat.sql - SQLite's functions that the scenario files'
-- SQL (written for sqlite3) uses, made for a PostgreSQL test database, so
-- that the same files run against both backends (tests/scenarios/run.sh).
-- Test databases only: chabar's own SQL needs none of these.

-- strftime('%s', 'now'): the Unix time (the only form the files use)
CREATE FUNCTION strftime(format text, at text) RETURNS bigint LANGUAGE sql
  AS $$ SELECT floor(extract(epoch FROM now()))::bigint $$;

-- instr(haystack, needle): 1-based, 0 if absent
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer LANGUAGE sql
  AS $$ SELECT strpos(haystack, needle) $$;

-- typeof(messages.text): what SQLite would have stored, text if UTF-8
CREATE FUNCTION typeof(v bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM convert_from(v, 'UTF8');
  RETURN 'text';
EXCEPTION WHEN others THEN
  RETURN 'blob';
END $$;

-- group_concat(value, separator), over text or bytea (as UTF-8)
CREATE FUNCTION group_concat_step(acc text, v text, sep text) RETURNS text LANGUAGE sql
  AS $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END $$;
CREATE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text);
CREATE FUNCTION group_concat_step(acc text, v bytea, sep text) RETURNS text LANGUAGE sql
  AS $$ SELECT group_concat_step(acc, convert_from(v, 'UTF8'), sep) $$;
CREATE AGGREGATE group_concat(bytea, text) (SFUNC = group_concat_step, STYPE = text);
