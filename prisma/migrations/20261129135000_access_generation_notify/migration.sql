-- Hand-written. The trigger that moves the reviewer-access generation also announces the new value (NOTIFY, delivered
-- at commit), so each instance may keep reviewer records in memory between access changes and read them again at the
-- first request after one (src/db/access-watch.ts). A function only: the datamodel is unchanged.
CREATE OR REPLACE FUNCTION "bump_access_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  generation BIGINT;
BEGIN
  UPDATE "AuditChainHead" SET "accessGeneration" = "accessGeneration" + 1 WHERE "id" = 1 RETURNING "accessGeneration" INTO generation;
  PERFORM pg_notify('access_generation', generation::text);
  RETURN NULL;
END;
$$;
