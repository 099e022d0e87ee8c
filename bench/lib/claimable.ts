// Waiting cases for the claim scenario (and the queue page's ceiling, which reads 50 of them with two reports each): each claimNextCase under load takes one waiting case for good (its lease, claim row,
// audit event and live event are the measured work), so the database is filled beforehand with more waiting cases
// than the run can take. They are written in one set-based INSERT … SELECT generate_series, each with one report, in
// the queue and at the priority and deadline triage gives their category; like bench/generate.ts they bypass the
// services and the audit chain, which the claims do not read.
import type pg from 'pg';
import { triage } from '../../src/policy/index.js';

export const CLAIM_QUEUE = 'MINOR_PHYSICAL_ALTERCATION';

/** The reviewers who claim, in turn: one reviewer taking thousands of cases a day is no real load. */
export const claimers = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `bench-claimer-${i}`, name: `Bench claimer ${i}` }));

export async function seedClaimable(pool: pg.Pool, cases: number, reviewers: Array<{ id: string; name: string }>, reportsPerCase = 1): Promise<void> {
  const t = triage({ category: CLAIM_QUEUE, childAtImmediateRisk: false, distinctReporters: 1, requestedByDepicted: false, knownHashMatch: false });
  if (t.queue !== CLAIM_QUEUE) throw new Error(`triage puts ${CLAIM_QUEUE} cases in ${t.queue}`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "Case" (id, "contentId", category, status, queue, priority, "slaDueAt", "reportCount", "distinctReporterCount", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), 'content-claim-' || i, $1::"ChildSafetyCategory", 'OPEN', $2::"QueueName", $3::int,
              now() AT TIME ZONE 'UTC' + $4::int * interval '1 minute' + i * interval '1 millisecond', 1, 1,
              now() AT TIME ZONE 'UTC' - i * interval '1 millisecond', now() AT TIME ZONE 'UTC'
       FROM generate_series(1, $5::int) AS i`,
      [CLAIM_QUEUE, t.queue, t.priority, t.slaMinutes, cases],
    );
    await client.query(
      `INSERT INTO "Report" (id, "caseId", "contentId", category, description, "childAtImmediateRisk", "reporterKey", "followUpTokenHash", "requestHash", "createdAt")
       SELECT gen_random_uuid(), c.id, c."contentId", c.category, 'placeholder description', false, 'bench', gen_random_uuid()::text, 'bench',
              c."createdAt" + n * interval '1 millisecond'
       FROM "Case" c CROSS JOIN generate_series(1, $1::int) AS n WHERE c."contentId" LIKE 'content-claim-%'`,
      [reportsPerCase],
    );
    await client.query(
      `INSERT INTO "Reviewer" (id, name, roles) SELECT id, name, '{REVIEWER}' FROM unnest($1::text[], $2::text[]) AS r(id, name) ON CONFLICT DO NOTHING`,
      [reviewers.map((r) => r.id), reviewers.map((r) => r.name)],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE "Case", "Report"');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
