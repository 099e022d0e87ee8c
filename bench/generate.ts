// Fills a database with N cases over one year and their reports, assessments, decisions, appeals, CyberTipline
// records and referrals — neutral placeholders only, written by set-based INSERT … SELECT generate_series in the
// database itself, so a million cases take seconds on a server. The data bypasses the services (and the audit chain):
// it exists to time aggregate queries.
//
//   npm run bench:generate -- --cases 1000000        (DATABASE_URL, or the embedded database in DATA_DIR)
import type pg from 'pg';

export interface GenerateOptions {
  cases: number;
  /** The year of data, as [from, to). */
  from: Date;
  to: Date;
  /** Rows per INSERT, to keep each statement's memory bounded. */
  batch?: number;
}

export const BENCH_YEAR = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') };

export async function generate(pool: pg.Pool, options: GenerateOptions, log: (line: string) => void = () => {}) {
  const client = await pool.connect();
  try {
    await client.query(`SELECT setseed(0.42)`);
    await client.query(`INSERT INTO "Reviewer" (id, name, roles) VALUES ('bench-reviewer', 'Bench reviewer', '{REVIEWER}') ON CONFLICT DO NOTHING`);
    const seconds = (options.to.getTime() - options.from.getTime()) / 1000;
    const batch = options.batch ?? 250_000;
    const from = options.from.toISOString();
    for (let start = 1; start <= options.cases; start += batch) {
      const end = Math.min(options.cases, start + batch - 1);
      // Cases in time order: a third per category; 1% with a child at immediate risk; 90% decided after 10 minutes to 3 days.
      await client.query(
        `INSERT INTO "Case" (id, "contentId", category, status, queue, priority, "slaDueAt", "childAtImmediateRisk", "reportCount",
           "distinctReporterCount", "createdAt", "updatedAt", "decidedAt", "firstDecidedAt", "firstDecisionWithinSla")
         SELECT gen_random_uuid(), 'content-bench-' || i, cat::"ChildSafetyCategory",
                (CASE WHEN decided IS NULL THEN 'OPEN' ELSE 'DECIDED' END)::"CaseStatus",
                (CASE WHEN risk THEN 'IMMEDIATE_RISK' ELSE cat END)::"QueueName",
                prio, created + sla, risk, 1, 1, created, created, decided, decided, decided <= created + sla
         FROM (
           SELECT i, cat, risk, created, prio, sla,
                  CASE WHEN random() < 0.9 THEN created + (interval '10 minutes' + random() * interval '3 days') END AS decided
           FROM (
             SELECT i, (ARRAY['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION'])[1 + i % 3] AS cat,
                    random() < 0.01 AS risk,
                    -- In time order, as a live system appends them.
                    ($1::timestamptz AT TIME ZONE 'UTC') + ((i - 1 + random()) / $5::float8 * $2::float8) * interval '1 second' AS created,
                    1 + i % 3 AS prio,
                    (ARRAY[interval '1 hour', interval '12 hours', interval '24 hours'])[1 + i % 3] AS sla
             FROM generate_series($3::int, $4::int) AS i
           ) AS base
         ) AS c`,
        [from, seconds, start, end, options.cases],
      );
      log(`  cases ${end.toLocaleString('en-US')} / ${options.cases.toLocaleString('en-US')}`);
    }
    // One report per case, a second on a fifth of them.
    await client.query(
      `INSERT INTO "Report" (id, "caseId", "contentId", category, description, "childAtImmediateRisk", "reporterKey", "followUpTokenHash", "requestHash", "createdAt")
       SELECT gen_random_uuid(), c.id, c."contentId", c.category, 'placeholder description', c."childAtImmediateRisk", 'bench', gen_random_uuid()::text, 'bench', c."createdAt" + extra.delay
       FROM "Case" c CROSS JOIN LATERAL (
         SELECT interval '0' AS delay UNION ALL SELECT interval '5 minutes' WHERE random() < 0.2 AND c.id IS NOT NULL
       ) AS extra
       WHERE c."contentId" LIKE 'content-bench-%'`,
    );
    log('  reports');
    await client.query(
      `INSERT INTO "Assessment" (id, "caseId", "reviewerId", factors, recommendation, "policyVersion", "createdAt")
       SELECT c.id, c.id, 'bench-reviewer', '{}', '{}', 'bench', c."firstDecidedAt" FROM "Case" c
       WHERE c."firstDecidedAt" IS NOT NULL AND c."contentId" LIKE 'content-bench-%'`,
    );
    await client.query(
      `INSERT INTO "Decision" (id, "caseId", "assessmentId", category, actions, "recommendedActions", "deviatesFromRecommendation",
         "statementOfReasons", "policyVersion", "decidedById", "decidedAt", "appealableUntil")
       SELECT gen_random_uuid(), c.id, c.id, c.category, a.actions, a.actions, false, '{}', 'bench', 'bench-reviewer', c."firstDecidedAt",
              c."firstDecidedAt" + interval '183 days'
       FROM "Case" c CROSS JOIN LATERAL (
         SELECT CASE c.category
                  WHEN 'CHILD_SEXUAL_EXPLOITATION' THEN '{REMOVE_CONTENT,SUSPEND_ACCOUNT}'::"EnforcementAction"[]
                  WHEN 'PHYSICAL_CHILD_ABUSE_MEDIA' THEN (CASE WHEN random() < 0.7 THEN '{REMOVE_CONTENT}' ELSE '{SENSITIVE_MEDIA_LABEL}' END)::"EnforcementAction"[]
                  ELSE (CASE WHEN random() < 0.5 THEN '{SENSITIVE_MEDIA_LABEL}' WHEN random() < 0.5 THEN '{REMOVE_CONTENT}' ELSE '{NO_ACTION}' END)::"EnforcementAction"[]
                END AS actions
       ) AS a
       WHERE c."firstDecidedAt" IS NOT NULL AND c."contentId" LIKE 'content-bench-%'`,
    );
    log('  assessments and decisions');
    // 5% of decisions appealed within a week; four in five of those decided, a quarter of them overturned.
    await client.query(
      `INSERT INTO "Appeal" (id, "caseId", "decisionId", "appellantKind", "appellantAccountId", statement, status, outcome, "decidedById", "decidedAt", "createdAt")
       SELECT gen_random_uuid(), d."caseId", d.id, 'AFFECTED_ACCOUNT', 'account-bench', 'placeholder statement',
              (CASE WHEN decided THEN 'DECIDED' ELSE 'PENDING' END)::"AppealStatus",
              (CASE WHEN decided THEN (CASE WHEN random() < 0.25 THEN 'OVERTURNED' ELSE 'UPHELD' END) END)::"AppealOutcome",
              CASE WHEN decided THEN 'bench-reviewer' END, CASE WHEN decided THEN created + interval '2 days' END, created
       FROM (
         SELECT d.id, d."caseId", d."decidedAt" + random() * interval '7 days' AS created, random() < 0.8 AS decided
         FROM "Decision" d WHERE d."policyVersion" = 'bench' AND random() < 0.05
       ) AS d`,
    );
    log('  appeals');
    await client.query(
      `INSERT INTO "NcmecReport" (id, "caseId", "decisionId", status, payload, attempts, "createdAt", "submittedAt")
       SELECT gen_random_uuid(), d."caseId", d.id, 'SUBMITTED', '{}', 1, d."decidedAt", d."decidedAt" + interval '2 minutes'
       FROM "Decision" d WHERE d."policyVersion" = 'bench' AND d.category = 'CHILD_SEXUAL_EXPLOITATION'`,
    );
    await client.query(
      `INSERT INTO "LawEnforcementReferral" (id, "caseId", status, source, "createdAt", "dueAt")
       SELECT gen_random_uuid(), c.id, 'REFERRED', 'REPORT', c."createdAt", c."createdAt" + interval '1 hour'
       FROM "Case" c WHERE c."childAtImmediateRisk" AND c."contentId" LIKE 'content-bench-%'`,
    );
    log('  CyberTipline records and referrals');
    // As autovacuum would have by the time anyone asks for a report: statistics and the visibility map.
    await client.query('VACUUM ANALYZE');
  } finally {
    client.release();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import('node:util');
  const { openDatabase } = await import('../src/db/database.js');
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000000' } } });
  const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR ?? './data' });
  const started = performance.now();
  await generate(db.pool, { cases: Number(values.cases), ...BENCH_YEAR }, console.log);
  console.log(`generated ${Number(values.cases).toLocaleString('en-US')} cases in ${Math.round((performance.now() - started) / 1000)} s`);
  await db.close();
}
