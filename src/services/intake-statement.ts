// Intake's common case in one SQL statement: a report on content with no open case and no media hashes opens a case.
// The statement checks the idempotency key and the open case, inserts the case and the report, locks the audit chain
// head, appends the unit's audit events with their hashes computed in SQL, and moves the head: the work of eleven
// Prisma statements. With the transaction around it and the content's folding lock, an intake is three round trips.
//
// The chain stays exact because `seq` sorts last in an event's canonical JSON: the body up to its sequence number is
// canonicalized in JavaScript (`canonicalPrefix`), the number comes from the locked head, and the hash is
// sha256(prev ‖ prefix ‖ seq ‖ '}') in SQL, which is byte for byte what `hashEvent` computes. `verifyAuditChain` checks
// events from both writers alike; test/audit-chain.test.ts interleaves them, concurrently.
//
// Anything else (a report that folds into an open case, media hashes and their bank matches) goes through the unit
// of work in src/services/intake.ts: the statement then writes nothing, and the caller rolls back and takes that path.
import type pg from 'pg';
import { canonicalPrefix, actorFields, type AuditEntry } from './audit.js';
import type { CaseSnapshot } from './case-snapshot.js';
import type { Actor, QueueEvent } from './context.js';
import { FOLDABLE_STATUSES } from './workflow.js';
import { VIOLATING_ACTIONS } from '../policy/index.js';

/** The folding lock both intake paths take, so they serialize per content id (src/services/intake.ts). */
export const foldingLockKey = (contentId: string) => `content:${contentId}`;

export interface NewCaseRow {
  id: string;
  contentId: string;
  contentUrl: string | null;
  reportedAccountId: string | null;
  category: string;
  queue: string;
  priority: number;
  slaDueAt: Date;
  childAtImmediateRisk: boolean;
  depictedRelationClaimed: boolean;
  /** Earlier violating cases about the reported account, as the first round trip counted them (0 when absent). */
  priorViolations?: number;
}

export interface NewReportRow {
  id: string;
  mediaHashes: unknown[];
  category: string;
  description: string | null;
  childAtImmediateRisk: boolean;
  reporterRelation: string;
  reporterAccountId: string | null;
  contactEmail: string | null;
  reporterKey: string;
  followUpTokenHash: string;
  idempotencyKey: string | null;
  requestHash: string;
}

export interface NewCaseFiling {
  now: Date;
  case: NewCaseRow;
  report: NewReportRow;
  audit: { actor: Actor; requestId: string | null; entries: AuditEntry[] };
}

export type FilingOutcome =
  /** Filed and committed; `accessGeneration` is the chain head's when the unit committed (see appendAudit). */
  | { kind: 'filed'; accessGeneration: number }
  /** A report with this idempotency key exists: nothing was written. */
  | { kind: 'replay' }
  /** An open case has this content: nothing was written; the report folds into it through the unit of work. */
  | { kind: 'fold' };

const FOLDABLE_SQL = FOLDABLE_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The statement. Its data-modifying parts all run (PostgreSQL executes each to completion whether or not the outer
 * query reads it), so each is guarded by the one before it: no case without "no replay and no open case", no report
 * without the case, no head lock or events without the report. The head is locked with FOR UPDATE, and read at its
 * newest version, like appendAudit's; so SQL and JavaScript writers append to one linear chain.
 */
export const NEW_CASE_STATEMENT = `
WITH RECURSIVE
replay AS (SELECT 1 FROM "Report" WHERE $1::text IS NOT NULL AND "idempotencyKey" = $1::text),
open AS (
  SELECT "id" FROM "Case"
  WHERE "contentId" = $2 AND "status" IN (${FOLDABLE_SQL}) AND NOT EXISTS (SELECT 1 FROM replay)
  LIMIT 1),
new_case AS (
  INSERT INTO "Case" ("id", "contentId", "contentUrl", "reportedAccountId", "category", "queue", "priority", "slaDueAt",
    "childAtImmediateRisk", "depictedRelationClaimed", "knownHashMatch", "reportCount", "distinctReporterCount",
    "createdAt", "updatedAt", "priorViolations")
  SELECT $3::uuid, $2, $4, $5, $6::"ChildSafetyCategory", $7::"QueueName", $8::int, $9::timestamp(3),
    $10::boolean, $11::boolean, false, 1, 1, $12::timestamp(3), $12::timestamp(3), $35::int
  WHERE NOT EXISTS (SELECT 1 FROM replay) AND NOT EXISTS (SELECT 1 FROM open)
  RETURNING "id"),
new_report AS (
  INSERT INTO "Report" ("id", "caseId", "contentId", "contentUrl", "mediaHashes", "reportedAccountId", "category",
    "description", "childAtImmediateRisk", "reporterRelation", "reporterAccountId", "contactEmail", "reporterKey",
    "followUpTokenHash", "idempotencyKey", "requestHash", "createdAt")
  SELECT $13::uuid, c."id", $2, $4, $14::jsonb, $5, $15::"ChildSafetyCategory", $16, $17::boolean,
    $18::"ReporterRelation", $19, $20, $21, $22, $1::text, $23, $12::timestamp(3)
  FROM new_case c
  RETURNING "id"),
head AS (
  SELECT "seq", "hash", "accessGeneration" FROM "AuditChainHead"
  WHERE "id" = 1 AND EXISTS (SELECT 1 FROM new_report)
  FOR UPDATE),
chain (i, seq, hash, prev) AS (
  SELECT 0, h."seq", h."hash", NULL::text FROM head h
  UNION ALL
  SELECT c.i + 1, c.seq + 1,
    encode(sha256(convert_to(c.hash || ($24::text[])[c.i + 1] || (c.seq + 1)::text || '}', 'UTF8')), 'hex'), c.hash
  FROM chain c WHERE c.i < cardinality($24::text[])),
events AS (
  INSERT INTO "AuditEvent" ("seq", "at", "actorKind", "actorId", "actorRoles", "action", "entityType", "entityId",
    "caseId", "changes", "policyVersion", "requestId", "prevHash", "hash")
  SELECT c.seq, $12::timestamp(3), $25, $26, $27::text[], ($28::text[])[c.i], ($29::text[])[c.i], ($30::text[])[c.i],
    ($31::uuid[])[c.i], ($32::text[])[c.i]::jsonb, ($33::text[])[c.i], $34, c.prev, c.hash
  FROM chain c WHERE c.i > 0
  RETURNING "seq"),
moved AS (
  UPDATE "AuditChainHead" h SET "seq" = last.seq, "hash" = last.hash
  FROM (SELECT c.seq, c.hash FROM chain c WHERE c.i > 0 AND c.i = cardinality($24::text[])) last
  WHERE h."id" = 1
  RETURNING h."accessGeneration")
SELECT EXISTS (SELECT 1 FROM replay) AS "replayed",
  EXISTS (SELECT 1 FROM open) AS "open",
  (SELECT count(*) FROM events)::int AS "events",
  (SELECT "accessGeneration" FROM moved)::text AS "accessGeneration"`;

/** The statement's parameters, in order. Timestamps go as UTC ISO strings into `timestamp(3)` columns, as Prisma's. */
export function newCaseParameters(filing: NewCaseFiling): unknown[] {
  const { now, case: c, report: r, audit } = filing;
  if (!audit.entries.length) throw new Error('Every state change must write an audit event');
  const at = now.toISOString();
  const actor = actorFields(audit.actor);
  const entries = audit.entries.map((e) => ({
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    caseId: e.caseId ?? null,
    changes: e.changes ?? {},
    policyVersion: e.policyVersion ?? null,
  }));
  const prefixes = entries.map((e) => canonicalPrefix({ at: now, ...actor, ...e, requestId: audit.requestId }));
  return [
    r.idempotencyKey,
    c.contentId,
    c.id,
    c.contentUrl,
    c.reportedAccountId,
    c.category,
    c.queue,
    c.priority,
    c.slaDueAt.toISOString(),
    c.childAtImmediateRisk,
    c.depictedRelationClaimed,
    at,
    r.id,
    JSON.stringify(r.mediaHashes),
    r.category,
    r.description,
    r.childAtImmediateRisk,
    r.reporterRelation,
    r.reporterAccountId,
    r.contactEmail,
    r.reporterKey,
    r.followUpTokenHash,
    r.requestHash,
    prefixes,
    actor.actorKind,
    actor.actorId,
    actor.actorRoles,
    entries.map((e) => e.action),
    entries.map((e) => e.entityType),
    entries.map((e) => e.entityId),
    entries.map((e) => e.caseId),
    entries.map((e) => JSON.stringify(e.changes)),
    entries.map((e) => e.policyVersion),
    audit.requestId,
    c.priorViolations ?? 0,
  ];
}

interface StatementRow {
  replayed: boolean;
  open: boolean;
  events: number;
  accessGeneration: string | null;
}

/** What the first round trip needs: the content to lock, and the account whose earlier violations it counts. */
export interface AccountProbe {
  contentId: string;
  reportedAccountId: string | null;
  /** The categories whose violations count (`repeatOffenceCategories` of the new case's category). */
  categories: readonly string[];
}

const VIOLATING_SQL = VIOLATING_ACTIONS.map((a) => `'${a}'`).join(', ');

/**
 * Earlier cases about an account with a standing violating decision, in some categories: the count the repeat-offence
 * threshold compares (src/policy/triage.ts). Served by Case(reportedAccountId) and Decision(caseId, decidedAt). Values
 * are escaped literals, so it can share the first round trip with BEGIN and the lock.
 */
export const priorViolationsSql = (client: { escapeLiteral(s: string): string }, accountId: string, categories: readonly string[]) => `
SELECT count(DISTINCT c."id")::int AS "priorViolations" FROM "Case" c JOIN "Decision" d ON d."caseId" = c."id"
WHERE c."reportedAccountId" = ${client.escapeLiteral(accountId)}
  AND c."category" IN (${categories.map((x) => client.escapeLiteral(x)).join(', ')})
  AND d."reversedAt" IS NULL AND d."actions" && ARRAY[${VIOLATING_SQL}]::"EnforcementAction"[]`;

/**
 * Runs the filing on one connection of `pool`: BEGIN with the content's folding lock and, when the report names an
 * account, the count of its earlier violations (one round trip); the statement, built by `build` from that count;
 * then COMMIT, or ROLLBACK when it wrote nothing. The lock key and the account travel as escaped literals, so they
 * share BEGIN's round trip (a multi-statement query cannot carry parameters); everything else is a parameter.
 */
export function fileNewCase(pool: pg.Pool, filing: NewCaseFiling): Promise<FilingOutcome> {
  return fileNewCaseCounting(pool, { contentId: filing.case.contentId, reportedAccountId: null, categories: [] }, () => filing);
}

/** `fileNewCase` for a filing built from the account's earlier violations, counted in BEGIN's round trip. */
export async function fileNewCaseCounting(pool: pg.Pool, probe: AccountProbe, build: (priorViolations: number) => NewCaseFiling): Promise<FilingOutcome & { filing: NewCaseFiling }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const rollback = () => client.query('ROLLBACK').then(() => undefined, (e: Error) => void (broken = e));
  try {
    const key = client.escapeLiteral(foldingLockKey(probe.contentId));
    const begin = `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
    let priorViolations = 0;
    if (probe.reportedAccountId && probe.categories.length) {
      const results = (await client.query(`${begin}; ${priorViolationsSql(client, probe.reportedAccountId, probe.categories)}`)) as unknown as pg.QueryResult[];
      priorViolations = Number(results.at(-1)!.rows[0].priorViolations);
    } else {
      await client.query(begin);
    }
    const filing = build(priorViolations);
    if (filing.case.contentId !== probe.contentId) throw new Error('intake statement filed other content than it locked');
    const { rows } = await client.query<StatementRow>(NEW_CASE_STATEMENT, newCaseParameters(filing));
    const row = rows[0]!;
    if (row.replayed || row.open) {
      await rollback();
      return row.replayed ? { kind: 'replay', filing } : { kind: 'fold', filing };
    }
    if (row.events !== filing.audit.entries.length || row.accessGeneration === null) throw new Error('intake statement wrote an incomplete unit');
    await client.query('COMMIT');
    return { kind: 'filed', accessGeneration: Number(row.accessGeneration), filing };
  } catch (error) {
    // After a failed COMMIT the transaction is gone and ROLLBACK only warns; after a lost connection it fails, and the
    // connection is discarded rather than returned to the pool.
    await rollback();
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Whether `error` is the unique violation a concurrent submission with the same idempotency key causes. */
export const isIdempotencyRace = (error: unknown) =>
  (error as { code?: string; constraint?: string }).code === '23505' && /idempotencyKey/.test((error as { constraint?: string }).constraint ?? '');

/**
 * The case as the statement committed it, in the form `snapshotCases` gives (src/services/case-snapshot.ts): every
 * column but the content references, the assignee relation (none yet), dates as ISO strings.
 */
export function newCaseSnapshot(c: NewCaseRow, now: Date): CaseSnapshot {
  const at = now.toISOString();
  return {
    row: {
      id: c.id,
      category: c.category,
      status: 'OPEN',
      queue: c.queue,
      priority: c.priority,
      slaDueAt: c.slaDueAt.toISOString(),
      childAtImmediateRisk: c.childAtImmediateRisk,
      requestedByDepicted: false,
      depictedRelationClaimed: c.depictedRelationClaimed,
      reportCount: 1,
      distinctReporterCount: 1,
      assigneeId: null,
      leaseExpiresAt: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
      decidedAt: null,
      closedAt: null,
      firstDecidedAt: null,
      firstDecisionWithinSla: null,
      knownHashMatch: false,
      escalationReason: null,
      escalationNote: null,
      duplicateOfId: null,
      escalatedAt: null,
      escalatedById: null,
      priorViolations: c.priorViolations ?? 0,
      assignee: null,
    },
    dates: ['slaDueAt', 'createdAt', 'updatedAt'],
  };
}

export type NewCaseEvent = Omit<QueueEvent, 'committedAt'>;
