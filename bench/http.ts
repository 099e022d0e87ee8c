// HTTP scenarios over loopback with autocannon: the bare yoga baseline, intake, a reviewer queue page of 50 cases with
// their reports, and claimNextCase — on embedded PGlite and on the PostgreSQL server — beside the raw-SQL ceiling of
// the same work (bench/servers/ceiling.ts): intake's statement on `pg` under a bare yoga, with and without the audit
// chain, the claim's statement with its audit event, and the page in one statement. The page and intake also run on a
// second server beside the first that executes queries and mutations compiled (src/plugins/compiled-execution.ts,
// off in the shipped server), measured right after it, so each comparison is of the same minutes.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mintToken } from '../src/auth/jwt.js';
import { startChild } from './lib/child.js';
import { benchDatabase, serverAvailable, type Target } from './lib/databases.js';
import { load, type LoadOptions, type LoadResult } from './lib/load.js';
import { fmt, type Results } from './lib/results.js';
import { CLAIM_QUEUE, claimers } from './lib/claimable.js';

export interface Profile {
  seconds: number;
  repetitions: number;
  warmupSeconds: number;
  connections: number;
}

export const BENCH_SECRET = 'bench-secret-0123456789-0123456789-abcdef';
/** Rate limits out of the way: the benchmark measures throughput, not the limiter. */
export const BENCH_ENV = { JWT_SECRET: BENCH_SECRET, INTAKE_LIMIT_PER_ADDRESS: '1000000', INTAKE_LIMIT_GLOBAL: '1000000', LEASE_SWEEP_MS: '600000' };

export const INTAKE = readFileSync(new URL('../test/contract/intake.graphql', import.meta.url), 'utf8').replace(/query ReportStatus[\s\S]*$/, '');
/** The page a reviewer's screen reads (test/query-cost.test.ts checks it is within the query cost budget). */
export const PAGE = `query Page($first: Int!) { queue(name: MINOR_PHYSICAL_ALTERCATION) { openCount cases(first: $first) { totalCount edges { node {
  id status category queue priority slaDueAt reportCount distinctReporterCount createdAt assignee { id name }
  reports(first: 10) { edges { node { id category description createdAt } } }
} } } } }`;

export const PAGE_SIZE = 50;

// test/contract/reviewer.graphql's ClaimNextCase, with its fragment (the ceiling's small schema validates it too).
const CLAIM = `mutation ClaimNextCase($queue: QueueName!) { claimNextCase(queue: $queue) { __typename
  ... on ClaimNextCaseSuccess { leaseExpiresAt case { ...CaseRow version } } ... on Error { message } } }
fragment CaseRow on Case { id status category queue priority slaDueAt childAtImmediateRisk reportCount distinctReporterCount
  createdAt assignee { id name } }`;
const claimBody = () => ({ query: CLAIM, operationName: 'ClaimNextCase', variables: { queue: CLAIM_QUEUE } });
const claimCheck = (b: any) => {
  const r = b.data?.claimNextCase;
  return r?.__typename === 'ClaimNextCaseSuccess' && r.case.status === 'IN_REVIEW' && r.case.assignee?.id ? null : `claim failed (${r?.__typename ?? 'no answer'})`;
};
/** Reviewers who take turns claiming: their claims and exposure checks stay at a day's size. */
const CLAIMERS = 200;

let sequence = 0;
const intakeBody = () => ({
  query: INTAKE,
  operationName: 'SubmitReport',
  variables: {
    input: {
      contentId: `content-${process.pid}-${++sequence}-${randomUUID().slice(0, 8)}`,
      category: 'MINOR_PHYSICAL_ALTERCATION',
      description: 'placeholder description',
      idempotencyKey: randomUUID(),
    },
  },
});
const intakeCheck = (b: any) => (b.data?.submitReport?.__typename === 'SubmitReportSuccess' ? null : 'intake failed');

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: any; errors?: unknown[] };
  if (json.errors) throw new Error(`seed request failed: ${JSON.stringify(json.errors)}`);
  return json.data;
}

const rps = (r: LoadResult) => `${fmt(r.rps)} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms)`;

export async function httpScenarios(profile: Profile, results: Results, targets: Target[]) {
  const common = { ...profile };
  const hello = await startChild('hello.ts');
  const baseline = await load({ ...common, url: hello.url, body: () => ({ query: '{ hello }' }), check: (b) => (b.data?.hello === 'world' ? null : 'wrong answer') });
  await hello.stop();
  results.add({ scenario: 'baseline: bare graphql-yoga `{ hello }`', value: rps(baseline) });
  const vsHello = (r: LoadResult) => ({ baseline: `${fmt(baseline.rps)} req/s`, ratio: r.rps / baseline.rps, goal: '≥ 0.3×', met: r.rps / baseline.rps >= 0.3 });

  const reviewer = await mintToken(BENCH_SECRET, { sub: 'bench-reviewer', name: 'Bench reviewer', roles: ['REVIEWER'] });
  const claimants = await Promise.all(
    claimers(CLAIMERS).map(async (r) => ({ ...r, token: await mintToken(BENCH_SECRET, { sub: r.id, name: r.name, roles: ['REVIEWER'] }) })),
  );
  const pageOptions = (url: string): LoadOptions => ({
    ...common,
    url,
    headers: { authorization: `Bearer ${reviewer}` },
    body: () => ({ query: PAGE, variables: { first: PAGE_SIZE } }),
    check: (b) => (b.data?.queue?.cases?.edges?.length === 50 && b.data.queue.cases.edges[0].node.reports.edges.length === 2 ? null : 'wrong page'),
  });
  let turn = 0;
  const claimHeaders = () => {
    const r = claimants[turn++ % claimants.length]!;
    return { authorization: `Bearer ${r.token}`, 'x-bench-reviewer': r.id };
  };
  // Each claim takes a case for good: enough waiting cases for the claim to run at half the baseline's rate throughout
  // (a run that empties the queue fails its check, and would itself say the target is met).
  const claimCases = Math.max(2_000, Math.ceil(0.5 * baseline.rps * (profile.warmupSeconds + profile.seconds * profile.repetitions)));
  const measured: Partial<Record<Target, { intake: LoadResult; page: LoadResult; claim: LoadResult }>> = {};
  for (const target of targets) {
    if (target === 'server' && !(await serverAvailable())) {
      results.add({ scenario: 'PostgreSQL server scenarios', value: 'skipped', note: 'no server reachable' });
      continue;
    }
    // The server as it ships (graphql-js), and beside it one executing compiled (BENCH_EXECUTION=jit).
    const dbs = { 'graphql-js': await benchDatabase(target), jit: await benchDatabase(target) };
    const apps = {
      'graphql-js': await startChild('app.ts', { ...dbs['graphql-js'].env, ...BENCH_ENV, BENCH_EXECUTION: 'graphql-js' }),
      jit: await startChild('app.ts', { ...dbs.jit.env, ...BENCH_ENV, BENCH_EXECUTION: 'jit' }),
    };
    const app = apps['graphql-js'];
    try {
      // 50 waiting cases, two reports each, on both servers.
      for (const each of Object.values(apps)) {
        for (let i = 0; i < 50; i++) {
          const input = { contentId: `content-page-${i}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description' };
          await post(each.url, { query: INTAKE, variables: { input } });
          await post(each.url, { query: INTAKE, variables: { input: { ...input, reporterAccountId: `account-${i}` } } });
        }
      }
      for (const each of Object.values(apps)) await post(each.url, pageOptions(each.url).body(), reviewer); // the reviewer record is created on first sight
      const before = await app.ask<number>('statements');
      await post(app.url, pageOptions(app.url).body(), reviewer);
      const statements = (await app.ask<number>('statements')) - before;
      const jitBefore = await apps.jit.ask<number>('statements');
      await post(apps.jit.url, pageOptions(apps.jit.url).body(), reviewer);
      const jitStatements = (await apps.jit.ask<number>('statements')) - jitBefore;
      const page = await load(pageOptions(app.url));
      const pageJit = await load(pageOptions(apps.jit.url));
      const intake = await load({ ...common, url: app.url, body: intakeBody, check: intakeCheck });
      const intakeJit = await load({ ...common, url: apps.jit.url, body: intakeBody, check: intakeCheck });
      results.add({ scenario: `queue page: 50 cases with reports (${target})`, value: rps(page), ...vsHello(page), note: `${statements} SQL statements per request` });
      results.add({ scenario: `intake: submitReport, audit chain on (${target})`, value: rps(intake), ...vsHello(intake) });
      results.add({
        scenario: `queue page, compiled execution (graphql-jit) (${target})`,
        value: rps(pageJit),
        baseline: `graphql-js: ${rps(page)}`,
        ratio: pageJit.rps / page.rps,
        note: `${jitStatements} SQL statements per request; the same server with BENCH_EXECUTION=jit, beside the one above, measured right after it`,
      });
      results.add({
        scenario: `intake, compiled execution (graphql-jit) (${target})`,
        value: rps(intakeJit),
        baseline: `graphql-js: ${rps(intake)}`,
        ratio: intakeJit.rps / intake.rps,
      });
      await apps.jit.stop();

      // claimNextCase: waiting cases beyond what the run can take, claimed in turn by CLAIMERS reviewers (each seen once
      // before, so the measured requests create no reviewer record).
      await app.ask('seedClaimable', { cases: claimCases, reviewers: claimers(CLAIMERS) });
      for (const r of claimants) await post(app.url, { query: '{ __typename }' }, r.token);
      const claimOptions: LoadOptions = { ...common, url: app.url, requestHeaders: claimHeaders, body: claimBody, check: claimCheck };
      const beforeClaim = await app.ask<number>('statements');
      await post(app.url, claimBody(), claimants[0]!.token);
      const claimStatements = (await app.ask<number>('statements')) - beforeClaim;
      const claim = await load(claimOptions);
      results.add({
        scenario: `claim: claimNextCase, a case and its lease each (${target})`,
        value: rps(claim),
        ...vsHello(claim),
        note: `${claimStatements} SQL statements per claim; ${fmt(claimCases)} waiting cases seeded, claimed in turn by ${CLAIMERS} reviewers`,
      });
      measured[target] = { intake, page, claim };
    } finally {
      for (const each of Object.values(apps)) await each.stop();
      for (const db of Object.values(dbs)) await db.drop();
    }

    // The ceilings: the same work in raw SQL on pg under a bare yoga. Intake with the chain, and without it (what the
    // chain costs); the claim with its audit event; the page in one statement.
    const ceiling: Partial<Record<'chain' | 'bare' | 'claim' | 'page', LoadResult>> = {};
    for (const mode of ['page', 'chain', 'bare', 'claim'] as const) {
      const raw = await benchDatabase(target);
      const server = await startChild('ceiling.ts', { ...raw.env, ...BENCH_ENV, BENCH_CEILING: mode });
      try {
        if (mode === 'claim') {
          await server.ask('seedClaimable', { cases: claimCases, reviewers: claimers(CLAIMERS) });
          ceiling[mode] = await load({ ...common, url: server.url, requestHeaders: claimHeaders, body: claimBody, check: claimCheck });
        } else if (mode === 'page') {
          await server.ask('seedClaimable', { cases: 50, reviewers: [], reportsPerCase: 2 });
          ceiling[mode] = await load(pageOptions(server.url));
        } else {
          ceiling[mode] = await load({ ...common, url: server.url, body: intakeBody, check: intakeCheck });
        }
      } finally {
        await server.stop();
        await raw.drop();
      }
    }
    const { intake: on, claim, page } = measured[target]!;
    results.add({
      scenario: `queue page ceiling: the page in one statement on raw pg under a bare yoga (${target})`,
      value: rps(ceiling.page!),
      baseline: `${fmt(baseline.rps)} req/s`,
      ratio: ceiling.page!.rps / baseline.rps,
      note: `count, 50 cases, their assignees and reports as JSON from one json_agg statement; no token or authorization; the service reaches ${fmt((page.rps / ceiling.page!.rps) * 100)} % of it`,
    });
    results.add({
      scenario: `intake ceiling: the same statement on raw pg under a bare yoga, audit chain on (${target})`,
      value: rps(ceiling.chain!),
      baseline: `${fmt(baseline.rps)} req/s`,
      ratio: ceiling.chain!.rps / baseline.rps,
      note: `the service reaches ${fmt((on.rps / ceiling.chain!.rps) * 100)} % of it`,
    });
    results.add({
      scenario: `intake ceiling: case and report alone, no audit events (${target})`,
      value: rps(ceiling.bare!),
      baseline: `${fmt(baseline.rps)} req/s`,
      ratio: ceiling.bare!.rps / baseline.rps,
      note: `the audit chain (head lock, two events hashed in SQL, head update) costs ${fmt((1 - ceiling.chain!.rps / ceiling.bare!.rps) * 100)} % of the raw ceiling`,
    });
    results.add({
      scenario: `claim ceiling: the claim statement and its audit event on raw pg under a bare yoga (${target})`,
      value: rps(ceiling.claim!),
      baseline: `${fmt(baseline.rps)} req/s`,
      ratio: ceiling.claim!.rps / baseline.rps,
      note: `BEGIN, claim, audit event hashed in SQL, COMMIT; no roles, exposure or snapshot read, no live event; the service reaches ${fmt((claim.rps / ceiling.claim!.rps) * 100)} % of it`,
    });
  }
  const { embedded, server } = measured;
  if (embedded && server) {
    results.add({ scenario: 'intake: embedded PGlite vs PostgreSQL server', value: `${fmt(embedded.intake.rps)} vs ${fmt(server.intake.rps)} req/s`, ratio: embedded.intake.rps / server.intake.rps });
    results.add({ scenario: 'queue page: embedded PGlite vs PostgreSQL server', value: `${fmt(embedded.page.rps)} vs ${fmt(server.page.rps)} req/s`, ratio: embedded.page.rps / server.page.rps });
    results.add({ scenario: 'claim: embedded PGlite vs PostgreSQL server', value: `${fmt(embedded.claim.rps)} vs ${fmt(server.claim.rps)} req/s`, ratio: embedded.claim.rps / server.claim.rps });
  }
}
