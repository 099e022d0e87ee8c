// The real server process (src/main.ts) with NCMEC_API_URL pointing at a fake ISPWS: an exploitation case decided
// through the GraphQL API is filed (after one server error), and a server killed between /submit and /finish resumes
// after restart with /finish on the stored report id — one report at NCMEC, never two.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, hex, token, TEST_SECRET, type TestDatabase } from './support/harness.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';
import { INCIDENT_TYPE_CHILD_PORNOGRAPHY } from '../src/services/cybertipline.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let ispws: FakeIspws;
let child: ChildProcess | null = null;
let database: TestDatabase | null = null;
let dataDir: string | null = null;
let dbEnv: Record<string, string>;

beforeAll(async () => {
  ispws = await startFakeIspws();
  if (process.env.DATABASE_URL) {
    database = await freshDatabase();
    await database.db.close();
    dbEnv = { DATABASE_URL: database.url! };
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'cs-ncmec-'));
    dbEnv = { DATABASE_URL: '', DATA_DIR: dataDir };
  }
});
afterEach(async () => {
  if (child) await kill();
});
afterAll(async () => {
  await ispws?.close();
  await database?.drop().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...dbEnv,
      REDIS_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      LEASE_SWEEP_MS: '200',
      NCMEC_API_URL: ispws.url,
      NCMEC_USERNAME: ispws.username,
      NCMEC_PASSWORD: ispws.password,
      NCMEC_ATTEMPT_TIMEOUT_MS: '1500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 180_000);
    proc.stderr!.on('data', (chunk) => (err += chunk));
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err.slice(0, 2000)}`)));
  });
}

async function kill() {
  const proc = child!;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  child = null;
}

async function gql(url: string, query: string, variables: Record<string, unknown>, bearer?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Reports, claims, assesses and decides an exploitation case through the API; returns the case id. */
async function decideThroughApi(url: string, input: { contentId: string; contentUrl: string; reportedAccountId: string }) {
  const specialist = await token(`spec-${hex(2)}`, ['CHILD_SAFETY_SPECIALIST']);
  const filed = await gql(url, `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename } }`, {
    input: { ...input, category: 'CHILD_SEXUAL_EXPLOITATION', description: 'placeholder description', mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] },
  });
  expect(filed.submitReport.__typename).toBe('SubmitReportSuccess');
  const claimed = await gql(url, `mutation { claimNextCase(queue: CHILD_SEXUAL_EXPLOITATION) { __typename ... on ClaimNextCaseSuccess { case { id version } } } }`, {}, specialist);
  const caseId = claimed.claimNextCase.case.id;
  const assessed = await gql(url, `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename } }`, {
    input: { caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' },
  }, specialist);
  expect(assessed.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
  const current = await gql(url, `query($id: ID!) { case(id: $id) { version } }`, { id: caseId }, specialist);
  const decided = await gql(url, `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename } }`, {
    input: { caseId, expectedVersion: current.case.version, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] },
  }, specialist);
  expect(decided.decideCase.__typename).toBe('DecideCaseSuccess');
  return caseId;
}

const ncmecOnCase = async (url: string, caseId: string) => {
  const liaison = await token('liaison-s', ['LAW_ENFORCEMENT_LIAISON']);
  return (await gql(url, `query($id: ID!) { case(id: $id) { ncmecReport { status externalReportId } } }`, { id: caseId }, liaison)).case.ncmecReport;
};

describe('the server process with NCMEC_API_URL pointing at a fake ISPWS', () => {
  it('files a decided exploitation case after a server error: the XML report, /finish with NCMEC’s id, the id on the case', async () => {
    const url = await start();
    const input = { contentId: `content-${hex(4)}`, contentUrl: `https://platform.example/p/${hex(4)}`, reportedAccountId: `account-${hex(4)}` };
    ispws.fail('/submit', { code: 1000, description: 'Server error' });
    const caseId = await decideThroughApi(url, input);
    await expect.poll(async () => (await ncmecOnCase(url, caseId)).status, { timeout: 30_000, interval: 200 }).toBe('SUBMITTED');
    const { externalReportId } = await ncmecOnCase(url, caseId);
    const report = ispws.reports.get(externalReportId)!;
    expect(report.report.incidentSummary.incidentType).toBe(INCIDENT_TYPE_CHILD_PORNOGRAPHY);
    expect(Date.parse(report.report.incidentSummary.incidentDateTime)).toBeGreaterThan(Date.now() - 120_000);
    expect(report.report.internetDetails.webPageIncident.url).toBe(input.contentUrl);
    expect(report.report.personOrUserReported.espIdentifier).toBe(input.reportedAccountId);
    expect(report.finished).toBe(true);
    const submits = ispws.calls.filter((c) => c.path === '/submit');
    expect(submits.map((c) => c.answered)).toEqual([1000, 0]);
    expect(ispws.calls.filter((c) => c.path === '/finish').map((c) => c.id)).toEqual([externalReportId]);
    await kill();
  }, 300_000);

  it('killed between /submit and /finish, the restarted server finishes the stored report: one report at NCMEC', async () => {
    let url = await start();
    const held = ispws.hold('/finish');
    const submitsBefore = ispws.calls.filter((c) => c.path === '/submit').length;
    const caseId = await decideThroughApi(url, { contentId: `content-${hex(4)}`, contentUrl: `https://platform.example/p/${hex(4)}`, reportedAccountId: `account-${hex(4)}` });
    await held;
    await kill();
    ispws.releaseHeld();
    const opened = ispws.calls.filter((c) => c.path === '/submit').slice(submitsBefore);
    expect(opened.map((c) => c.answered)).toEqual([0]);
    const reportId = [...ispws.reports.values()].at(-1)!.reportId;
    expect(ispws.reports.get(reportId)!.finished).toBe(false);

    url = await start();
    await expect.poll(async () => (await ncmecOnCase(url, caseId)).status, { timeout: 30_000, interval: 200 }).toBe('SUBMITTED');
    expect(await ncmecOnCase(url, caseId)).toEqual({ status: 'SUBMITTED', externalReportId: reportId });
    expect(ispws.calls.filter((c) => c.path === '/submit').length).toBe(submitsBefore + 1);
    expect(ispws.reports.get(reportId)!.finished).toBe(true);
    await kill();
  }, 300_000);
});
