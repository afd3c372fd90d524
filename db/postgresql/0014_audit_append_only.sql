-- PostgreSQL's text of db/0014_audit_append_only.sql: the audit log of
-- tips is append-only, kept so by a PL/pgSQL trigger rather than SQLite's
-- RAISE(ABORT).
CREATE OR REPLACE FUNCTION tip_audit_append_only() RETURNS trigger LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE OR REPLACE TRIGGER tip_audit_no_change BEFORE UPDATE OR DELETE ON tip_audit
  FOR EACH ROW EXECUTE FUNCTION tip_audit_append_only();
