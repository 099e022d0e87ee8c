// The raw-SQL ceiling: a bare graphql-yoga (as the `{ hello }` baseline) whose intake does the same database work as
// the service's, straight on `pg`: BEGIN with the content's folding lock, one statement, COMMIT. No Prisma, no Pothos,
// no envelop plugins, no rate limiter, no live events. BENCH_CEILING picks the statement:
// - `chain`: the service's own intake statement (src/services/intake-statement.ts): case, report, audit chain head
//   lock, both audit events with their hashes computed in SQL, head update;
// - `bare`: the case and the report alone, with no audit events. Beside `chain`, it measures what the chain costs,
//   without any switch in the service itself;
// - `claim`: claimNextCase's database work on cases seeded like the service's claim scenario (bench/lib/claimable.ts):
//   BEGIN, the service's claim statement (the case taken with FOR UPDATE SKIP LOCKED, its lease and claim row), one
//   statement appending the `case.claimed` audit event to the chain (head lock, hash in SQL, head update), COMMIT. No
//   roles or exposure read, no case snapshot, no live event. The reviewer comes in the x-bench-reviewer header;
// - `page`: the queue page in one statement: the count and the 50 most urgent cases, each with its assignee and first
//   ten reports, built as JSON by PostgreSQL (json_agg). No token, reviewer record or per-field authorization.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Kind, type GraphQLResolveInfo } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { openDatabase } from '../../src/db/database.js';
import { loadConfig } from '../../src/config.js';
import { intakeGuidance, triage, type Category } from '../../src/policy/index.js';
import { canonicalJson } from '../../src/services/canonical-json.js';
import { followUpTokenFor, reporterKeyFor, sha256Hex } from '../../src/services/secrets.js';
import { fileNewCase, foldingLockKey, newCaseParameters, type NewCaseFiling } from '../../src/services/intake-statement.js';
import { actorFields, canonicalPrefix } from '../../src/services/audit.js';
import { answer } from '../lib/child.js';
import { seedClaimable } from '../lib/claimable.js';

const mode = (['bare', 'claim', 'page'] as const).find((m) => m === process.env.BENCH_CEILING) ?? 'chain';
const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });

/** The case and report inserts of the intake statement, without the audit chain. */
const BARE = `
WITH new_case AS (
  INSERT INTO "Case" ("id", "contentId", "contentUrl", "reportedAccountId", "category", "queue", "priority", "slaDueAt",
    "childAtImmediateRisk", "depictedRelationClaimed", "knownHashMatch", "reportCount", "distinctReporterCount",
    "createdAt", "updatedAt")
  SELECT $3::uuid, $2, $4, $5, $6::"ChildSafetyCategory", $7::"QueueName", $8::int, $9::timestamp(3),
    $10::boolean, $11::boolean, false, 1, 1, $12::timestamp(3), $12::timestamp(3)
  WHERE NOT EXISTS (SELECT 1 FROM "Case" WHERE "contentId" = $2 AND "status" IN ('OPEN', 'IN_REVIEW'))
  RETURNING "id")
INSERT INTO "Report" ("id", "caseId", "contentId", "contentUrl", "mediaHashes", "reportedAccountId", "category",
  "description", "childAtImmediateRisk", "reporterRelation", "reporterAccountId", "contactEmail", "reporterKey",
  "followUpTokenHash", "idempotencyKey", "requestHash", "createdAt")
SELECT $13::uuid, c."id", $2, $4, $14::jsonb, $5, $15::"ChildSafetyCategory", $16, $17::boolean,
  $18::"ReporterRelation", $19, $20, $21, $22, $1::text, $23, $12::timestamp(3)
FROM new_case c`;

async function fileBare(filing: NewCaseFiling) {
  const client = await db.pool.connect();
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(foldingLockKey(filing.case.contentId))}, 0))`);
    await client.query(BARE, newCaseParameters(filing).slice(0, 23));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

interface Input {
  contentId: string;
  category: Category;
  description?: string | null;
  idempotencyKey?: string | null;
}

async function submitReport(input: Input, clientAddress: string) {
  const now = new Date();
  const t = triage({ category: input.category, childAtImmediateRisk: false, distinctReporters: 1, requestedByDepicted: false, knownHashMatch: false });
  const caseId = randomUUID();
  const reportId = randomUUID();
  const followUpToken = followUpTokenFor(config.JWT_SECRET, reportId);
  const filing: NewCaseFiling = {
    now,
    case: {
      id: caseId,
      contentId: input.contentId,
      contentUrl: null,
      reportedAccountId: null,
      category: input.category,
      queue: t.queue,
      priority: t.priority,
      slaDueAt: new Date(now.getTime() + t.slaMinutes * 60_000),
      childAtImmediateRisk: false,
      depictedRelationClaimed: false,
    },
    report: {
      id: reportId,
      mediaHashes: [],
      category: input.category,
      description: input.description ?? null,
      childAtImmediateRisk: false,
      reporterRelation: 'OTHER',
      reporterAccountId: null,
      contactEmail: null,
      reporterKey: reporterKeyFor(config.JWT_SECRET, `address:${clientAddress}`),
      followUpTokenHash: sha256Hex(followUpToken),
      idempotencyKey: input.idempotencyKey ?? null,
      requestHash: sha256Hex(canonicalJson(input)),
    },
    audit: {
      actor: { kind: 'ANONYMOUS', clientAddress },
      requestId: randomUUID(),
      entries: [
        { action: 'case.opened', entityType: 'Case', entityId: caseId, caseId, changes: { status: { to: 'OPEN' }, category: { to: input.category }, queue: { to: t.queue }, priority: { to: t.priority } } },
        { action: 'report.submitted', entityType: 'Report', entityId: reportId, caseId, changes: { category: input.category, childAtImmediateRisk: false, reporterRelation: 'OTHER', mediaHashCount: 0, hasDescription: input.description != null, hasContact: false } },
      ],
    },
  };
  if (mode === 'bare') await fileBare(filing);
  else if ((await fileNewCase(db.pool, filing)).kind !== 'filed') throw new Error('the ceiling files new content only');
  return {
    __typename: 'SubmitReportSuccess',
    report: { id: reportId, status: 'RECEIVED', createdAt: now.toISOString() },
    followUpToken,
    guidance: intakeGuidance(input.category, false),
  };
}

/** src/services/claims.ts's pickCase statement for a reviewer of MINOR_PHYSICAL_ALTERCATION, with the assignee's name. */
const CLAIM = `
WITH taken AS (
  UPDATE "Case" SET "status" = 'IN_REVIEW', "assigneeId" = $1, "leaseExpiresAt" = $2::timestamp(3), "version" = "version" + 1,
    "updatedAt" = $3::timestamp(3)
  WHERE "id" = (
    SELECT c."id" FROM "Case" c
    WHERE c."queue" = $4::"QueueName" AND c."status" = 'OPEN'::"CaseStatus" AND c."assigneeId" IS NULL
      AND c."category"::text = ANY($5::text[])
      AND (c."escalationReason" IS NULL OR (false AND c."escalatedById" IS DISTINCT FROM $1))
    ORDER BY c."priority" ASC, c."slaDueAt" ASC, c."createdAt" ASC
    LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING *),
claimed AS (
  INSERT INTO "CaseClaim" ("id", "caseId", "reviewerId", "category", "claimedAt")
  SELECT gen_random_uuid(), t."id", $1, t."category", $3::timestamp(3) FROM taken t)
SELECT t.*, r."name" AS "assigneeName" FROM taken t JOIN "Reviewer" r ON r."id" = t."assigneeId"`;

/** One audit event appended to the chain in SQL, as the intake statement appends its own. */
const APPEND = `
WITH head AS (SELECT "seq", "hash" FROM "AuditChainHead" WHERE "id" = 1 FOR UPDATE),
event AS (
  INSERT INTO "AuditEvent" ("seq", "at", "actorKind", "actorId", "actorRoles", "action", "entityType", "entityId",
    "caseId", "changes", "policyVersion", "requestId", "prevHash", "hash")
  SELECT h."seq" + 1, $1::timestamp(3), $2, $3, $4::text[], $5, $6, $7, $8::uuid, $9::jsonb, NULL, $10, h."hash",
    encode(sha256(convert_to(h."hash" || $11 || (h."seq" + 1)::text || '}', 'UTF8')), 'hex')
  FROM head h
  RETURNING "seq", "hash")
UPDATE "AuditChainHead" h SET "seq" = e."seq", "hash" = e."hash" FROM event e WHERE h."id" = 1`;

async function claimNextCase(queue: string, reviewerId: string) {
  const now = new Date();
  const leaseExpiresAt = new Date(now.getTime() + config.LEASE_MINUTES * 60_000);
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(CLAIM, [reviewerId, leaseExpiresAt.toISOString(), now.toISOString(), queue, [queue]]);
    const c = rows[0];
    if (!c) {
      await client.query('ROLLBACK');
      return { __typename: 'NoCaseAvailableError', message: `No case is waiting in ${queue}` };
    }
    const actor = actorFields({ kind: 'USER', id: reviewerId, name: c.assigneeName, roles: ['REVIEWER'] } as never);
    const changes = { status: { from: 'OPEN', to: 'IN_REVIEW' }, assigneeId: { to: reviewerId }, leaseExpiresAt: { to: leaseExpiresAt } };
    const entry = { action: 'case.claimed', entityType: 'Case', entityId: c.id, caseId: c.id, changes, policyVersion: null };
    const requestId = randomUUID();
    const prefix = canonicalPrefix({ at: now, ...actor, ...entry, requestId });
    await client.query(APPEND, [now.toISOString(), actor.actorKind, actor.actorId, actor.actorRoles, entry.action, entry.entityType, c.id, c.id, JSON.stringify(changes), requestId, prefix]);
    await client.query('COMMIT');
    const iso = (d: Date) => d.toISOString();
    return {
      __typename: 'ClaimNextCaseSuccess',
      leaseExpiresAt: iso(leaseExpiresAt),
      case: { ...c, slaDueAt: iso(c.slaDueAt), createdAt: iso(c.createdAt), assignee: { id: reviewerId, name: c.assigneeName } },
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const ISO = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const WAITING = `c."queue" = $1::"QueueName" AND c."status" IN ('OPEN', 'IN_REVIEW') AND c."category"::text = ANY($2::text[])`;
const PAGE = `
WITH page AS (
  SELECT c.* FROM "Case" c WHERE ${WAITING} ORDER BY c."priority", c."slaDueAt", c."id" LIMIT $3)
SELECT (SELECT count(*) FROM "Case" c WHERE ${WAITING})::int AS "count",
  coalesce((SELECT json_agg(json_build_object(
    'id', p."id", 'status', p."status", 'category', p."category", 'queue', p."queue", 'priority', p."priority",
    'slaDueAt', ${ISO('p."slaDueAt"')}, 'reportCount', p."reportCount", 'distinctReporterCount', p."distinctReporterCount",
    'createdAt', ${ISO('p."createdAt"')},
    'assignee', (SELECT json_build_object('id', r."id", 'name', r."name") FROM "Reviewer" r WHERE r."id" = p."assigneeId"),
    'reports', coalesce((
      SELECT json_agg(json_build_object('id', x."id", 'category', x."category", 'description', x."description",
        'createdAt', ${ISO('x."createdAt"')}) ORDER BY x."createdAt", x."id")
      FROM (SELECT * FROM "Report" x WHERE x."caseId" = p."id" ORDER BY x."createdAt", x."id" LIMIT 10) x), '[]'::json)
  ) ORDER BY p."priority", p."slaDueAt", p."id") FROM page p), '[]'::json) AS "cases"`;

interface PageCase { reports: unknown[]; [column: string]: unknown }

/** The page, one statement; `first` read from the query's `cases` field, so the whole page is one round trip. */
async function queuePage(queue: string, info: GraphQLResolveInfo) {
  let first = 50;
  for (const selection of info.fieldNodes[0]?.selectionSet?.selections ?? []) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== 'cases') continue;
    const argument = selection.arguments?.find((a) => a.name.value === 'first')?.value;
    if (argument?.kind === Kind.VARIABLE) first = Number(info.variableValues[argument.name.value]);
    else if (argument?.kind === Kind.INT) first = Number(argument.value);
  }
  const { rows } = await db.pool.query<{ count: number; cases: PageCase[] }>(PAGE, [queue, [queue], first]);
  const { count, cases } = rows[0]!;
  return {
    openCount: count,
    cases: {
      totalCount: count,
      edges: cases.map((c) => ({ node: { ...c, reports: { edges: c.reports.map((node) => ({ node })) } } })),
    },
  };
}

type CeilingContext = { req: { socket: { remoteAddress?: string }; headers: Record<string, string | undefined> } };

const yoga = createYoga<CeilingContext>({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      enum Category { CHILD_SEXUAL_EXPLOITATION PHYSICAL_CHILD_ABUSE_MEDIA MINOR_PHYSICAL_ALTERCATION }
      input SubmitReportInput { contentId: String! category: Category! description: String idempotencyKey: String }
      interface Error { message: String! }
      type ValidationError implements Error { message: String! }
      type Report { id: ID! status: String! createdAt: String! }
      type Guidance { childAtImmediateRisk: Boolean! message: String! ncmecCyberTiplineUrl: String ncmecPhone: String }
      type SubmitReportSuccess { report: Report! followUpToken: String! guidance: Guidance! }
      union SubmitReportResult = SubmitReportSuccess | ValidationError
      type Query { hello: String! queue(name: QueueName!): Queue }
      type PageReport { id: ID! category: String! description: String createdAt: String! }
      type PageReportEdge { node: PageReport! }
      type PageReportConnection { edges: [PageReportEdge!]! }
      type PageCase { id: ID! status: String! category: String! queue: String! priority: Int! slaDueAt: String!
        reportCount: Int! distinctReporterCount: Int! createdAt: String! assignee: Reviewer reports(first: Int): PageReportConnection! }
      type PageCaseEdge { node: PageCase! }
      type PageCaseConnection { totalCount: Int! edges: [PageCaseEdge!]! }
      type Queue { openCount: Int! cases(first: Int!): PageCaseConnection! }
      enum QueueName { IMMEDIATE_RISK CHILD_SEXUAL_EXPLOITATION PHYSICAL_CHILD_ABUSE_MEDIA MINOR_PHYSICAL_ALTERCATION APPEALS }
      type Reviewer { id: ID! name: String! }
      type Case { id: ID! status: String! category: String! queue: String! priority: Int! slaDueAt: String!
        childAtImmediateRisk: Boolean! reportCount: Int! distinctReporterCount: Int! createdAt: String! assignee: Reviewer version: Int! }
      type NoCaseAvailableError implements Error { message: String! }
      type ClaimNextCaseSuccess { leaseExpiresAt: String! case: Case! }
      union ClaimNextCaseResult = ClaimNextCaseSuccess | NoCaseAvailableError
      type Mutation {
        submitReport(input: SubmitReportInput!): SubmitReportResult!
        claimNextCase(queue: QueueName!): ClaimNextCaseResult!
      }
    `,
    resolvers: {
      Query: { hello: () => 'world', queue: (_: unknown, { name }: { name: string }, _ctx: unknown, info: GraphQLResolveInfo) => queuePage(name, info) },
      Mutation: {
        submitReport: (_: unknown, { input }: { input: Input }, ctx: CeilingContext) => submitReport(input, ctx.req.socket.remoteAddress ?? 'unknown'),
        claimNextCase: (_: unknown, { queue }: { queue: string }, ctx: CeilingContext) => claimNextCase(queue, ctx.req.headers['x-bench-reviewer'] ?? 'bench-claimer-0'),
      },
    },
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
answer({
  seedClaimable: ({ cases, reviewers, reportsPerCase }: { cases: number; reviewers: Array<{ id: string; name: string }>; reportsPerCase?: number }) =>
    seedClaimable(db.pool, cases, reviewers, reportsPerCase),
});
server.listen(0, '127.0.0.1', () => process.send!({ ready: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => server.close(() => void db.close().then(() => process.exit(0))));
