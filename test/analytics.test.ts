// Transparency figures on a small data set built through the real services with a controlled clock. Every expected
// number below is worked out by hand from the timeline in the comments, not copied from output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOperations, freshDatabase, hex, startServer, token, TEST_SECRET, type TestDatabase, type TestServer } from './support/harness.js';
import type { Actor, ServiceContext } from '../src/services/context.js';
import { CyberTipline, submitPendingNcmecReports } from '../src/services/ncmec.js';
import { createLogger } from '../src/logger.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';
import { submitReport } from '../src/services/intake.js';
import { claimNextCase, releaseCase } from '../src/services/claims.js';
import { submitAssessment } from '../src/services/assessments.js';
import { decideCase } from '../src/services/decisions.js';
import { decideAppeal, submitAppeal } from '../src/services/appeals.js';
import { ensureReviewer } from '../src/services/reviewers.js';
import { queueHealth, transparencyReport } from '../src/services/analytics.js';
import type { Role, Category, QueueName } from '../src/policy/index.js';
import { PdqBankIndex } from '../src/matching/bank-index.js';
import { PDQ_DEFAULT_MAX_DISTANCE } from '../src/matching/pdq.js';

let database: TestDatabase;
let server: TestServer;
let clock = new Date();
let ispws: FakeIspws;
let ncmec: CyberTipline;

const at = (iso: string) => (clock = new Date(iso));
const user = (id: string, roles: Role[]): Actor => ({ kind: 'USER', id, name: `User ${id}`, roles });
const reviewer = user('rev-a', ['REVIEWER']);
const specialist = user('spec-a', ['CHILD_SAFETY_SPECIALIST']);
const appeals = user('appeals-a', ['APPEALS_REVIEWER']);
const appeals2 = user('appeals-b', ['APPEALS_REVIEWER']);
const platform = user('platform', ['PLATFORM']);

function ctx(actor: Actor): ServiceContext {
  return {
    prisma: database.db.prisma,
    actor,
    requestId: null,
    now: () => clock,
    events: { publish() {} },
    settings: { leaseMinutes: 30, dailyExposureCap: 100, secret: TEST_SECRET },
    ncmec,
    hashBanks: new PdqBankIndex(database.db.prisma, PDQ_DEFAULT_MAX_DISTANCE),
  };
}

const anonymous = (address: string): Actor => ({ kind: 'ANONYMOUS', clientAddress: address });

async function report(when: string, category: Category, extra: Record<string, unknown> = {}, address = '192.0.2.1') {
  at(when);
  const result = await submitReport(ctx(anonymous(address)), {
    contentId: `content-${hex(4)}`,
    category,
    description: 'placeholder description',
    reportedAccountId: `account-${hex(4)}`,
    ...extra,
  });
  return result.report.caseId;
}

const FACTORS: Record<Category, Record<string, unknown>> = {
  MINOR_PHYSICAL_ALTERCATION: { ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false },
  CHILD_SEXUAL_EXPLOITATION: { ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' },
  PHYSICAL_CHILD_ABUSE_MEDIA: { ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'NEWSWORTHY' },
};

/** Claims the case (the only one waiting in its queue), assesses it and decides at `when`. */
async function decide(caseId: string, when: string, actor: Actor, queue: QueueName, actions: string[], justification?: string) {
  at(when);
  const claimed = await claimNextCase(ctx(actor), queue);
  expect(claimed.case.id).toBe(caseId);
  const found = await database.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
  await submitAssessment(ctx(actor), { caseId, category: found.category, ...FACTORS[found.category] } as never);
  const version = (await database.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
  return (await decideCase(ctx(actor), { caseId, expectedVersion: version, actions: actions as never, justification })).decision;
}

async function appeal(decisionId: string, caseId: string, when: string) {
  at(when);
  const account = (await database.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).reportedAccountId;
  return submitAppeal(ctx(platform), { decisionId, appellantAccountId: account, statement: 'placeholder statement' });
}

async function decideTheAppeal(appealId: string, when: string, outcome: 'UPHELD' | 'OVERTURNED') {
  at(when);
  await claimNextCase(ctx(appeals), 'APPEALS');
  await decideAppeal(ctx(appeals), { appealId, outcome, reason: 'placeholder reason' });
}

const ALT = 'MINOR_PHYSICAL_ALTERCATION' as const;

beforeAll(async () => {
  database = await freshDatabase();
  ispws = await startFakeIspws();
  ncmec = new CyberTipline({
    apiUrl: ispws.url,
    username: ispws.username,
    password: ispws.password,
    reporter: { firstName: 'Trust and Safety', lastName: 'Team' },
    espService: 'Platform',
    evidenceUrl: null,
    retryBaseMs: 1000,
    attemptTimeoutMs: 30_000,
    logger: createLogger('silent'),
  });
  for (const a of [reviewer, specialist, appeals, appeals2, platform]) if (a.kind === 'USER') await ensureReviewer(database.db.prisma, a);

  // A: reported 31 Dec 23:00 (before the period), first decided 1 Jan 00:00 → 1 h, within the 24 h P3 SLA.
  const A = await report('2025-12-31T23:00:00Z', ALT);
  await decide(A, '2026-01-01T00:00:00Z', reviewer, ALT, ['SENSITIVE_MEDIA_LABEL']);
  // B: two reports (5 Jan 00:00 and 00:30, different reporters) fold into one case; decided 02:00 → 2 h; removed
  // against the recommended label (with a justification). Appealed 12 Jan, overturned 13 Jan.
  const B = await report('2026-01-05T00:00:00Z', ALT);
  const contentB = (await database.db.prisma.case.findUniqueOrThrow({ where: { id: B } })).contentId;
  expect(await report('2026-01-05T00:30:00Z', ALT, { contentId: contentB }, '192.0.2.2')).toBe(B);
  const decisionB = await decide(B, '2026-01-05T02:00:00Z', reviewer, ALT, ['REMOVE_CONTENT'], 'placeholder justification');
  // I: exploitation reported 8 Jan 00:00 (P1, 60 min SLA), decided 00:30 → 30 min; the CyberTipline report is filed.
  const I = await report('2026-01-08T00:00:00Z', 'CHILD_SEXUAL_EXPLOITATION');
  await decide(I, '2026-01-08T00:30:00Z', specialist, 'CHILD_SEXUAL_EXPLOITATION', ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
  await submitPendingNcmecReports(ctx({ kind: 'SYSTEM', id: 'test' }));
  // The decision also starts a submission after commit; wait until one of the two has filed it.
  for (let i = 0; (await database.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId: I } })).status !== 'SUBMITTED'; i++) {
    if (i > 100) throw new Error('the NCMEC report was not submitted');
    await new Promise((r) => setTimeout(r, 50));
  }
  // C: 10 Jan, decided after 3 h. D: 15 Jan, after 10 h. E: 20 Jan, after 30 h (SLA breached).
  const C = await report('2026-01-10T00:00:00Z', ALT);
  await decide(C, '2026-01-10T03:00:00Z', reviewer, ALT, ['SENSITIVE_MEDIA_LABEL']);
  const D = await report('2026-01-15T00:00:00Z', ALT);
  const decisionD = await decide(D, '2026-01-15T10:00:00Z', reviewer, ALT, ['SENSITIVE_MEDIA_LABEL']);
  const E = await report('2026-01-20T00:00:00Z', ALT);
  const decisionE = await decide(E, '2026-01-21T06:00:00Z', reviewer, ALT, ['REMOVE_CONTENT'], 'placeholder justification');
  // Appeals: B overturned in January; E upheld in January; D received in January, decided 3 Feb.
  const appealB = await appeal(decisionB.id, B, '2026-01-12T00:00:00Z');
  await decideTheAppeal(appealB.id, '2026-01-13T00:00:00Z', 'OVERTURNED');
  const appealD = await appeal(decisionD.id, D, '2026-01-20T00:00:00Z');
  const appealE = await appeal(decisionE.id, E, '2026-01-25T00:00:00Z');
  // D's appeal waits first in the queue: a second appeals reviewer holds it while E's is decided, then lets it go.
  at('2026-01-26T00:00:00Z');
  expect((await claimNextCase(ctx(appeals2), 'APPEALS')).case.id).toBe(D);
  await decideTheAppeal(appealE.id, '2026-01-26T00:00:00Z', 'UPHELD');
  await releaseCase(ctx(appeals2), D);
  // G: abuse media with a child at immediate risk, 25 Jan: the immediate-risk queue; a specialist confirms the risk
  // (the referral) and lets the case go; never decided.
  const G = await report('2026-01-25T00:00:00Z', 'PHYSICAL_CHILD_ABUSE_MEDIA', { childAtImmediateRisk: true });
  expect((await claimNextCase(ctx(specialist), 'IMMEDIATE_RISK')).case.id).toBe(G);
  await submitAssessment(ctx(specialist), { caseId: G, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ...FACTORS.PHYSICAL_CHILD_ABUSE_MEDIA, childAtImmediateRisk: true } as never);
  await releaseCase(ctx(specialist), G);
  // F: reported 31 Jan 20:00, decided 1 Feb 00:00 exactly — outside [1 Jan, 1 Feb): 4 h, counted in February.
  const F = await report('2026-01-31T20:00:00Z', ALT);
  await decide(F, '2026-02-01T00:00:00Z', reviewer, ALT, ['SENSITIVE_MEDIA_LABEL']);
  // D's appeal upheld 3 Feb.
  at('2026-02-03T00:00:00Z');
  await claimNextCase(ctx(appeals), 'APPEALS');
  await decideAppeal(ctx(appeals), { appealId: appealD.id, outcome: 'UPHELD', reason: 'placeholder reason' });
  // H: 2 Feb, waiting. J: 5 Feb 00:00, waiting; at 00:10 the reviewer claims the most urgent altercation case (H).
  await report('2026-02-02T00:00:00Z', ALT);
  await report('2026-02-05T00:00:00Z', ALT);
  at('2026-02-05T00:10:00Z');
  await claimNextCase(ctx(reviewer), ALT);

  server = await startServer({}, database);
}, 120_000);

afterAll(async () => {
  await ispws?.close();
  await server?.close();
  await database?.drop();
});

const JANUARY = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

describe('transparency report', () => {
  it('matches the hand-computed figures for January, over HTTP with an analyst token', async () => {
    const res = await server.gql((await clientOperations('analytics.graphql')).replace(/query QueueHealth[\s\S]*$/, ''), JANUARY, { token: await token('analyst-1', ['ANALYST']) });
    expect(res.errors).toBeUndefined();
    const r = res.data.transparencyReport;
    expect(r.from).toBe(JANUARY.from);
    expect(r.to).toBe(JANUARY.to);
    // Reports in January: B×2, C, D, E, F (altercation), G (abuse media), I (exploitation). A's is from December.
    expect(r.reportsReceived).toEqual([
      { category: 'CHILD_SEXUAL_EXPLOITATION', count: 1 },
      { category: 'PHYSICAL_CHILD_ABUSE_MEDIA', count: 1 },
      { category: 'MINOR_PHYSICAL_ALTERCATION', count: 6 },
    ]);
    // Cases opened: B, I, C, D, E, G, F.
    expect(r.casesOpened).toBe(7);
    // Decisions: labels A, C, D; removals B, E; exploitation I removes and suspends. F's decision is in February.
    expect(r.decisions).toEqual(
      expect.arrayContaining([
        { action: 'SENSITIVE_MEDIA_LABEL', category: ALT, count: 3 },
        { action: 'REMOVE_CONTENT', category: ALT, count: 2 },
        { action: 'REMOVE_CONTENT', category: 'CHILD_SEXUAL_EXPLOITATION', count: 1 },
        { action: 'SUSPEND_ACCOUNT', category: 'CHILD_SEXUAL_EXPLOITATION', count: 1 },
      ]),
    );
    expect(r.decisions).toHaveLength(4);
    // Times to first decision (s): I 1800, A 3600, B 7200, C 10800, D 36000, E 108000.
    // Median of six = (7200 + 10800) / 2 = 9000. p90: position 0.9 × 5 = 4.5, so 36000 + 0.5 × (108000 − 36000) = 72000.
    expect(r.timeToActionSeconds).toEqual({ median: 9000, p90: 72000 });
    // Within SLA: all but E (30 h against 24 h) → 5 / 6.
    expect(r.decidedWithinSlaRatio).toBeCloseTo(5 / 6, 10);
    // Appeals received B, D, E; decided in January B (overturned) and E (upheld) → 1 / 2.
    expect(r.appeals).toEqual({ received: 3, decided: 2, overturned: 1, reversalRate: 0.5 });
    expect(r.ncmecReportsFiled).toBe(1);
    expect(r.lawEnforcementReferrals).toBe(1);
  });

  it('exports the same figures as CSV', async () => {
    const res = await server.gql('query ($from: DateTime!, $to: DateTime!) { transparencyReport(from: $from, to: $to) { csv } }', JANUARY, {
      token: await token('lead-1', ['LEAD']),
    });
    const lines = res.data.transparencyReport.csv.trim().split('\r\n');
    expect(lines[0]).toBe('metric,category,action,value');
    expect(lines).toContain('reports_received,MINOR_PHYSICAL_ALTERCATION,,6');
    expect(lines).toContain('decisions,MINOR_PHYSICAL_ALTERCATION,SENSITIVE_MEDIA_LABEL,3');
    expect(lines).toContain('time_to_action_median_seconds,,,9000');
    expect(lines).toContain('appeal_reversal_rate,,,0.5');
    expect(lines).toContain(`period_from,,,${JANUARY.from}`);
  });

  it('buckets the figures by month and by week, zeros included', async () => {
    const analyst = await token('analyst-1', ['ANALYST']);
    const query = `query ($from: DateTime!, $to: DateTime!, $bucket: TimeBucket!) {
      transparencySeries(from: $from, to: $to, bucket: $bucket) {
        bucketStart reportsReceived casesOpened casesDecided medianTimeToActionSeconds appealsReceived appealsOverturned ncmecReportsFiled lawEnforcementReferrals
      }
    }`;
    const months = await server.gql(query, { from: '2025-12-01T00:00:00Z', to: '2026-03-01T00:00:00Z', bucket: 'MONTH' }, { token: analyst });
    expect(months.errors).toBeUndefined();
    expect(months.data.transparencySeries).toEqual([
      // December: A's report and case.
      { bucketStart: '2025-12-01T00:00:00.000Z', reportsReceived: 1, casesOpened: 1, casesDecided: 0, medianTimeToActionSeconds: null, appealsReceived: 0, appealsOverturned: 0, ncmecReportsFiled: 0, lawEnforcementReferrals: 0 },
      // January: as the report above, plus A's decision.
      { bucketStart: '2026-01-01T00:00:00.000Z', reportsReceived: 8, casesOpened: 7, casesDecided: 6, medianTimeToActionSeconds: 9000, appealsReceived: 3, appealsOverturned: 1, ncmecReportsFiled: 1, lawEnforcementReferrals: 1 },
      // February: H and J reported; F decided after 4 h.
      { bucketStart: '2026-02-01T00:00:00.000Z', reportsReceived: 2, casesOpened: 2, casesDecided: 1, medianTimeToActionSeconds: 14400, appealsReceived: 0, appealsOverturned: 0, ncmecReportsFiled: 0, lawEnforcementReferrals: 0 },
    ]);
    // Weeks start on Monday: 1 January 2026 is a Thursday, so the first bucket starts 29 December and holds only A's
    // decision (A's report, 31 December, is before the period).
    const weeks = await server.gql(query, { ...JANUARY, bucket: 'WEEK' }, { token: analyst });
    const points = weeks.data.transparencySeries;
    expect(points.map((p: { bucketStart: string }) => p.bucketStart.slice(0, 10))).toEqual(['2025-12-29', '2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26']);
    expect(points[0]).toMatchObject({ reportsReceived: 0, casesDecided: 1, medianTimeToActionSeconds: 3600 });
    // Week of 5 January: B×2 and I reported; B (2 h) and I (30 min) decided; C (10 Jan, 3 h) too → median 7200.
    expect(points[1]).toMatchObject({ reportsReceived: 4, casesOpened: 3, casesDecided: 3, medianTimeToActionSeconds: 7200, ncmecReportsFiled: 1 });
  });

  it('refuses a backwards period and too many buckets with a validation error', async () => {
    const lead = await token('lead-1', ['LEAD']);
    const backwards = await server.gql('{ transparencyReport(from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { casesOpened } }', {}, { token: lead });
    expect(backwards.errors?.[0]).toMatchObject({ message: expect.stringMatching(/to: must be after from/), extensions: { code: 'VALIDATION_FAILED' } });
    const many = await server.gql('{ transparencySeries(from: "2023-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z", bucket: DAY) { bucketStart } }', {}, { token: lead });
    expect(many.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('is refused to reviewers, platforms and anonymous callers', async () => {
    const query = (await clientOperations('analytics.graphql')).replace(/query QueueHealth[\s\S]*$/, '');
    for (const t of [await token('rev-x', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']), await token('p', ['PLATFORM']), undefined]) {
      const res = await server.gql(query, JANUARY, t ? { token: t } : {});
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe(t ? 'FORBIDDEN' : 'UNAUTHENTICATED');
    }
  });
});

describe('stored figures of closed days', () => {
  it('give the same report as counting live, for periods that start and end mid-day', async () => {
    const prisma = database.db.prisma;
    const periods = [
      JANUARY,
      { from: '2025-12-31T22:30:00.000Z', to: '2026-01-15T05:00:00.000Z' },
      { from: '2026-01-05T00:15:00.000Z', to: '2026-01-05T01:00:00.000Z' },
      { from: '2026-01-12T12:00:00.000Z', to: '2026-02-06T00:00:00.000Z' },
      { from: '2025-12-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
    ].map((p) => ({ from: new Date(p.from), to: new Date(p.to) }));
    // With "now" before every period no day is closed, so everything is counted live.
    const before = new Date('2025-01-01T00:00:00Z');
    const now = new Date('2026-11-25T00:00:00Z');
    for (const period of periods) {
      const counted = await transparencyReport(prisma, period, before);
      const stored = await transparencyReport(prisma, period, now);
      expect({ ...stored, generatedAt: null }).toEqual({ ...counted, generatedAt: null });
    }
    // Every whole closed day in those periods now has its figures stored, once.
    const days = await prisma.dailyFigureDay.findMany({ orderBy: { day: 'asc' } });
    expect(days[0]!.day.toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(days.at(-1)!.day.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(days).toHaveLength(31 + 31 + 28);
    const stored = await prisma.dailyFigure.findMany({ where: { metric: 'reports', day: new Date('2026-01-05T00:00:00Z') } });
    expect(stored).toEqual([{ day: new Date('2026-01-05T00:00:00Z'), metric: 'reports', category: ALT, action: '', count: 2 }]);
  });

  it('counts the current day live until it has been closed for an hour', async () => {
    const prisma = database.db.prisma;
    const period = { from: new Date('2026-02-05T00:00:00Z'), to: new Date('2026-02-06T00:00:00Z') };
    // J was reported 5 Feb; at 00:30 on 6 Feb that day is not yet closed, so it is counted live.
    const early = await transparencyReport(prisma, period, new Date('2026-02-06T00:30:00Z'));
    expect(early.casesOpened).toBe(1);
  });
});

describe('queue health', () => {
  it('counts waiting, claimed, oldest and SLA breaches per queue at a given moment', async () => {
    const health = await queueHealth(database.db.prisma, new Date('2026-02-05T00:20:00Z'));
    const by = Object.fromEntries(health.map((q) => [q.queue, q]));
    expect(health.map((q) => q.queue)).toEqual(['IMMEDIATE_RISK', 'CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION', 'APPEALS']);
    // G waits in the immediate-risk queue, 15 min SLA long past.
    expect(by.IMMEDIATE_RISK).toEqual({ queue: 'IMMEDIATE_RISK', open: 1, claimed: 0, oldestOpenSince: new Date('2026-01-25T00:00:00Z'), breachingSla: 1 });
    // H (claimed at 00:10 with a 30 min lease; due 3 Feb, breaching) and J (due 6 Feb).
    expect(by.MINOR_PHYSICAL_ALTERCATION).toEqual({ queue: ALT, open: 2, claimed: 1, oldestOpenSince: new Date('2026-02-02T00:00:00Z'), breachingSla: 1 });
    expect(by.APPEALS).toEqual({ queue: 'APPEALS', open: 0, claimed: 0, oldestOpenSince: null, breachingSla: 0 });
    // After the lease runs out the case still waits but is no longer claimed.
    const later = await queueHealth(database.db.prisma, new Date('2026-02-05T00:41:00Z'));
    expect(later.find((q) => q.queue === ALT)).toMatchObject({ open: 2, claimed: 0 });
  });

  it('is served over HTTP as the dashboard sends it', async () => {
    const res = await server.gql((await clientOperations('analytics.graphql')).replace(/^[\s\S]*(query QueueHealth)/, '$1'), {}, { token: await token('analyst-1', ['ANALYST']) });
    expect(res.errors).toBeUndefined();
    expect(res.data.queueHealth).toHaveLength(5);
    expect(res.data.queueHealth.find((q: { queue: string }) => q.queue === ALT)).toMatchObject({ open: 2, oldestOpenSince: '2026-02-02T00:00:00.000Z' });
  });
});
