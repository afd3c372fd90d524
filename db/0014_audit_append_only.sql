-- The audit log of tips (0012) is append-only: no row of it is changed or
-- removed. Databases made before this script have these triggers from
-- 0012 already, hence IF NOT EXISTS. PostgreSQL's way is
-- db/postgresql/0014_audit_append_only.sql.
CREATE TRIGGER IF NOT EXISTS tip_audit_no_update BEFORE UPDATE ON tip_audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS tip_audit_no_delete BEFORE DELETE ON tip_audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
