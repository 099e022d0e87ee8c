-- AlterTable
ALTER TABLE "AuditChainHead" ADD COLUMN     "accessGeneration" BIGINT NOT NULL DEFAULT 0;


-- Every change to a reviewer's access moves the generation, whoever makes it, in the changing transaction. Live
-- deliveries trust access they read at a generation no older than the event's (src/live/fanout.ts).
CREATE FUNCTION "bump_access_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "AuditChainHead" SET "accessGeneration" = "accessGeneration" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Reviewer_access_generation"
  AFTER UPDATE OF "revokedRoles", "suspendedAt" OR DELETE ON "Reviewer"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_access_generation"();
