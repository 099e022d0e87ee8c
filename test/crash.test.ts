// Crash test: a real server process takes idempotency-keyed reports from concurrent clients and is killed with
// SIGKILL at seeded random moments, then restarted on the same data, round after round. Every request ever sent is
// replayed after each restart. At the end: every acknowledged report exists exactly once with the id first returned,
// replays return the first responses, each case's report count equals its reports, and the audit chain verifies.
// Runs on the embedded PGlite (a data directory) or, with DATABASE_URL, on a fresh database on that server.
// CRASH_ROUNDS (default 4) and CRASH_SEED reproduce a run; `CRASH_ROUNDS=20 npx vitest run test/crash.test.ts` is the
// full version.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { verifyAuditChain } from '../src/services/audit.js';
import { freshDatabase, TEST_SECRET, type TestDatabase } from './support/harness.js';
import { prng } from './support/random.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 4);
const SEED = Number(process.env.CRASH_SEED ?? 7);


const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) {
  __typename ... on SubmitReportSuccess { report { id } followUpToken } ... on Error { message } } }`;

interface Sent {
  input: Record<string, unknown>;
  /** The first acknowledged response, if any reached the client. */
  acknowledged?: { id: string; followUpToken: string };
}

let server: { child: ChildProcess; url: string } | null = null;
let database: TestDatabase | null = null;
let dataDir: string | null = null;
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, REDIS_URL: '', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info', INTAKE_LIMIT_PER_ADDRESS: '1000000', INTAKE_LIMIT_GLOBAL: '1000000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 90_000);
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err.slice(0, 2000)}`)));
  });
}

async function send(url: string, sent: Sent): Promise<'acknowledged' | 'lost'> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SUBMIT, variables: { input: sent.input } }) });
    const body = (await res.json()) as any;
    const result = body.data?.submitReport;
    if (result?.__typename !== 'SubmitReportSuccess') throw new Error(`unexpected answer: ${JSON.stringify(body)}`);
    const answer = { id: result.report.id, followUpToken: result.followUpToken };
    // A replay must return the first response exactly.
    if (sent.acknowledged) expect(answer).toEqual(sent.acknowledged);
    else sent.acknowledged = answer;
    return 'acknowledged';
  } catch (error) {
    if (error instanceof Error && /unexpected answer|expected/.test(error.message)) throw error;
    return 'lost'; // the connection died with the server: the client never learnt the outcome
  }
}

describe(`crash safety (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'}, ${ROUNDS} SIGKILL rounds, seed ${SEED})`, () => {
  it('loses nothing, duplicates nothing, and keeps the audit chain whole', async () => {
    const random = prng(SEED);
    let env: Record<string, string>;
    if (process.env.DATABASE_URL) {
      database = await freshDatabase();
      env = { DATABASE_URL: database.url! };
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'cs-crash-'));
      env = { DATABASE_URL: '', DATA_DIR: dataDir };
    }
    const sent: Sent[] = [];
    // A few contents receive many reports, so folding into one case is exercised under crashes too.
    const contents = Array.from({ length: 12 }, (_, i) => `content-crash-${i}`);
    const newRequest = (): Sent => ({
      input: {
        idempotencyKey: randomUUID(),
        contentId: contents[Math.floor(random() * contents.length)]!,
        category: 'MINOR_PHYSICAL_ALTERCATION',
        description: 'placeholder description',
        reporterAccountId: `account-${Math.floor(random() * 50)}`,
      },
    });
    let lost = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      server = await start(env);
      if (process.env.CRASH_DEBUG) console.error(`round ${round}: started ${server.url}, replaying ${sent.length}`);
      // Replay everything sent so far: the acknowledged must come back identical, the lost must land exactly once.
      for (const request of sent) expect(await send(server.url, request)).toBe('acknowledged');
      if (round === ROUNDS) break;
      // Four clients file new reports until the server is killed at a random moment.
      let killed = false;
      const client = async () => {
        while (!killed) {
          const request = newRequest();
          sent.push(request);
          if ((await send(server!.url, request)) === 'lost') lost += 1;
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(random() * 900)));
      if (process.env.CRASH_DEBUG) console.error(`round ${round}: killing after ${sent.length} requests`);
      server.child.kill('SIGKILL');
      killed = true;
      await Promise.all(clients);
      if (process.env.CRASH_DEBUG) console.error(`round ${round}: clients stopped`);
      const child = server.child;
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      server = null;
    }
    const last = server!.child;
    const exited = new Promise((resolve) => last.once('exit', resolve));
    last.kill('SIGTERM');
    await exited;
    server = null;

    const db = database?.db ?? (await openDatabase({ dataDir: dataDir! }));
    try {
      const reports = await db.prisma.report.findMany({ select: { id: true, idempotencyKey: true, caseId: true } });
      // Exactly one report per request (every request was eventually acknowledged), with the first answer's id.
      expect(reports.length).toBe(sent.length);
      const byKey = new Map(reports.map((r) => [r.idempotencyKey, r]));
      for (const request of sent) expect(byKey.get(request.input.idempotencyKey as string)?.id).toBe(request.acknowledged!.id);
      const cases = await db.prisma.case.findMany({ select: { id: true, reportCount: true, _count: { select: { reports: true } } } });
      for (const c of cases) expect(c.reportCount, `case ${c.id}`).toBe(c._count.reports);
      expect(cases.reduce((sum, c) => sum + c.reportCount, 0)).toBe(sent.length);
      const chain = await verifyAuditChain(db.prisma);
      expect(chain.ok).toBe(true);
      const submitted = await db.prisma.auditEvent.count({ where: { action: 'report.submitted' } });
      expect(submitted).toBe(sent.length);
      console.log(`crash test: ${ROUNDS} kills, ${sent.length} reports, ${lost} answers lost to a kill and recovered by replay, ${chain.checkedEvents} audit events verified`);
    } finally {
      if (!database) await db.close();
    }
  }, 600_000);
});
