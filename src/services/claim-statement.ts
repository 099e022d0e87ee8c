// claimNextCase's common case in one SQL statement, with the transaction around it: two round trips in all.
//
// 1. BEGIN, the caller's access as it stands now (their Reviewer row, FOR SHARE, as currentRoles reads it) and their
//    exposure today (exposureToday's count), in one round trip: the values travel as escaped literals, since a
//    multi-statement query cannot carry parameters.
// 2. The statement, and COMMIT in the same round trip (its values written as escaped literals too), so the audit chain
//    head is never locked across a round trip: the case taken with `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP
//    LOCKED) RETURNING` (the same pick as the unit of work's, with every rule in it), its claim row, the chain head
//    locked, the `case.claimed` event appended with its hash computed in SQL, the head moved; it returns the case as
//    committed and its assignee's name, which the live event's snapshot and the mutation's answer carry, and the
//    head's access generation.
//
// The chain stays exact as with the one-statement intake (src/services/intake-statement.ts): `seq` sorts last in the
// event's canonical JSON, so the body up to it is canonicalized in JavaScript, and the hash is
// sha256(prev ‖ prefix ‖ seq ‖ '}') in SQL. The case's id is the one part of the body only the statement knows: the
// prefix is built around a random placeholder and split there, and SQL joins the parts with the id.
//
// When the caller may not work the queue, or no case they may take waits, nothing is written (the transaction is
// rolled back, or commits nothing), and the caller takes the unit of work in src/services/claims.ts, which answers
// why (the exposure cap, the qualification missing, or no case) or takes a case that arrived meanwhile.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Prisma } from '../generated/prisma/client.js';
import type { Case } from '../generated/prisma/client.js';
import { actorFields, canonicalPrefix } from './audit.js';
import { SNAPSHOT_OMITS, toSnapshot } from './case-snapshot.js';
import type { QueueEvent, ServiceContext } from './context.js';
import { grantedRoles } from './reviewers.js';
import { releaseCommitted } from './transaction.js';
import { transition } from './workflow.js';
import { canWorkQueue, handledCategories, isHighExposureCategory, type QueueName, type Role } from '../policy/index.js';
import type { Category } from '../policy/index.js';

export interface ClaimTaken {
  case: Case;
  leaseExpiresAt: Date;
  /** The case as the claim committed it, with its assignee ({ id, name }): answers a selection it covers. */
  committed: Record<string, unknown>;
}

/** The query that picks the claimable case (claims.ts's pickCase), for the given categories. */
export type ClaimableSql = (categories: Category[], appeals: boolean, lead: boolean) => Prisma.Sql;

/** `timestamp` columns (OID 1114) hold UTC, as Prisma writes them: read them as UTC whatever the process's zone. */
const TIMESTAMP_OID = 1114;
const utcTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP_OID ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Case's columns in the order Prisma returns them. */
const CASE_FIELDS = Object.values(Prisma.CaseScalarFieldEnum);

/**
 * The statement with its values written as literals (escaped by the driver, as intake's lock key is), so that COMMIT
 * can follow it in the same round trip: a query of several statements cannot carry parameters.
 */
function inline(client: pg.PoolClient, statement: Prisma.Sql): string {
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'string') return client.escapeLiteral(value);
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]`;
    throw new Error(`the claim statement cannot write a ${typeof value} as a literal`);
  };
  return statement.strings.reduce((text, part, i) => text + literal(statement.values[i - 1]) + part);
}

export async function claimInOneStatement(
  ctx: ServiceContext,
  pool: pg.Pool,
  user: { id: string; roles: Role[] },
  queue: QueueName,
  claimable: ClaimableSql,
  exposure: { since: Date; categories: readonly Category[] },
): Promise<ClaimTaken | null> {
  const now = ctx.now();
  const at = now.toISOString();
  const leaseExpiresAt = new Date(now.getTime() + ctx.settings.leaseMinutes * 60_000);
  const client = await pool.connect();
  let broken: Error | undefined;
  const rollback = () => client.query('ROLLBACK').then(() => undefined, (e: Error) => void (broken = e));
  let committedRow: Record<string, unknown>;
  try {
    const reviewer = client.escapeLiteral(user.id);
    const counted = exposure.categories.length
      ? `SELECT count(DISTINCT "caseId")::int AS "cases" FROM "CaseClaim" WHERE "reviewerId" = ${reviewer}
  AND "claimedAt" >= ${client.escapeLiteral(exposure.since.toISOString())}::timestamp(3)
  AND "category"::text IN (${exposure.categories.map((c) => client.escapeLiteral(c)).join(', ')})`
      : `SELECT 0 AS "cases"`;
    const results = (await client.query(
      `BEGIN; SELECT "revokedRoles"::text[] AS "revokedRoles", "suspendedAt" IS NOT NULL AS "suspended" FROM "Reviewer" WHERE "id" = ${reviewer} FOR SHARE; ${counted}`,
    )) as unknown as pg.QueryResult[];
    const access = results[1]!.rows[0] as { revokedRoles: Role[]; suspended: boolean } | undefined;
    const roles = grantedRoles(user.roles, access ? { revokedRoles: access.revokedRoles, suspended: access.suspended } : undefined) ?? [];
    const capReached = Number(results[2]!.rows[0].cases) >= ctx.settings.dailyExposureCap;
    const categories = handledCategories(roles).filter((c) => !capReached || !isHighExposureCategory(c));
    if (!canWorkQueue(roles, queue) || !categories.length) {
      await rollback();
      return null;
    }
    const appeals = queue === 'APPEALS';
    const from = appeals ? 'APPEALED' : 'OPEN';
    const status = transition(from, appeals ? 'claimAppeal' : 'claim');
    const changes = { status: { from, to: status }, assigneeId: { to: user.id }, leaseExpiresAt: { to: leaseExpiresAt } };
    const actor = actorFields(ctx.actor);
    const placeholder = randomUUID();
    const parts = canonicalPrefix({
      at: now,
      ...actor,
      action: 'case.claimed',
      entityType: 'Case',
      entityId: placeholder,
      caseId: placeholder,
      changes,
      policyVersion: null,
      requestId: ctx.requestId,
    }).split(placeholder);
    if (parts.length !== 3) throw new Error('the claim event placeholder is not where the case id goes');
    const statement = Prisma.sql`
WITH taken AS (
  UPDATE "Case" SET "status" = ${status}::"CaseStatus", "assigneeId" = ${user.id},
    "leaseExpiresAt" = ${leaseExpiresAt.toISOString()}::timestamp(3), "version" = "version" + 1, "updatedAt" = ${at}::timestamp(3)
  WHERE "id" = (${claimable(categories, appeals, roles.includes('LEAD'))} FOR UPDATE SKIP LOCKED)
  RETURNING *),
claimed AS (
  INSERT INTO "CaseClaim" ("id", "caseId", "reviewerId", "category", "claimedAt")
  SELECT gen_random_uuid(), t."id", ${user.id}, t."category", ${at}::timestamp(3) FROM taken t
  RETURNING "caseId"),
head AS (
  SELECT "seq", "hash" FROM "AuditChainHead" WHERE "id" = 1 AND EXISTS (SELECT 1 FROM claimed) FOR UPDATE),
link AS (
  SELECT h."seq" + 1 AS "seq", h."hash" AS "prev", t."id",
    encode(sha256(convert_to(h."hash" || array_to_string(${parts}::text[], t."id"::text) || (h."seq" + 1)::text || '}', 'UTF8')), 'hex') AS "hash"
  FROM head h CROSS JOIN taken t),
event AS (
  INSERT INTO "AuditEvent" ("seq", "at", "actorKind", "actorId", "actorRoles", "action", "entityType", "entityId",
    "caseId", "changes", "policyVersion", "requestId", "prevHash", "hash")
  SELECT l."seq", ${at}::timestamp(3), ${actor.actorKind}, ${actor.actorId}, ${actor.actorRoles}::text[], 'case.claimed', 'Case',
    l."id"::text, l."id", ${JSON.stringify(changes)}::jsonb, NULL, ${ctx.requestId}, l."prev", l."hash"
  FROM link l
  RETURNING "seq"),
moved AS (
  UPDATE "AuditChainHead" h SET "seq" = l."seq", "hash" = l."hash" FROM link l
  WHERE h."id" = 1
  RETURNING h."accessGeneration")
SELECT t.*, r."name" AS "$assigneeName", (SELECT "accessGeneration" FROM moved)::text AS "$accessGeneration",
  -- A case taken without exactly one event appended and the head moved fails the statement (division by zero), so the
  -- COMMIT after it never runs: the check the unit of work makes before committing, made inside the statement.
  1 / ((SELECT count(*) FROM event) = 1 AND (SELECT count(*) FROM moved) = 1)::int AS "$complete"
FROM taken t LEFT JOIN "Reviewer" r ON r."id" = t."assigneeId"`;
    // The statement and COMMIT in one round trip, so the chain head's lock is never held across one. Should the
    // statement fail, PostgreSQL skips the COMMIT, and the transaction is rolled back below.
    const outcome = (await client.query({ text: `${inline(client, statement)}; COMMIT`, types: utcTypes })) as unknown as pg.QueryResult[];
    const row = outcome[0]!.rows[0] as Record<string, unknown> | undefined;
    // Nothing taken: the transaction committed nothing.
    if (!row) return null;
    committedRow = row;
  } catch (error) {
    await rollback();
    throw error;
  } finally {
    client.release(broken);
  }
  const row = committedRow;
  const taken = Object.fromEntries(CASE_FIELDS.map((f) => [f, row[f]])) as unknown as Case;
  const assignee = { id: user.id, name: row.$assigneeName as string };
  const accessGeneration = Number(row.$accessGeneration);
  ctx.accessWatch?.observe(accessGeneration);
  const event: QueueEvent = {
    kind: 'CLAIMED',
    queue: taken.queue as QueueName,
    caseId: taken.id,
    category: taken.category as Category,
    at,
    snapshot: toSnapshot({ ...Object.fromEntries(Object.entries(taken).filter(([k]) => !(k in SNAPSHOT_OMITS))), assignee }),
    accessGeneration,
  };
  await releaseCommitted(ctx, [event]);
  return { case: taken, leaseExpiresAt, committed: { ...taken, assignee } };
}
