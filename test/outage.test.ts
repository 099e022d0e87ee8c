// Outages of what the service leans on. Redis carries only live events and shared limits: with a redis-server of this
// test's own killed mid-traffic, intake, reviews and decisions go on (the in-memory limiter stands in), dropped events
// are counted, /readyz says live delivery is degraded, and when Redis returns subscribers get a RESYNC event and
// delivery resumes by itself. On the PostgreSQL server pass, the database's connections are terminated mid-traffic.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { ContractClient } from './support/client.js';
import { clientOperations, hex, startServer, token, type TestServer } from './support/harness.js';

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A redis-server of the test's own; fails loudly when the binary is missing. */
class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}
  async start() {
    if (!REDIS_SERVER) throw new Error('redis-server is not installed (looked in /usr/bin and /usr/local/bin): this test needs it');
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/ready to accept connections/i.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
    child.stdout!.resume();
  }
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

const until = async (check: () => boolean | Promise<boolean>, what: string, timeout = 20_000) => {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a Redis outage', () => {
  let redis: OwnRedis;
  let server: TestServer;
  let client: ContractClient;
  let base: string;
  const QUEUE = 'MINOR_PHYSICAL_ALTERCATION';

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    // Addresses come from X-Forwarded-For so the traffic spreads over many clients; one address tests the limit.
    server = await startServer({ REDIS_URL: `redis://127.0.0.1:${redis.port}`, TRUST_PROXY_HOPS: '1', INTAKE_LIMIT_PER_ADDRESS: '5', METRICS_PORT: '0' });
    client = await new ContractClient(server).load();
    base = server.url.replace('/graphql', '');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await redis?.kill();
  });

  const submitFrom = (address: string) =>
    fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ query: `mutation { submitReport(input: { contentId: "content-${hex(4)}", category: ${QUEUE} }) { __typename } }` }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const readiness = async () => (await (await fetch(`${base}/readyz`)).json()) as { status: string; live: string };
  const dropped = async () => {
    const text = await (await fetch(server.app.metricsUrl()!)).text();
    return Number(/^live_events_dropped_total (\d+)/m.exec(text)?.[1] ?? 0);
  };

  it('keeps intake, reviews and decisions going, degrades live delivery, and resyncs subscribers when Redis returns', async () => {
    const reviewer = await token('outage-reviewer', ['REVIEWER']);
    const events: any[] = [];
    const ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${reviewer}` } });
    ws.subscribe({ query: await clientOperations('live.graphql'), variables: { queue: QUEUE } }, { next: (v) => events.push(v), error: () => {}, complete: () => {} });
    try {
      await until(async () => (await submitFrom('198.51.100.1')).body.data?.submitReport && events.length >= 1, 'a first event through Redis');

      // Traffic from many clients, with Redis killed in the middle of it.
      let n = 0;
      const results: Array<{ status: number; body: any }> = [];
      const traffic = (async () => {
        for (let i = 0; i < 30; i++) results.push(await submitFrom(`198.51.100.${10 + (n++ % 200)}`));
      })();
      await until(() => results.length >= 5, 'traffic before the kill');
      await redis.kill();
      await traffic;
      expect(results.filter((r) => r.body.data?.submitReport?.__typename !== 'SubmitReportSuccess')).toEqual([]);
      expect(results.every((r) => r.status === 200)).toBe(true);

      // While Redis is away: ready, with live delivery degraded; the dropped events are counted.
      expect(await submitFrom('198.51.100.249')).toMatchObject({ status: 200, body: { data: { submitReport: { __typename: 'SubmitReportSuccess' } } } });
      await until(async () => (await readiness()).live === 'degraded', '/readyz to report live delivery degraded');
      expect(await readiness()).toEqual({ status: 'ready', live: 'degraded' });
      await submitFrom('198.51.100.250');
      expect(await dropped()).toBeGreaterThan(0);

      // The in-memory limiter stands in for the shared one: the sixth report from one address in a minute is refused.
      const limited = [];
      for (let i = 0; i < 6; i++) limited.push(await submitFrom('203.0.113.7'));
      expect(limited.slice(0, 5).every((r) => r.body.data.submitReport.__typename === 'SubmitReportSuccess')).toBe(true);
      expect(limited[5]!.status).toBe(429);
      expect(limited[5]!.body.data.submitReport.__typename).toBe('RateLimitedError');

      // Reviews and decisions go on.
      const claimed = await client.op('ClaimNextCase', { queue: QUEUE }, reviewer);
      expect(claimed.data.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
      const caseId = claimed.data.claimNextCase.case.id as string;
      const assessed = await client.op('SubmitAssessment', { input: { caseId, category: QUEUE, ageAssessment: 'ADULT' } }, reviewer);
      expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
      const current = await client.op('CaseDetail', { id: caseId }, reviewer);
      const decided = await client.op('DecideCase', { input: { caseId, expectedVersion: current.data.case.version, actions: ['NO_ACTION'] } }, reviewer);
      expect(decided.data.decideCase.__typename).toBe('DecideCaseSuccess');

      // Redis returns on the same port: delivery resumes by itself, and the subscriber is told to resync first.
      const before = events.length;
      await redis.start();
      await until(async () => (await readiness()).live === 'ok', 'live delivery to recover');
      await until(() => events.slice(before).some((e) => e.data?.queueUpdates?.kind === 'RESYNC'), 'a RESYNC event');
      const resync = events.slice(before).find((e) => e.data?.queueUpdates?.kind === 'RESYNC');
      expect(resync.data.queueUpdates.case).toBeNull();
      const afterResync = events.length;
      await until(async () => {
        await submitFrom('198.51.100.251');
        return events.slice(afterResync).some((e) => e.data?.queueUpdates?.kind === 'ADDED');
      }, 'a new event delivered after Redis returned');
    } finally {
      await ws.dispose();
    }
  }, 120_000);
});

describe.runIf(!!process.env.DATABASE_URL)('database connections terminated mid-traffic (PostgreSQL server pass)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ TRUST_PROXY_HOPS: '1' });
  }, 120_000);
  afterAll(() => server?.close());

  it('the server keeps serving: in-flight requests get a clear error at worst, and new requests succeed', async () => {
    const database = new URL(server.database.url!).pathname.slice(1);
    const submit = (i: number) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i % 250}` },
        body: JSON.stringify({ query: `mutation { submitReport(input: { contentId: "content-${hex(4)}", category: MINOR_PHYSICAL_ALTERCATION }) { __typename } }` }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const results: Array<{ status: number; body: any }> = [];
    let i = 0;
    const worker = async () => {
      while (i < 60) results.push(await submit(i++));
    };
    const traffic = Promise.all([worker(), worker(), worker()]);
    await until(() => results.length >= 10, 'traffic before the termination');
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    await traffic;
    for (const r of results) {
      const ok = r.body.data?.submitReport?.__typename === 'SubmitReportSuccess';
      // At worst a masked error with a request id: never a dropped connection or a stack trace.
      if (!ok) expect(r.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    }
    const after = await Promise.all(Array.from({ length: 10 }, (_, k) => submit(100 + k)));
    expect(after.map((r) => r.body.data?.submitReport?.__typename)).toEqual(Array(10).fill('SubmitReportSuccess'));
    const count = await server.app.db.prisma.report.count();
    expect(count).toBe(results.filter((r) => r.body.data?.submitReport?.__typename === 'SubmitReportSuccess').length + 10);
  }, 120_000);
});
