// CyberTipline filing against a fake of NCMEC's reporting web service over real HTTP (test/support/fake-ispws.ts):
// success, retries with backoff after server and network errors, credential failures that halt sending, validation
// failures, a takeover between /submit and /finish, retraction, evidence streaming with hash checks, the evidence holds
// in the enforcement feed, and a production server with no CyberTipline configured.
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Actor, ServiceContext } from '../src/services/context.js';
import { submitReport } from '../src/services/intake.js';
import { claimNextCase } from '../src/services/claims.js';
import { submitAssessment } from '../src/services/assessments.js';
import { decideCase } from '../src/services/decisions.js';
import { ensureReviewer } from '../src/services/reviewers.js';
import { enforcementFeed } from '../src/services/enforcement.js';
import { transparencyReport } from '../src/services/analytics.js';
import { releaseExpiredHolds, submitPendingNcmecReports } from '../src/services/ncmec.js';
import { INCIDENT_TYPE_CHILD_PORNOGRAPHY } from '../src/services/cybertipline.js';
import { freshDatabase, hex, startServer, token, TEST_SECRET, type TestDatabase, type TestServer } from './support/harness.js';
import { startEvidenceStore, startFakeIspws, type FakeIspws } from './support/fake-ispws.js';

const specialist: Actor = { kind: 'USER', id: 'spec-n', name: 'Specialist N', roles: ['CHILD_SAFETY_SPECIALIST'] };
const SWEEP_MS = 600_000;

/** Reports, claims, assesses and decides an exploitation case through the services; the record waits unsent. */
async function decideExploitation(app: App, extra: Record<string, unknown> = {}, when?: Date) {
  const base = (actor: Actor): ServiceContext => ({ ...app.serviceContext(actor), ncmec: null, ...(when ? { now: () => when } : {}) });
  await ensureReviewer(app.db.prisma, specialist as Extract<Actor, { kind: 'USER' }>);
  const filed = await submitReport(base({ kind: 'ANONYMOUS', clientAddress: '192.0.2.9' }), {
    contentId: `content-${hex(4)}`,
    category: 'CHILD_SEXUAL_EXPLOITATION',
    description: 'placeholder description',
    reportedAccountId: `account-${hex(4)}`,
    contentUrl: `https://platform.example/p/${hex(4)}`,
    ...extra,
  });
  const caseId = filed.report.caseId;
  const claimed = await claimNextCase(base(specialist), 'CHILD_SEXUAL_EXPLOITATION');
  expect(claimed.case.id).toBe(caseId);
  await submitAssessment(base(specialist), { caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' } as never);
  const version = (await app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
  const { decision } = await decideCase(base(specialist), { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] });
  const record = await app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId } });
  expect(record).toMatchObject({ status: 'AWAITING_SUBMISSION', externalReportId: null });
  return { caseId, decision, record, caseRow: await app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } }) };
}

const recordOf = (app: App, id: string) => app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { id } });
const trail = async (app: App, id: string) => (await app.db.prisma.auditEvent.findMany({ where: { entityId: id }, orderBy: { seq: 'asc' } })).map((e) => e.action);

describe('with the CyberTipline configured', () => {
  let ispws: FakeIspws;
  let server: TestServer;
  let evidence: Awaited<ReturnType<typeof startEvidenceStore>>;
  const files = new Map<string, Buffer>();
  let clock = new Date();
  const system = () => ({ ...server.app.serviceContext({ kind: 'SYSTEM', id: 'ncmec-submitter' }), now: () => clock });
  const run = () => submitPendingNcmecReports(system());

  beforeAll(async () => {
    ispws = await startFakeIspws();
    evidence = await startEvidenceStore(files);
    server = await startServer({
      NCMEC_API_URL: ispws.url,
      NCMEC_USERNAME: ispws.username,
      NCMEC_PASSWORD: ispws.password,
      NCMEC_REPORTER_EMAIL: 'reports@platform.example',
      NCMEC_ESP_SERVICE: 'Example Platform',
      NCMEC_EVIDENCE_URL: evidence.url,
      LEASE_SWEEP_MS: String(SWEEP_MS),
    });
  });
  afterAll(async () => {
    await server?.close();
    await ispws?.close();
    await evidence?.close();
  });

  it('files the report: /submit with the XML report, NCMEC’s id stored, /finish on it, SUBMITTED with that id', async () => {
    const { record, caseRow } = await decideExploitation(server.app);
    clock = new Date();
    expect(await run()).toBe(1);
    const filed = await recordOf(server.app, record.id);
    expect(filed).toMatchObject({ status: 'SUBMITTED', submissionChannel: 'API', responseCode: 0, lastError: null });
    const sent = ispws.reports.get(filed.externalReportId!)!;
    expect(sent.finished).toBe(true);
    expect(sent.report.incidentSummary).toEqual({ incidentType: INCIDENT_TYPE_CHILD_PORNOGRAPHY, incidentDateTime: caseRow.createdAt.toISOString() });
    expect(sent.report.internetDetails.webPageIncident.url).toBe(caseRow.contentUrl);
    expect(sent.report.personOrUserReported).toEqual({ espIdentifier: caseRow.reportedAccountId, espService: 'Example Platform' });
    expect(sent.report.reporter.reportingPerson).toMatchObject({ email: 'reports@platform.example' });
    expect(sent.xml).not.toContain('placeholder description');
    const calls = ispws.calls.filter((c) => c.path === '/finish' && c.id === filed.externalReportId);
    expect(calls).toHaveLength(1);
    expect(await trail(server.app, record.id)).toEqual(['ncmec.report_created', 'ncmec.submission_started', 'ncmec.report_opened', 'ncmec.evidence_not_attached', 'ncmec.submitted']);
    // Liaisons see NCMEC's id on the case.
    const liaison = await token('liaison-n', ['LAW_ENFORCEMENT_LIAISON']);
    const seen = await server.gql(`query { ncmecReports(first: 50, status: SUBMITTED) { edges { node { id status externalReportId submissionChannel case { id } } } } }`, {}, { token: liaison });
    expect(seen.data.ncmecReports.edges.map((e: any) => e.node)).toContainEqual({ id: record.id, status: 'SUBMITTED', externalReportId: filed.externalReportId, submissionChannel: 'API', case: { id: record.caseId } });
  });

  it('retries after a server error (1000) with exponential backoff from LEASE_SWEEP_MS', async () => {
    const { record } = await decideExploitation(server.app);
    ispws.fail('/submit', { code: 1000, description: 'Server error' }, 2);
    const t0 = new Date();
    clock = t0;
    expect(await run()).toBe(0);
    let failed = await recordOf(server.app, record.id);
    expect(failed).toMatchObject({ status: 'FAILED', responseCode: 1000, externalReportId: null });
    expect(failed.nextAttemptAt!.getTime()).toBe(t0.getTime() + SWEEP_MS);
    // Not before it is due.
    const submits = () => ispws.calls.filter((c) => c.path === '/submit').length;
    const before = submits();
    clock = new Date(t0.getTime() + SWEEP_MS - 1);
    await run();
    expect(submits()).toBe(before);
    // Second failure: twice the delay.
    const t1 = new Date(t0.getTime() + SWEEP_MS);
    clock = t1;
    await run();
    failed = await recordOf(server.app, record.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.nextAttemptAt!.getTime()).toBe(t1.getTime() + 2 * SWEEP_MS);
    clock = failed.nextAttemptAt!;
    expect(await run()).toBe(1);
    const filed = await recordOf(server.app, record.id);
    expect(filed).toMatchObject({ status: 'SUBMITTED', attempts: 3, nextAttemptAt: null });
    expect(submits()).toBe(before + 2);
    expect((await trail(server.app, record.id)).filter((a) => a === 'ncmec.submission_failed')).toHaveLength(2);
  });

  it('a network failure after /submit keeps NCMEC’s id and the retry only finishes it: one report', async () => {
    const { record } = await decideExploitation(server.app);
    ispws.fail('/finish', 'network');
    clock = new Date();
    await run();
    const failed = await recordOf(server.app, record.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.externalReportId).toMatch(/^\d+$/);
    expect(failed.lastError).toMatch(/finish/);
    const submits = ispws.calls.filter((c) => c.path === '/submit').length;
    clock = failed.nextAttemptAt!;
    expect(await run()).toBe(1);
    expect(ispws.calls.filter((c) => c.path === '/submit').length).toBe(submits);
    expect(await recordOf(server.app, record.id)).toMatchObject({ status: 'SUBMITTED', externalReportId: failed.externalReportId });
    expect(ispws.reports.get(failed.externalReportId!)!.finished).toBe(true);
  });

  it('a validation failure (4100) needs correction, shows NCMEC’s description to liaisons, and is not retried until resubmitted', async () => {
    const { record } = await decideExploitation(server.app);
    ispws.fail('/submit', { code: 4100, description: 'placeholder: incidentDateTime is invalid' });
    clock = new Date();
    await run();
    expect(await recordOf(server.app, record.id)).toMatchObject({ status: 'NEEDS_CORRECTION', responseCode: 4100 });
    const liaison = await token('liaison-n', ['LAW_ENFORCEMENT_LIAISON']);
    const seen = await server.gql(`query { ncmecReports(first: 50, status: NEEDS_CORRECTION) { edges { node { id ncmecResponseCode ncmecResponseDescription } } } }`, {}, { token: liaison });
    expect(seen.data.ncmecReports.edges.map((e: any) => e.node)).toContainEqual({ id: record.id, ncmecResponseCode: 4100, ncmecResponseDescription: 'placeholder: incidentDateTime is invalid' });
    // Analysts may not read it.
    const analyst = await token('analyst-n', ['ANALYST']);
    expect((await server.gql(`query { ncmecReports(first: 5) { edges { node { ncmecResponseDescription } } } }`, {}, { token: analyst })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    clock = new Date(clock.getTime() + 10 * SWEEP_MS);
    const submits = ispws.calls.filter((c) => c.path === '/submit').length;
    await run();
    expect(ispws.calls.filter((c) => c.path === '/submit').length).toBe(submits);
    const resubmitted = await server.gql(`mutation($id: ID!) { resubmitNcmecReport(id: $id) { __typename ... on ResubmitNcmecReportSuccess { ncmecReport { status } } } }`, { id: record.id }, { token: liaison });
    expect(resubmitted.data.resubmitNcmecReport.__typename).toBe('ResubmitNcmecReportSuccess');
    await expect.poll(async () => (await recordOf(server.app, record.id)).status, { timeout: 10_000 }).toBe('SUBMITTED');
  });

  it('the fake checks each report against the schema’s required elements', async () => {
    const post = (xml: string, auth = `Basic ${Buffer.from(`${ispws.username}:${ispws.password}`).toString('base64')}`) =>
      fetch(`${ispws.url}/submit`, { method: 'POST', headers: { authorization: auth, 'content-type': 'text/xml' }, body: xml }).then((r) => r.text());
    expect(await post('<report><incidentSummary><incidentType>x</incidentType></incidentSummary></report>')).toContain('<responseCode>4100</responseCode>');
    expect(await post('<report><reporter/></report', 'Basic bm9ib2R5Om5vdGhpbmc=')).toContain('<responseCode>2000</responseCode>');
  });

  it('a takeover between /submit and /finish resumes with /finish on the stored id, never a second report', async () => {
    const { record } = await decideExploitation(server.app);
    clock = new Date();
    const held = ispws.hold('/finish');
    const first = run();
    await held;
    // The moment of the crash: NCMEC's id is stored, the report is not finished.
    const between = await recordOf(server.app, record.id);
    expect(between).toMatchObject({ status: 'SUBMITTING' });
    expect(between.externalReportId).toMatch(/^\d+$/);
    // Another instance finds the claim stale (older than twice the attempt timeout) and takes it over.
    clock = new Date(clock.getTime() + 2 * 300_000 + 1);
    const submits = ispws.calls.filter((c) => c.path === '/submit').length;
    expect(await run()).toBe(1);
    ispws.releaseHeld();
    await first;
    expect(ispws.calls.filter((c) => c.path === '/submit').length).toBe(submits);
    const filed = await recordOf(server.app, record.id);
    expect(filed).toMatchObject({ status: 'SUBMITTED', externalReportId: between.externalReportId });
    expect(ispws.reports.get(between.externalReportId!)!.finished).toBe(true);
    expect(await trail(server.app, record.id)).toContain('ncmec.submitted');
  });

  it('a record withdrawn before finishing is retracted at NCMEC; a finished one cannot be', async () => {
    const liaison = await token('liaison-n', ['LAW_ENFORCEMENT_LIAISON']);
    const withdraw = (id: string) =>
      server.gql(`mutation($id: ID!) { withdrawNcmecReport(id: $id, reason: "placeholder reason") { __typename ... on Error { message } ... on WithdrawNcmecReportSuccess { ncmecReport { status withdrawnAt } } } }`, { id }, { token: liaison });
    const { record } = await decideExploitation(server.app);
    ispws.fail('/finish', { code: 1000, description: 'Server error' });
    clock = new Date();
    await run();
    const open = await recordOf(server.app, record.id);
    expect(open.status).toBe('FAILED');
    const requested = await withdraw(record.id);
    expect(requested.data.withdrawNcmecReport.__typename).toBe('WithdrawNcmecReportSuccess');
    await expect.poll(async () => (await recordOf(server.app, record.id)).status, { timeout: 10_000 }).toBe('WITHDRAWN');
    expect(ispws.calls.filter((c) => c.path === '/retract').map((c) => c.id)).toContain(open.externalReportId);
    expect(ispws.reports.get(open.externalReportId!)).toMatchObject({ retracted: true, finished: false });
    expect(await trail(server.app, record.id)).toEqual(expect.arrayContaining(['ncmec.withdrawal_requested', 'ncmec.retracted']));
    // Never sent: withdrawn at once, nothing goes to NCMEC.
    const unsent = await decideExploitation(server.app);
    const calls = ispws.calls.length;
    expect((await withdraw(unsent.record.id)).data.withdrawNcmecReport.ncmecReport.status).toBe('WITHDRAWN');
    clock = new Date();
    await run();
    expect(ispws.calls.length).toBe(calls);
    // Finished: a typed error.
    const done = await decideExploitation(server.app);
    await run();
    const refused = await withdraw(done.record.id);
    expect(refused.data.withdrawNcmecReport).toMatchObject({ __typename: 'InvalidTransitionError', message: expect.stringMatching(/cannot be retracted/) });
  });

  it('streams the evidence file to /upload and /fileinfo when its hash matches; a mismatching file never completes', async () => {
    const bytes = randomBytes(100_000);
    const contentId = `content-${hex(4)}`;
    files.set(contentId, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const good = await decideExploitation(server.app, { contentId, mediaHashes: [{ algorithm: 'SHA256', value: sha256 }] });
    clock = new Date();
    await run();
    const attached = await recordOf(server.app, good.record.id);
    expect(attached).toMatchObject({ status: 'SUBMITTED', evidenceOutcome: 'ATTACHED' });
    const sent = ispws.reports.get(attached.externalReportId!)!;
    expect(sent.files).toHaveLength(1);
    expect(sent.files[0]).toMatchObject({ fileId: attached.evidenceFileId, sha256, bytes: bytes.length, md5: createHash('md5').update(bytes).digest('hex') });
    expect(sent.files[0]!.details).toMatchObject({ reportId: attached.externalReportId, fileId: attached.evidenceFileId, originalFileHash: [{ '#text': sha256, '@_hashType': 'SHA256' }] });

    // The store serves a different file than the case's hash: the upload is aborted before it completes.
    const otherId = `content-${hex(4)}`;
    files.set(otherId, randomBytes(50_000));
    const bad = await decideExploitation(server.app, { contentId: otherId, mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] });
    await run();
    const mismatched = await recordOf(server.app, bad.record.id);
    expect(mismatched).toMatchObject({ status: 'SUBMITTED', evidenceOutcome: 'HASH_MISMATCH', evidenceFileId: null });
    expect(ispws.reports.get(mismatched.externalReportId!)!.files).toEqual([]);
    expect(ispws.calls.filter((c) => c.path === '/upload').at(-1)!.answered).toBe('aborted');
    expect(evidence.requests).toContain(otherId);
    expect(await trail(server.app, bad.record.id)).toContain('ncmec.evidence_not_attached');
    // Only a perceptual hash: nothing to check the file against, so it is not fetched.
    const pdqOnly = await decideExploitation(server.app, { mediaHashes: [{ algorithm: 'PDQ', value: hex(32) }] });
    await run();
    expect(await recordOf(server.app, pdqOnly.record.id)).toMatchObject({ status: 'SUBMITTED', evidenceOutcome: 'NO_VERIFIABLE_HASH' });
    expect(evidence.requests).not.toContain(pdqOnly.caseRow.contentId);
  });

  it('the enforcement feed says PRESERVE (with the expiry) before the removal it protects, and RELEASE when the hold ends', async () => {
    const head = Number((await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    const { decision, record } = await decideExploitation(server.app);
    const hold = await server.app.db.prisma.preservationHold.findFirstOrThrow({ where: { ncmecReportId: record.id } });
    const platform = await token('platform', ['PLATFORM']);
    const feed = `query($after: Int) { enforcementFeed(after: $after, first: 100) { items { seq kind decisionId contentId actions holdId preserveUntil } } }`;
    const mine = async () => {
      const res = await server.gql(feed, { after: head }, { token: platform });
      expect(res.errors).toBeUndefined();
      return res.data.enforcementFeed.items.filter((i: any) => i.decisionId === decision.id);
    };
    const items = await mine();
    expect(items.map((i: any) => i.kind)).toEqual(['PRESERVE', 'APPLY']);
    expect(items[0]).toMatchObject({ holdId: hold.id, preserveUntil: hold.expiresAt.toISOString(), actions: [] });
    expect(items[1].actions).toEqual(['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
    // A year on, the hold ends.
    const later = { ...server.app.serviceContext({ kind: 'SYSTEM', id: 'preservation-expiry' }), now: () => new Date(hold.expiresAt.getTime() + 1) };
    expect(await releaseExpiredHolds(later)).toBeGreaterThanOrEqual(1);
    expect((await mine()).map((i: any) => i.kind)).toEqual(['PRESERVE', 'APPLY', 'RELEASE']);
    // Paged one event at a time, the PRESERVE still comes with (before) the APPLY.
    const paged = await enforcementFeed(server.app.db.prisma, head, 1);
    expect(paged.items.map((i) => i.kind)).toEqual(['PRESERVE', 'APPLY']);
  });
});

describe('credentials refused (2000, 3100)', () => {
  let ispws: FakeIspws;
  let server: TestServer;
  beforeAll(async () => {
    ispws = await startFakeIspws();
    server = await startServer({ NCMEC_API_URL: ispws.url, NCMEC_USERNAME: ispws.username, NCMEC_PASSWORD: ispws.password, LEASE_SWEEP_MS: '200', METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await server?.close();
    await ispws?.close();
  });
  const readyz = async () => (await fetch(new URL('/readyz', server.url))).json() as Promise<any>;
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(server.app.metricsUrl()!)).text())?.[1]);

  it('stops sending, alerts (metric, /readyz), loses nothing, and resumes once NCMEC accepts the credentials', async () => {
    const good = ispws.password;
    ispws.password = 'rotated-at-ncmec';
    const first = await decideExploitation(server.app);
    await expect.poll(async () => (await recordOf(server.app, first.record.id)).status, { timeout: 10_000 }).toBe('FAILED');
    expect(await recordOf(server.app, first.record.id)).toMatchObject({ responseCode: 2000, externalReportId: null });
    await expect.poll(metric.bind(null, 'ncmec_submission_halted'), { timeout: 5_000 }).toBe(1);
    expect(await readyz()).toMatchObject({ status: 'ready', cybertipline: { status: 'halted', responseCode: 2000 } });
    // While halted, a new record is kept and nothing is submitted; only /status is asked.
    const second = await decideExploitation(server.app);
    await new Promise((r) => setTimeout(r, 800));
    expect(ispws.calls.filter((c) => c.path === '/submit')).toHaveLength(1);
    expect(ispws.calls.filter((c) => c.path === '/status').length).toBeGreaterThanOrEqual(1);
    expect((await recordOf(server.app, second.record.id)).status).toBe('AWAITING_SUBMISSION');
    expect(await metric('ncmec_unsent_reports')).toBe(2);
    expect(await metric('ncmec_oldest_unsent_report_age_seconds')).toBeGreaterThan(0);
    // Fixed at NCMEC's end: both are filed.
    ispws.password = good;
    for (const id of [first.record.id, second.record.id]) {
      await expect.poll(async () => (await recordOf(server.app, id)).status, { timeout: 10_000 }).toBe('SUBMITTED');
    }
    const healthy = await readyz();
    expect(healthy).toMatchObject({ status: 'ready' });
    expect(healthy).not.toHaveProperty('cybertipline');
    expect(await metric('ncmec_submission_halted')).toBe(0);
    expect(await metric('ncmec_unsent_reports')).toBe(0);

    // No submission authorization (3100): the same.
    ispws.authorized = false;
    const third = await decideExploitation(server.app);
    await expect.poll(async () => (await readyz()).cybertipline, { timeout: 10_000 }).toMatchObject({ status: 'halted', responseCode: 3100 });
    // Sending halts before the record's failure is written (so nothing else goes out meanwhile): wait for the record too.
    await expect.poll(async () => recordOf(server.app, third.record.id), { timeout: 10_000 }).toMatchObject({ status: 'FAILED', responseCode: 3100 });
    ispws.authorized = true;
    await expect.poll(async () => (await recordOf(server.app, third.record.id)).status, { timeout: 10_000 }).toBe('SUBMITTED');
  });
});

describe('production with no CyberTipline configured', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  const lines: string[] = [];
  beforeAll(async () => {
    database = await freshDatabase();
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info', LEASE_SWEEP_MS: '600000', METRICS_PORT: '0', REDIS_KEY_PREFIX: `test-${hex(4)}:` });
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    app = await buildApp({ config, database: database.db, logger });
    url = `http://127.0.0.1:${(await app.start(0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('warns loudly, keeps the record visibly unsent with no external id, counts it in /metrics, and never as filed', async () => {
    expect(lines.some((l) => /WARNING: no CyberTipline configured/.test(l) && /"level":40/.test(l))).toBe(true);
    const { record } = await decideExploitation(app);
    await app.jobs.runOnce();
    expect(await recordOf(app, record.id)).toMatchObject({ status: 'AWAITING_SUBMISSION', externalReportId: null, submittedAt: null, attempts: 0 });
    const metrics = await (await fetch(app.metricsUrl()!)).text();
    expect(metrics).toMatch(/^ncmec_unsent_reports 1$/m);
    expect(metrics).toMatch(/^ncmec_configured 0$/m);
    expect(Number(/^ncmec_oldest_unsent_report_age_seconds (\S+)$/m.exec(metrics)![1])).toBeGreaterThan(0);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ cybertipline: { status: 'not configured' } });
    const period = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
    expect((await transparencyReport(app.db.prisma, period, new Date())).ncmecReportsFiled).toBe(0);

    // A liaison files by hand and records NCMEC's report number.
    const liaison = await token('liaison-p', ['LAW_ENFORCEMENT_LIAISON']);
    const gql = (query: string, variables: Record<string, unknown>) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${liaison}` }, body: JSON.stringify({ query, variables }) }).then((r) => r.json() as Promise<any>);
    const recordManual = `mutation($id: ID!, $n: String!) { recordManualCyberTipSubmission(id: $id, reportNumber: $n) { __typename ... on Error { message } ... on RecordManualCyberTipSubmissionSuccess { ncmecReport { status externalReportId submissionChannel } } } }`;
    expect((await gql(recordManual, { id: record.id, n: 'not-a-number' })).data.recordManualCyberTipSubmission.__typename).toBe('ValidationError');
    const recorded = await gql(recordManual, { id: record.id, n: '987654321' });
    expect(recorded.data.recordManualCyberTipSubmission.ncmecReport).toEqual({ status: 'SUBMITTED', externalReportId: '987654321', submissionChannel: 'MANUAL' });
    const audit = await app.db.prisma.auditEvent.findFirstOrThrow({ where: { entityId: record.id, action: 'ncmec.manual_submission_recorded' } });
    expect(audit).toMatchObject({ actorId: 'liaison-p', changes: expect.objectContaining({ externalReportId: '987654321', channel: 'MANUAL' }) });
    expect((await transparencyReport(app.db.prisma, period, new Date())).ncmecReportsFiled).toBe(1);
    expect(await (await fetch(app.metricsUrl()!)).text()).toMatch(/^ncmec_unsent_reports 0$/m);
  });
});

describe('configuration', () => {
  const base = { NCMEC_USERNAME: 'u', NCMEC_PASSWORD: 'p' };
  it('accepts https, and http only on loopback hosts', () => {
    expect(loadConfig({ ...base, NCMEC_API_URL: 'https://exttest.cybertip.org/ispws' }).NCMEC_API_URL).toBe('https://exttest.cybertip.org/ispws');
    expect(loadConfig({ ...base, NCMEC_API_URL: 'http://127.0.0.1:9999/ispws' }).NCMEC_API_URL).toBe('http://127.0.0.1:9999/ispws');
    expect(loadConfig({ ...base, NCMEC_API_URL: 'http://localhost:9999/ispws' }).NCMEC_API_URL).toBe('http://localhost:9999/ispws');
    expect(() => loadConfig({ ...base, NCMEC_API_URL: 'http://report.cybertip.org/ispws' })).toThrow(/NCMEC_API_URL must be an https:\/\/ URL/);
    expect(() => loadConfig({ ...base, NCMEC_API_URL: 'not a url' })).toThrow(/NCMEC_API_URL must be a URL/);
  });
  it('needs URL, username and password together; the evidence URL needs {contentId}', () => {
    expect(() => loadConfig({ NCMEC_API_URL: 'https://exttest.cybertip.org/ispws' })).toThrow(/NCMEC_USERNAME must be set too/);
    expect(() => loadConfig({ NCMEC_PASSWORD: 'p' })).toThrow(/NCMEC_API_URL must be set too/);
    const ok = { ...base, NCMEC_API_URL: 'https://exttest.cybertip.org/ispws' };
    expect(() => loadConfig({ ...ok, NCMEC_EVIDENCE_URL: 'https://store.example/evidence' })).toThrow(/NCMEC_EVIDENCE_URL must contain \{contentId\}/);
    expect(() => loadConfig({ NCMEC_EVIDENCE_URL: 'https://store.example/{contentId}' })).toThrow(/NCMEC_EVIDENCE_URL needs NCMEC_API_URL/);
    expect(() => loadConfig({ ...ok, NCMEC_REPORTER_EMAIL: 'nope' })).toThrow(/NCMEC_REPORTER_EMAIL must be an email address/);
    const defaults = loadConfig({});
    expect(defaults.NCMEC_API_URL).toBeUndefined();
    expect(defaults).toMatchObject({ NCMEC_REPORTER_FIRST_NAME: 'Trust and Safety', NCMEC_ESP_SERVICE: 'Platform', NCMEC_ATTEMPT_TIMEOUT_MS: 300_000 });
  });
});
