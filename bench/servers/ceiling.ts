// The raw-SQL ceiling: a bare graphql-yoga (as the `{ hello }` baseline) whose intake does the same database work as
// the service's, straight on `pg`: BEGIN with the content's folding lock, one statement, COMMIT. No Prisma, no Pothos,
// no envelop plugins, no rate limiter, no live events. BENCH_CEILING picks the statement:
// - `chain`: the service's own intake statement (src/services/intake-statement.ts): case, report, audit chain head
//   lock, both audit events with their hashes computed in SQL, head update;
// - `bare`: the case and the report alone, with no audit events. Beside `chain`, it measures what the chain costs,
//   without any switch in the service itself.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createSchema, createYoga } from 'graphql-yoga';
import { openDatabase } from '../../src/db/database.js';
import { loadConfig } from '../../src/config.js';
import { intakeGuidance, triage, type Category } from '../../src/policy/index.js';
import { canonicalJson } from '../../src/services/canonical-json.js';
import { followUpTokenFor, reporterKeyFor, sha256Hex } from '../../src/services/secrets.js';
import { fileNewCase, foldingLockKey, newCaseParameters, type NewCaseFiling } from '../../src/services/intake-statement.js';

const mode = process.env.BENCH_CEILING === 'bare' ? 'bare' : 'chain';
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

const yoga = createYoga<{ req: { socket: { remoteAddress?: string } } }>({
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
      type Query { hello: String! }
      type Mutation { submitReport(input: SubmitReportInput!): SubmitReportResult! }
    `,
    resolvers: {
      Query: { hello: () => 'world' },
      Mutation: { submitReport: (_: unknown, { input }: { input: Input }, ctx: { req: { socket: { remoteAddress?: string } } }) => submitReport(input, ctx.req.socket.remoteAddress ?? 'unknown') },
    },
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => process.send!({ ready: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => server.close(() => void db.close().then(() => process.exit(0))));
