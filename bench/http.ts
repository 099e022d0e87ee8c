// HTTP scenarios over loopback with autocannon: the bare yoga baseline, intake, and a reviewer queue page of 50 cases
// with their reports — on embedded PGlite and on the PostgreSQL server — each beside the raw-SQL ceiling of the same
// work (bench/servers/ceiling.ts): intake's statement on `pg` under a bare yoga, with and without the audit chain.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mintToken } from '../src/auth/jwt.js';
import { startChild } from './lib/child.js';
import { benchDatabase, serverAvailable, type Target } from './lib/databases.js';
import { load, type LoadOptions, type LoadResult } from './lib/load.js';
import { fmt, type Results } from './lib/results.js';

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
const PAGE = `query Page($first: Int!) { queue(name: MINOR_PHYSICAL_ALTERCATION) { openCount cases(first: $first) { totalCount edges { node {
  id status category queue priority slaDueAt reportCount distinctReporterCount createdAt assignee { id name }
  reports(first: 10) { edges { node { id category description createdAt } } }
} } } } }`;

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

  const reviewer = await mintToken(BENCH_SECRET, { sub: 'bench-reviewer', name: 'Bench reviewer', roles: ['REVIEWER'] });
  const measured: Partial<Record<Target, { intake: LoadResult; page: LoadResult }>> = {};
  for (const target of targets) {
    if (target === 'server' && !(await serverAvailable())) {
      results.add({ scenario: 'PostgreSQL server scenarios', value: 'skipped', note: 'no server reachable' });
      continue;
    }
    const db = await benchDatabase(target);
    const app = await startChild('app.ts', { ...db.env, ...BENCH_ENV });
    try {
      // 50 waiting cases, two reports each.
      for (let i = 0; i < 50; i++) {
        const input = { contentId: `content-page-${i}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description' };
        await post(app.url, { query: INTAKE, variables: { input } });
        await post(app.url, { query: INTAKE, variables: { input: { ...input, reporterAccountId: `account-${i}` } } });
      }
      const pageOptions: LoadOptions = {
        ...common,
        url: app.url,
        headers: { authorization: `Bearer ${reviewer}` },
        body: () => ({ query: PAGE, variables: { first: 50 } }),
        check: (b) => (b.data?.queue?.cases?.edges?.length === 50 && b.data.queue.cases.edges[0].node.reports.edges.length === 2 ? null : 'wrong page'),
      };
      await post(app.url, pageOptions.body(), reviewer); // the reviewer record is created on first sight
      const before = await app.ask<number>('statements');
      await post(app.url, pageOptions.body(), reviewer);
      const statements = (await app.ask<number>('statements')) - before;
      const page = await load(pageOptions);
      results.add({
        scenario: `queue page: 50 cases with reports (${target})`,
        value: rps(page),
        baseline: `${fmt(baseline.rps)} req/s`,
        ratio: page.rps / baseline.rps,
        goal: '≥ 0.3×',
        met: page.rps / baseline.rps >= 0.3,
        note: `${statements} SQL statements per request`,
      });
      const intake = await load({ ...common, url: app.url, body: intakeBody, check: intakeCheck });
      results.add({
        scenario: `intake: submitReport, audit chain on (${target})`,
        value: rps(intake),
        baseline: `${fmt(baseline.rps)} req/s`,
        ratio: intake.rps / baseline.rps,
        goal: '≥ 0.3×',
        met: intake.rps / baseline.rps >= 0.3,
      });
      measured[target] = { intake, page };
    } finally {
      await app.stop();
      await db.drop();
    }

    // The ceiling: the same statement on raw pg under a bare yoga; with the chain, and without it (what the chain costs).
    const ceiling: Partial<Record<'chain' | 'bare', LoadResult>> = {};
    for (const mode of ['chain', 'bare'] as const) {
      const raw = await benchDatabase(target);
      const server = await startChild('ceiling.ts', { ...raw.env, ...BENCH_ENV, BENCH_CEILING: mode });
      try {
        ceiling[mode] = await load({ ...common, url: server.url, body: intakeBody, check: intakeCheck });
      } finally {
        await server.stop();
        await raw.drop();
      }
    }
    const on = measured[target]!.intake;
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
  }
  const { embedded, server } = measured;
  if (embedded && server) {
    results.add({ scenario: 'intake: embedded PGlite vs PostgreSQL server', value: `${fmt(embedded.intake.rps)} vs ${fmt(server.intake.rps)} req/s`, ratio: embedded.intake.rps / server.intake.rps });
    results.add({ scenario: 'queue page: embedded PGlite vs PostgreSQL server', value: `${fmt(embedded.page.rps)} vs ${fmt(server.page.rps)} req/s`, ratio: embedded.page.rps / server.page.rps });
  }
}
