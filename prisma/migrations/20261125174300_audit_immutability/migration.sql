-- The audit history is append-only. These triggers reject UPDATE, DELETE and TRUNCATE on "AuditEvent" for every
-- database user, so not even a buggy service (or a hand-typed statement) can rewrite history. Tamper tests disable
-- them explicitly, which itself requires table ownership.

CREATE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'AuditEvent is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_event_no_update_delete
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- The chain head starts at the fixed genesis value: sequence 0 and 64 zeros.
INSERT INTO "AuditChainHead" ("id", "seq", "hash")
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
