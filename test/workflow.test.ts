// The whole life of a case, through HTTP, with the client operations exactly as the clients send them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient, auditedMutations } from './support/client.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';

let server: TestServer;
let ispws: FakeIspws;
let client: ContractClient;
const t = {} as Record<'specialist' | 'specialist2' | 'reviewer' | 'appeals' | 'lead' | 'platform' | 'liaison', string>;

beforeAll(async () => {
  ispws = await startFakeIspws();
  server = await startServer({ NCMEC_API_URL: ispws.url, NCMEC_USERNAME: ispws.username, NCMEC_PASSWORD: ispws.password });
  client = await new ContractClient(server).load();
  t.specialist = await token('spec-1', ['CHILD_SAFETY_SPECIALIST'], 'Specialist One');
  t.specialist2 = await token('spec-2', ['CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER'], 'Specialist Two');
  t.reviewer = await token('rev-1', ['REVIEWER'], 'Reviewer One');
  t.appeals = await token('app-1', ['APPEALS_REVIEWER'], 'Appeals One');
  t.lead = await token('lead-1', ['LEAD'], 'Lead One');
  t.platform = await token('platform', ['PLATFORM'], 'Platform service');
  t.liaison = await token('liaison-1', ['LAW_ENFORCEMENT_LIAISON'], 'Liaison One');
});
afterAll(async () => {
  await server?.close();
  await ispws?.close();
});

const report = (over: Record<string, unknown>): Record<string, unknown> => ({
  contentId: `content-${hex(4)}`,
  category: 'MINOR_PHYSICAL_ALTERCATION',
  description: 'placeholder description',
  ...over,
});

async function submit(input: Record<string, unknown>, tokenValue?: string) {
  const res = await client.op('SubmitReport', { input }, tokenValue);
  expect(res.errors).toBeUndefined();
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return res.data.submitReport;
}

async function caseOfReport(reportId: string) {
  return server.app.db.prisma.report.findUniqueOrThrow({ where: { id: reportId }, include: { case: true } }).then((r) => r.case);
}

async function claim(queue: string, tokenValue: string) {
  const res = await client.op('ClaimNextCase', { queue }, tokenValue);
  expect(res.errors).toBeUndefined();
  return res.data.claimNextCase;
}

async function detail(id: string, tokenValue: string) {
  const res = await client.op('CaseDetail', { id }, tokenValue);
  expect(res.errors).toBeUndefined();
  return res.data.case;
}

async function assess(input: Record<string, unknown>, tokenValue: string) {
  const res = await client.op('SubmitAssessment', { input }, tokenValue);
  expect(res.errors).toBeUndefined();
  return res.data.submitAssessment;
}

async function decide(caseId: string, actions: string[], tokenValue: string, justification?: string) {
  const current = await detail(caseId, tokenValue);
  const res = await client.op('DecideCase', { input: { caseId, expectedVersion: current.version, actions, justification } }, tokenValue);
  expect(res.errors).toBeUndefined();
  return res.data.decideCase;
}

describe('child sexual exploitation', () => {
  it('report → P1 case for specialists → claim → assess → decide: NCMEC record, 1-year hold → appeal → upheld → closed', async () => {
    const account = `account-${hex(4)}`;
    const filed = await submit(report({ category: 'CHILD_SEXUAL_EXPLOITATION', reportedAccountId: account, mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] }));
    expect(filed.report.status).toBe('RECEIVED');
    expect(filed.guidance.ncmecPhone).toBe('1-800-843-5678');
    expect(filed.guidance.message).toMatch(/do not like, reply to/);

    // A reviewer without the specialist qualification may not work the queue; the refusal names the qualification.
    const refused = await client.op('ClaimNextCase', { queue: 'CHILD_SEXUAL_EXPLOITATION' }, t.reviewer);
    expect(refused.data.claimNextCase).toEqual({ __typename: 'NotQualifiedError', message: 'You are not qualified to work the CHILD_SEXUAL_EXPLOITATION queue: it needs CHILD_SAFETY_SPECIALIST' });

    const claimed = await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist);
    expect(claimed.__typename).toBe('ClaimNextCaseSuccess');
    expect(claimed.case).toMatchObject({ status: 'IN_REVIEW', category: 'CHILD_SEXUAL_EXPLOITATION', queue: 'CHILD_SEXUAL_EXPLOITATION', priority: 'P1', assignee: { id: 'spec-1', name: 'Specialist One' } });
    const caseId = claimed.case.id;

    const preview = await client.op('PreviewRecommendation', { input: { caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED' } }, t.specialist);
    expect(preview.data.recommendation).toMatchObject({ inScope: true, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], ncmecReportRequired: true, preserveEvidenceDays: 365 });

    const assessed = await assess({ caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED', context: null }, t.specialist);
    expect(assessed.__typename).toBe('SubmitAssessmentSuccess');
    expect(assessed.assessment.recommendation.rationale.map((c: { clause: string }) => c.clause)).toContain('CSE-1');

    const decided = await decide(caseId, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.specialist);
    expect(decided.__typename).toBe('DecideCaseSuccess');
    expect(decided.decision).toMatchObject({ deviatesFromRecommendation: false, decidedBy: { id: 'spec-1' } });
    expect(decided.decision.statementOfReasons.ground).toContain('CSE-1');
    expect(decided.decision.statementOfReasons.redress).toMatch(/appeal/);
    expect(decided.case.status).toBe('DECIDED');

    const record = await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId }, include: { holds: true } });
    const days = (record.holds[0]!.expiresAt.getTime() - record.createdAt.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(365);
    // Filed with NCMEC right after the decision committed: /submit, then /finish on NCMEC's id.
    await expect.poll(async () => (await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId } })).status, { timeout: 10_000 }).toBe('SUBMITTED');
    const filedRecord = await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId } });
    const sent = ispws.reports.get(filedRecord.externalReportId!)!;
    expect(sent.finished).toBe(true);
    expect(sent.report.personOrUserReported.espIdentifier).toBe(account);
    expect(sent.xml).not.toContain('placeholder description');

    const oversight = await client.op('NcmecReports', { status: 'SUBMITTED', first: 10 }, t.liaison);
    expect(oversight.errors).toBeUndefined();
    const edge = oversight.data.ncmecReports.edges.find((e: any) => e.node.case.id === caseId);
    expect(edge.node.preservationExpiresAt).toBe(record.holds[0]!.expiresAt.toISOString());

    const appeal = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, appellantAccountId: account, statement: 'placeholder statement' } }, t.platform);
    expect(appeal.data.submitAppeal.__typename).toBe('SubmitAppealSuccess');
    const twice = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, appellantAccountId: account, statement: 'again' } }, t.platform);
    expect(twice.data.submitAppeal).toMatchObject({ __typename: 'AppealNotAllowedError' });

    // The original decider never gets their own case's appeal.
    const own = await client.op('ClaimNextCase', { queue: 'APPEALS' }, await token('spec-1', ['CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER'], 'Specialist One'));
    expect(own.data.claimNextCase.__typename).toBe('NoCaseAvailableError');

    const appealClaim = await claim('APPEALS', t.specialist2);
    expect(appealClaim.case.id).toBe(caseId);
    const upheld = await client.op('DecideAppeal', { input: { appealId: appeal.data.submitAppeal.appeal.id, outcome: 'UPHELD', reason: 'placeholder reason' } }, t.specialist2);
    expect(upheld.data.decideAppeal).toMatchObject({ __typename: 'DecideAppealSuccess', appeal: { status: 'DECIDED', outcome: 'UPHELD', decidedBy: { id: 'spec-2' } }, case: { status: 'CLOSED' } });

    const trail = (await detail(caseId, t.lead)).auditTrail.map((e: { action: string }) => e.action);
    expect(trail).toEqual(expect.arrayContaining(['case.opened', 'report.submitted', 'case.claimed', 'assessment.submitted', 'decision.made', 'ncmec.report_created', 'preservation.hold_created', 'appeal.submitted', 'appeal.decided']));
  });
});

describe('physical child abuse media', () => {
  it('newsworthy, fully clothed, low harm: kept behind a label; the platform appeal is overturned and enforcement reversed', async () => {
    const account = `account-${hex(4)}`;
    const filed = await submit(report({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', reportedAccountId: account }));
    const c = await caseOfReport(filed.report.id);
    expect(c).toMatchObject({ queue: 'PHYSICAL_CHILD_ABUSE_MEDIA', priority: 2 });
    const claimed = await claim('PHYSICAL_CHILD_ABUSE_MEDIA', t.specialist);
    expect(claimed.case.id).toBe(c.id);

    const missing = await client.op('SubmitAssessment', { input: { caseId: c.id, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', severity: 'LOW', context: 'NEWSWORTHY' } }, t.specialist);
    expect(missing.data.submitAssessment.__typename).toBe('ValidationError');
    expect(missing.data.submitAssessment.message).toMatch(/nudity is required/);

    const assessed = await assess({ caseId: c.id, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'NEWSWORTHY' }, t.specialist);
    expect(assessed.assessment.recommendation.actions).toEqual(['SENSITIVE_MEDIA_LABEL']);

    // Deviating needs a written justification.
    const current = await detail(c.id, t.specialist);
    const unjustified = await client.op('DecideCase', { input: { caseId: c.id, expectedVersion: current.version, actions: ['REMOVE_CONTENT'] } }, t.specialist);
    expect(unjustified.data.decideCase.__typename).toBe('ValidationError');
    const stale = await client.op('DecideCase', { input: { caseId: c.id, expectedVersion: current.version - 1, actions: ['SENSITIVE_MEDIA_LABEL'] } }, t.specialist);
    expect(stale.data.decideCase.__typename).toBe('VersionConflictError');

    const decided = await decide(c.id, ['SENSITIVE_MEDIA_LABEL'], t.specialist);
    expect(decided.decision.actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
    expect(await server.app.db.prisma.ncmecReport.count({ where: { caseId: c.id } })).toBe(0);

    const appeal = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, appellantAccountId: account, statement: 'placeholder statement' } }, t.platform);
    expect(appeal.data.submitAppeal.appeal.status).toBe('PENDING');
    await claim('APPEALS', t.specialist2);
    const overturned = await client.op('DecideAppeal', { input: { appealId: appeal.data.submitAppeal.appeal.id, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, t.specialist2);
    expect(overturned.data.decideAppeal.case.status).toBe('CLOSED');
    const decision = await server.app.db.prisma.decision.findUniqueOrThrow({ where: { id: decided.decision.id } });
    expect(decision.reversedAt).not.toBeNull();
    const appealRow = await server.app.db.prisma.appeal.findUniqueOrThrow({ where: { id: appeal.data.submitAppeal.appeal.id } });
    expect((appealRow.statementOfReasons as { decision: string }).decision).toMatch(/reversed/);

    // The platform reads what to carry out and undo from its feed, page by page, and resumes from its cursor.
    const feed = `query($after: Int) { enforcementFeed(after: $after, first: 2) { cursor hasMore items { seq kind decisionId contentId reportedAccountId actions } } }`;
    const items: any[] = [];
    let after = 0;
    for (let page = 0; page < 500; page++) {
      const res = await server.gql(feed, { after }, { token: t.platform });
      expect(res.errors).toBeUndefined();
      items.push(...res.data.enforcementFeed.items);
      after = res.data.enforcementFeed.cursor;
      if (!res.data.enforcementFeed.hasMore) break;
    }
    const mine = items.filter((i) => i.decisionId === decided.decision.id);
    expect(mine.map((i) => i.kind)).toEqual(['APPLY', 'REVERSE']);
    expect(mine[0]).toMatchObject({ reportedAccountId: account, actions: decided.decision.actions });
    expect(JSON.stringify(items)).not.toContain('placeholder');
    expect(items.map((i) => i.seq)).toEqual([...items.map((i) => i.seq)].sort((a, b) => a - b));
  });
});

describe('minors in physical altercation', () => {
  it('reported by the depicted minor: once the reviewer confirms it, higher priority and removal; the appeal is decided by someone else', async () => {
    const account = `account-${hex(4)}`;
    const filed = await submit(report({ reporterRelation: 'DEPICTED_MINOR', reportedAccountId: account, contactEmail: 'reporter@example.invalid' }));
    const c = await caseOfReport(filed.report.id);
    // The relation is the reporter's claim: it weighs nothing until the reviewer confirms it.
    expect(c).toMatchObject({ queue: 'MINOR_PHYSICAL_ALTERCATION', priority: 3, depictedRelationClaimed: true, requestedByDepicted: false });
    const claimed = await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer);
    expect(claimed.case.id).toBe(c.id);

    // Reporter contact is for leads, admins and liaisons only.
    const asReviewer = await client.op('CaseDetail', { id: c.id }, t.reviewer);
    expect(asReviewer.data.case.reports.edges[0].node.description).toBe('placeholder description');
    const identity = await server.gql('query($id: ID!) { case(id: $id) { reports(first: 5) { edges { node { contactEmail } } } } }', { id: c.id }, { token: t.reviewer });
    expect(identity.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const asLead = await server.gql('query($id: ID!) { case(id: $id) { reports(first: 5) { edges { node { contactEmail } } } } }', { id: c.id }, { token: t.lead });
    expect(asLead.data.case.reports.edges[0].node.contactEmail).toBe('reporter@example.invalid');

    const assessed = await assess({ caseId: c.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false, reporterRelationConfirmed: true }, t.reviewer);
    expect(assessed.assessment.recommendation.actions).toEqual(['REMOVE_CONTENT']);
    expect(await caseOfReport(filed.report.id)).toMatchObject({ priority: 2, requestedByDepicted: true });
    const decided = await decide(c.id, ['REMOVE_CONTENT'], t.reviewer);
    expect(decided.decision.statementOfReasons.ground).toContain('MPA-3');

    const appeal = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, appellantAccountId: account, statement: 'placeholder statement' } }, t.platform);
    await claim('APPEALS', t.appeals);
    const done = await client.op('DecideAppeal', { input: { appealId: appeal.data.submitAppeal.appeal.id, outcome: 'UPHELD', reason: 'placeholder reason' } }, t.appeals);
    expect(done.data.decideAppeal.case.status).toBe('CLOSED');
    const status = await client.op('ReportStatus', { token: filed.followUpToken });
    // The account's appeal does not use up the notifier's: they may still appeal the decision on their notice.
    expect(status.data.reportStatus).toMatchObject({ reportId: filed.report.id, status: 'ACTION_TAKEN', appealableUntil: expect.any(String) });
  });

  it('a notifier appeals a no-action decision with their token; an overturn reopens the case', async () => {
    const filed = await submit(report({}));
    const c = await caseOfReport(filed.report.id);
    await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer);
    await assess({ caseId: c.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, t.reviewer);
    const decided = await decide(c.id, ['NO_ACTION'], t.reviewer);
    expect(decided.decision.statementOfReasons.facts).toMatch(/adult/);

    const before = await client.op('ReportStatus', { token: filed.followUpToken });
    expect(before.data.reportStatus.status).toBe('NO_ACTION_TAKEN');
    expect(before.data.reportStatus.appealableUntil).not.toBeNull();

    const wrongToken = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, followUpToken: 'not-a-token', statement: 'placeholder' } });
    expect(wrongToken.data.submitAppeal.__typename).toBe('NotFoundError');
    const appeal = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, followUpToken: filed.followUpToken, statement: 'placeholder statement' } });
    expect(appeal.data.submitAppeal).toMatchObject({ __typename: 'SubmitAppealSuccess', appeal: { status: 'PENDING' } });
    expect((await client.op('ReportStatus', { token: filed.followUpToken })).data.reportStatus.status).toBe('UNDER_APPEAL');

    // The original decider may not decide it, even holding the claim.
    await claim('APPEALS', t.appeals);
    const reopened = await client.op('DecideAppeal', { input: { appealId: appeal.data.submitAppeal.appeal.id, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, t.appeals);
    expect(reopened.data.decideAppeal.case).toMatchObject({ status: 'OPEN' });
    const again = await caseOfReport(filed.report.id);
    expect(again).toMatchObject({ queue: 'MINOR_PHYSICAL_ALTERCATION', status: 'OPEN', assigneeId: null });
  });
});

describe('intake', () => {
  it('a child at immediate risk: P0 in the immediate-risk queue, law-enforcement guidance; a confirmed risk becomes a referral liaisons progress', async () => {
    const filed = await submit(report({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', childAtImmediateRisk: true }));
    expect(filed.guidance.childAtImmediateRisk).toBe(true);
    expect(filed.guidance.message).toMatch(/local law enforcement/);
    const c = await caseOfReport(filed.report.id);
    expect(c).toMatchObject({ queue: 'IMMEDIATE_RISK', priority: 0, childAtImmediateRisk: true });
    expect(c.slaDueAt.getTime() - c.createdAt.getTime()).toBeLessThanOrEqual(60 * 60_000);
    // The reporter's flag asks a specialist to confirm or clear it; it is not yet a referral.
    expect(await server.app.db.prisma.lawEnforcementReferral.findUnique({ where: { caseId: c.id } })).toBeNull();

    const claimed = await claim('IMMEDIATE_RISK', t.specialist);
    expect(claimed.case.id).toBe(c.id);
    await assess({ caseId: c.id, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'NON_ABUSIVE', childAtImmediateRisk: true }, t.specialist);
    const referral = await server.app.db.prisma.lawEnforcementReferral.findUniqueOrThrow({ where: { caseId: c.id } });
    expect(referral.dueAt.getTime()).toBeGreaterThan(referral.createdAt.getTime());
    await client.op('ReleaseCase', { caseId: c.id }, t.specialist);

    const sent = await server.gql(`mutation($input: MarkReferralSentInput!) { markReferralSent(input: $input) { __typename ... on MarkReferralSentSuccess { referral { status } } } }`, { input: { referralId: referral.id, agency: 'placeholder agency', reference: 'placeholder-ref' } }, { token: t.liaison });
    expect(sent.data.markReferralSent).toEqual({ __typename: 'MarkReferralSentSuccess', referral: { status: 'SENT' } });
    const closed = await server.gql(`mutation($input: CloseReferralInput!) { closeReferral(input: $input) { __typename ... on CloseReferralSuccess { referral { status } } } }`, { input: { referralId: referral.id } }, { token: t.liaison });
    expect(closed.data.closeReferral).toEqual({ __typename: 'CloseReferralSuccess', referral: { status: 'CLOSED' } });
    const actions = (await server.app.db.prisma.auditEvent.findMany({ where: { entityId: referral.id } })).map((e) => e.action);
    auditedMutations.set('markReferralSent', actions.includes('referral.sent'));
    auditedMutations.set('closeReferral', actions.includes('referral.closed'));
  });

  it('reports on the same content or the same media hash fold into one case; distinct reporters are counted', async () => {
    const contentId = `content-${hex(4)}`;
    const hash = { algorithm: 'PDQ', value: hex(32) };
    // Distinct reporters are distinct signed-in accounts (or client addresses), never self-asserted account ids.
    const [ra, rb, rc] = await Promise.all(['reporter-a', 'reporter-b', 'reporter-c'].map((id) => token(id, [])));
    const a = await submit(report({ contentId, mediaHashes: [hash], reporterAccountId: 'reporter-a' }), ra);
    const b = await submit(report({ contentId, reporterAccountId: 'reporter-b' }), rb);
    const c = await submit(report({ contentId: `content-${hex(4)}`, mediaHashes: [{ ...hash, value: hash.value.toUpperCase() }], reporterAccountId: 'reporter-c' }), rc);
    const d = await submit(report({ contentId, reporterAccountId: 'reporter-x' }), ra);
    const cases = await Promise.all([a, b, c, d].map((r) => caseOfReport(r.report.id)));
    expect(new Set(cases.map((x) => x.id)).size).toBe(1);
    const folded = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: cases[0]!.id } });
    expect(folded).toMatchObject({ reportCount: 4, distinctReporterCount: 3, priority: 2 });
  });

  it('an idempotency key replays the first result; the same key with another payload is an error', async () => {
    const input = report({ idempotencyKey: `key-${hex(8)}` });
    const first = await submit(input);
    const second = await submit(input);
    expect(second.report.id).toBe(first.report.id);
    expect(second.followUpToken).toBe(first.followUpToken);
    expect(await server.app.db.prisma.report.count({ where: { idempotencyKey: input.idempotencyKey as string } })).toBe(1);
    const reused = await client.op('SubmitReport', { input: { ...input, contentId: 'content-other' } });
    expect(reused.data.submitReport.__typename).toBe('IdempotencyConflictError');
  });

  it('bad input is a typed error naming each field, never a 500', async () => {
    const res = await server.gql(
      'mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on ValidationError { fields { path message } } } }',
      { input: { contentId: '', category: 'CHILD_SEXUAL_EXPLOITATION', description: 'x'.repeat(5001), mediaHashes: [{ algorithm: 'SHA256', value: 'abc' }], contactEmail: 'nope' } },
    );
    expect(res.status).toBe(200);
    const paths = res.data.submitReport.fields.map((f: { path: string }) => f.path).sort();
    expect(paths).toEqual(['contactEmail', 'contentId', 'description', 'mediaHashes.0.value']);
    const unknownCategory = await client.op('SubmitReport', { input: { contentId: 'content-1', category: 'SOMETHING_ELSE' } });
    expect(unknownCategory.errors?.[0]?.message).toMatch(/ChildSafetyCategory/);
    expect(unknownCategory.status).toBeLessThan(500);
  });

  it('an unknown follow-up token learns nothing', async () => {
    const res = await client.op('ReportStatus', { token: 'unknown-token' });
    expect(res.data.reportStatus).toBeNull();
  });
});

describe('workflow guards', () => {
  it('deciding an unclaimed case, or someone else\'s claim, is a typed error', async () => {
    const filed = await submit(report({}));
    const c = await caseOfReport(filed.report.id);
    const unclaimed = await client.op('DecideCase', { input: { caseId: c.id, expectedVersion: c.version, actions: ['NO_ACTION'] } }, t.reviewer);
    expect(unclaimed.data.decideCase.__typename).toBe('InvalidTransitionError');
    const claimed = (await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer)).case;
    const other = await client.op('DecideCase', { input: { caseId: claimed.id, expectedVersion: claimed.version, actions: ['NO_ACTION'] } }, await token('rev-2', ['REVIEWER']));
    expect(other.data.decideCase).toMatchObject({ __typename: 'InvalidTransitionError', message: expect.stringMatching(/another reviewer/) });
    const noAssessment = await client.op('DecideCase', { input: { caseId: claimed.id, expectedVersion: claimed.version, actions: ['NO_ACTION'] } }, t.reviewer);
    expect(noAssessment.data.decideCase.message).toMatch(/Assess/);
    const released = await client.op('ReleaseCase', { caseId: claimed.id }, t.reviewer);
    expect(released.data.releaseCase).toMatchObject({ __typename: 'ReleaseCaseSuccess', case: { status: 'OPEN' } });
  });

  it('an undetermined age needs a lead to decide', async () => {
    await submit(report({}));
    const c = (await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer)).case;
    const assessed = await assess({ caseId: c.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'UNDETERMINED' }, t.reviewer);
    expect(assessed.assessment.recommendation).toMatchObject({ escalate: true, actions: ['NO_ACTION'] });
    const current = await detail(c.id, t.reviewer);
    const res = await client.op('DecideCase', { input: { caseId: c.id, expectedVersion: current.version, actions: ['NO_ACTION'] } }, t.reviewer);
    expect(res.data.decideCase.__typename).toBe('EscalationRequiredError');
  });
});

describe('audit coverage', () => {
  it('renewLease and acknowledgeNcmecReport write audit events too', async () => {
    await submit(report({}));
    const claimed = (await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer)).case;
    const renew = `mutation($id: ID!) { renewLease(caseId: $id) { __typename ... on ClaimNextCaseSuccess { leaseExpiresAt } ... on Error { message } } }`;
    const before = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    const renewed = await server.gql(renew, { id: claimed.id }, { token: t.reviewer });
    expect(renewed.data.renewLease.__typename).toBe('ClaimNextCaseSuccess');
    await client.op('ReleaseCase', { caseId: claimed.id }, t.reviewer);

    const submitted = await server.app.db.prisma.ncmecReport.findFirstOrThrow({ where: { status: 'SUBMITTED' } });
    const ack = await server.gql(`mutation($id: ID!) { acknowledgeNcmecReport(id: $id) { __typename ... on AcknowledgeNcmecReportSuccess { ncmecReport { status } } } }`, { id: submitted.id }, { token: t.liaison });
    expect(ack.data.acknowledgeNcmecReport.ncmecReport.status).toBe('ACKNOWLEDGED');
    const actions = (await server.app.db.prisma.auditEvent.findMany({ where: { seq: { gt: before.seq } } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['case.lease_renewed', 'ncmec.acknowledged']));
    auditedMutations.set('renewLease', actions.includes('case.lease_renewed'));
    auditedMutations.set('acknowledgeNcmecReport', actions.includes('ncmec.acknowledged'));
  });

  it('the CyberTipline mutations (withdraw, resubmit, record a manual filing) write audit events', async () => {
    const exploitation = async () => {
      await submit(report({ category: 'CHILD_SEXUAL_EXPLOITATION', reportedAccountId: `account-${hex(4)}` }));
      const caseId = (await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist)).case.id;
      await assess({ caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' }, t.specialist);
      return caseId;
    };
    const recordOf = (caseId: string) => server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId } });
    const call = async (field: string, document: string, variables: Record<string, unknown>) => {
      const before = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
      const res = await server.gql(document, variables, { token: t.liaison });
      expect(res.data[field].__typename, JSON.stringify(res)).toMatch(/Success$/);
      const after = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
      auditedMutations.set(field, after.seq > before.seq);
    };
    // NCMEC refuses the report (4100): the liaison sends it again after the correction.
    ispws.fail('/submit', { code: 4100, description: 'placeholder validation message' });
    const refused = await exploitation();
    await decide(refused, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.specialist);
    await expect.poll(async () => (await recordOf(refused)).status, { timeout: 10_000 }).toBe('NEEDS_CORRECTION');
    await call('resubmitNcmecReport', `mutation($id: ID!) { resubmitNcmecReport(id: $id) { __typename ... on Error { message } } }`, { id: (await recordOf(refused)).id });
    await expect.poll(async () => (await recordOf(refused)).status, { timeout: 10_000 }).toBe('SUBMITTED');
    // Filed by hand while NCMEC's service was failing, then recorded with NCMEC's report number.
    ispws.fail('/submit', { code: 1000, description: 'Server error' });
    const byHand = await exploitation();
    await decide(byHand, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.specialist);
    await expect.poll(async () => (await recordOf(byHand)).status, { timeout: 10_000 }).toBe('FAILED');
    await call('recordManualCyberTipSubmission', `mutation($id: ID!, $n: String!) { recordManualCyberTipSubmission(id: $id, reportNumber: $n) { __typename ... on Error { message } } }`, { id: (await recordOf(byHand)).id, n: '123456789' });
    expect(await recordOf(byHand)).toMatchObject({ status: 'SUBMITTED', externalReportId: '123456789', submissionChannel: 'MANUAL' });
    // Withdrawn before anything was sent.
    ispws.fail('/submit', { code: 1000, description: 'Server error' });
    const withdrawn = await exploitation();
    await decide(withdrawn, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.specialist);
    await expect.poll(async () => (await recordOf(withdrawn)).status, { timeout: 10_000 }).toBe('FAILED');
    await call('withdrawNcmecReport', `mutation($id: ID!, $reason: String!) { withdrawNcmecReport(id: $id, reason: $reason) { __typename ... on Error { message } } }`, { id: (await recordOf(withdrawn)).id, reason: 'placeholder reason' });
    expect((await recordOf(withdrawn)).status).toBe('WITHDRAWN');
  });

  it('setReviewerAccess writes an audit event with what changed', async () => {
    const admin = await token('admin-1', ['ADMIN'], 'Admin One');
    const before = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    const set = `mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename ... on Error { message } } }`;
    const changed = await server.gql(set, { input: { reviewerId: 'app-1', revokedRoles: ['APPEALS_REVIEWER'], suspended: false } }, { token: admin });
    expect(changed.data.setReviewerAccess.__typename).toBe('SetReviewerAccessSuccess');
    await server.gql(set, { input: { reviewerId: 'app-1', revokedRoles: [], suspended: false } }, { token: admin });
    const self = await server.gql(set, { input: { reviewerId: 'admin-1', revokedRoles: [], suspended: true } }, { token: admin });
    expect(self.data.setReviewerAccess).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringMatching(/cannot suspend themselves/) });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { seq: { gt: before.seq }, action: 'reviewer.access_changed' }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.changes)).toEqual([
      { revokedRoles: { from: [], to: ['APPEALS_REVIEWER'] }, suspended: { from: false, to: false } },
      { revokedRoles: { from: ['APPEALS_REVIEWER'], to: [] }, suspended: { from: false, to: false } },
    ]);
    expect(events[0]).toMatchObject({ actorId: 'admin-1', entityType: 'Reviewer', entityId: 'app-1' });
    auditedMutations.set('setReviewerAccess', events.length === 2);
  });

  it('hash bank changes write audit events with what changed', async () => {
    const admin = await token('admin-1', ['ADMIN'], 'Admin One');
    const before = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    const run = async (field: string, inputType: string, input: Record<string, unknown>) => {
      const res = await server.gql(`mutation($input: ${inputType}!) { ${field}(input: $input) { __typename ... on Error { message } } }`, { input }, { token: admin });
      expect(res.data[field].__typename, JSON.stringify(res.data[field])).not.toMatch(/Error$/);
    };
    await run('createHashBank', 'CreateHashBankInput', { name: 'Audit coverage bank', source: 'placeholder source' });
    const bank = await server.app.db.prisma.hashBank.findUniqueOrThrow({ where: { name: 'Audit coverage bank' } });
    const value = hex(32);
    await run('updateHashBank', 'UpdateHashBankInput', { bankId: bank.id, matchingEnabled: false });
    await run('importHashBank', 'ImportHashBankInput', { bankId: bank.id, algorithm: 'SHA256', content: `${hex(32)}\n${hex(32)}` });
    await run('addBankHash', 'BankHashInput', { bankId: bank.id, algorithm: 'PDQ', value });
    await run('removeBankHash', 'BankHashInput', { bankId: bank.id, algorithm: 'PDQ', value });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { seq: { gt: before.seq }, entityType: 'HashBank' }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.actorId, e.entityId])).toEqual(
      ['hash_bank.created', 'hash_bank.updated', 'hash_bank.imported', 'hash_bank.hash_added', 'hash_bank.hash_removed'].map((a) => [a, 'admin-1', bank.id]),
    );
    expect(events[1]!.changes).toEqual({ matchingEnabled: { from: true, to: false } });
    expect(events[2]!.changes).toMatchObject({ algorithm: 'SHA256', submitted: 2, added: 2, alreadyPresent: 0 });
    expect(events[4]!.changes).toMatchObject({ algorithm: 'PDQ', value });
    const fields = ['createHashBank', 'updateHashBank', 'importHashBank', 'addBankHash', 'removeBankHash'];
    for (const [i, field] of fields.entries()) auditedMutations.set(field, events[i] !== undefined);
  });

  it('a lead claims a chosen case with ClaimCase, as the reviewer UI sends it', async () => {
    const filed = await submit(report({}));
    const chosen = await caseOfReport(filed.report.id);
    const claimed = await client.op('ClaimCase', { id: chosen.id, expectedVersion: chosen.version }, t.lead);
    expect(claimed.errors).toBeUndefined();
    expect(claimed.data.claimCase).toMatchObject({ __typename: 'ClaimCaseSuccess', case: { id: chosen.id, status: 'IN_REVIEW', version: chosen.version + 1, assignee: { id: 'lead-1' } } });
    // A reviewer who is neither a lead nor an appeals reviewer takes the next case instead: refused by scope, as a union member.
    const other = await caseOfReport((await submit(report({}))).report.id);
    const refused = await client.op('ClaimCase', { id: other.id }, t.reviewer);
    expect(refused).toMatchObject({ data: { claimCase: { __typename: 'ForbiddenError', message: 'Not authorized' } } });
    expect(refused.errors).toBeUndefined();
  });

  it('a note added as the reviewer UI sends it and redacted by an admin writes audit events without its body', async () => {
    const chosen = await caseOfReport((await submit(report({}))).report.id);
    const body = `placeholder note ${hex(6)}`;
    const added = await client.op('AddCaseNote', { caseId: chosen.id, body }, t.reviewer);
    expect(added.data.addCaseNote).toMatchObject({ __typename: 'AddCaseNoteSuccess', note: { body, author: { id: 'rev-1' } }, case: { id: chosen.id } });
    const listed = await client.op('CaseNotes', { id: chosen.id }, t.lead);
    expect(listed.data.case.notes.map((n: { body: string }) => n.body)).toEqual([body]);
    const admin = await token('admin-1', ['ADMIN'], 'Admin One');
    const redacted = await client.op('RedactCaseNote', { noteId: added.data.addCaseNote.note.id, reason: 'placeholder reason' }, admin);
    expect(redacted.data.redactCaseNote).toMatchObject({ __typename: 'RedactCaseNoteSuccess', note: { body: null, redacted: true } });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: chosen.id, entityType: 'CaseNote' }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['case.note_added', 'case.note_redacted']);
    expect(JSON.stringify(events.map((e) => e.changes)).includes(body)).toBe(false);
  });

  it('a lead assigns a case to a reviewer, takes it back and moves it, as the reviewer UI sends it', async () => {
    const chosen = await caseOfReport((await submit(report({}))).report.id);
    const assigned = await client.op('AssignCase', { caseId: chosen.id, reviewerId: 'rev-1', expectedVersion: chosen.version }, t.lead);
    expect(assigned.data.assignCase).toMatchObject({ __typename: 'AssignCaseSuccess', case: { id: chosen.id, status: 'IN_REVIEW', assignee: { id: 'rev-1' } } });
    const refused = await client.op('AssignCase', { caseId: chosen.id, reviewerId: 'rev-1', expectedVersion: chosen.version }, t.reviewer);
    expect(refused.data.assignCase).toMatchObject({ __typename: 'ForbiddenError', message: 'Not authorized' });
    const unassigned = await client.op('UnassignCase', { caseId: chosen.id }, t.lead);
    expect(unassigned.data.unassignCase).toMatchObject({ __typename: 'UnassignCaseSuccess', case: { id: chosen.id, status: 'OPEN', assignee: null } });
    const moved = await client.op('MoveCase', { caseId: chosen.id, queue: 'IMMEDIATE_RISK', priority: 'P0', reason: 'placeholder reason' }, t.lead);
    expect(moved.data.moveCase).toMatchObject({ __typename: 'MoveCaseSuccess', case: { id: chosen.id, queue: 'IMMEDIATE_RISK', priority: 'P0' } });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: chosen.id, action: { in: ['case.assigned', 'case.unassigned', 'case.moved'] } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.actorId])).toEqual([
      ['case.assigned', 'lead-1'],
      ['case.unassigned', 'lead-1'],
      ['case.moved', 'lead-1'],
    ]);
  });

  it('a lead moves, releases and closes cases as duplicates in bulk, as the reviewer UI sends it', async () => {
    const original = await caseOfReport((await submit(report({}))).report.id);
    const chosen = [await caseOfReport((await submit(report({}))).report.id), await caseOfReport((await submit(report({}))).report.id)];
    const assigned = await client.op('AssignCase', { caseId: chosen[0]!.id, reviewerId: 'rev-1', expectedVersion: chosen[0]!.version }, t.lead);
    expect(assigned.data.assignCase.__typename).toBe('AssignCaseSuccess');
    const select = { cases: chosen.map((c) => ({ id: c.id })) };
    const moved = await client.op('BulkMoveCases', { input: { select, priority: 'P1', reason: 'placeholder reason' } }, t.lead);
    expect(moved.data.bulkMoveCases).toMatchObject({ __typename: 'BulkCaseActionSuccess', doneCount: 2 });
    const released = await client.op('BulkReleaseCases', { input: { select, idempotencyKey: `release-${hex(6)}` } }, t.lead);
    expect(released.data.bulkReleaseCases).toMatchObject({ __typename: 'BulkCaseActionSuccess', doneCount: 1, unchangedCount: 1 });
    const closed = await client.op('BulkCloseCasesAsDuplicate', { input: { select, duplicateOfId: original.id } }, t.lead);
    expect(closed.data.bulkCloseCasesAsDuplicate).toMatchObject({ __typename: 'BulkCaseActionSuccess', doneCount: 2 });
    const refused = await client.op('BulkReleaseCases', { input: { select } }, t.reviewer);
    expect(refused.data.bulkReleaseCases).toMatchObject({ __typename: 'ForbiddenError', message: 'Not authorized' });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: chosen[0]!.id, action: { in: ['case.moved', 'case.released', 'case.closed_as_duplicate'] } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.actorId])).toEqual([
      ['case.moved', 'lead-1'],
      ['case.released', 'lead-1'],
      ['case.closed_as_duplicate', 'lead-1'],
    ]);
  });

  it('a reviewer escalates the case they hold to the leads, as the reviewer UI sends it', async () => {
    await server.app.db.prisma.case.updateMany({ where: { queue: 'MINOR_PHYSICAL_ALTERCATION', status: 'OPEN', assigneeId: null }, data: { status: 'CLOSED' } });
    await submit(report({}));
    const held = (await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer)).case;
    const escalated = await client.op('EscalateCase', { caseId: held.id, reason: 'placeholder reason' }, t.reviewer);
    expect(escalated.data.escalateCase).toMatchObject({ __typename: 'EscalateCaseSuccess', case: { id: held.id, status: 'OPEN', escalation: { reason: 'REVIEWER_REQUEST', note: 'placeholder reason' } } });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: held.id, action: 'case.escalated' } });
    expect(events.map((e) => e.actorId)).toEqual(['rev-1']);
  });

  it('cases linked by a reviewer, decided together by a lead and unlinked, as the reviewer UI sends it', async () => {
    const first = await caseOfReport((await submit(report({}))).report.id);
    const second = await caseOfReport((await submit(report({}))).report.id);
    const linked = await client.op('LinkCases', { caseId: first.id, linkedCaseId: second.id, reason: 'placeholder reason' }, t.reviewer);
    expect(linked.data.linkCases).toMatchObject({ __typename: 'LinkCasesSuccess', link: { reason: 'placeholder reason', linkedBy: { id: 'rev-1' }, linkedCase: { id: second.id } } });
    const listed = await client.op('CaseLinks', { id: second.id }, t.lead);
    expect(listed.data.case.links.map((l: { linkedCase: { id: string } }) => l.linkedCase.id)).toEqual([first.id]);
    // The lead decides the first case and applies the decision to the second.
    expect((await client.op('ClaimCase', { id: first.id }, t.lead)).data.claimCase.__typename).toBe('ClaimCaseSuccess');
    expect((await assess({ caseId: first.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, t.lead)).__typename).toBe('SubmitAssessmentSuccess');
    expect((await decide(first.id, ['NO_ACTION'], t.lead)).__typename).toBe('DecideCaseSuccess');
    const applied = await client.op('ApplyDecisionToLinkedCases', { input: { caseId: first.id } }, t.lead);
    expect(applied.data.applyDecisionToLinkedCases).toMatchObject({
      __typename: 'ApplyDecisionToLinkedCasesSuccess',
      results: [{ caseId: second.id, applied: true, decision: { actions: ['NO_ACTION'] }, case: { id: second.id, status: 'DECIDED' }, error: null }],
    });
    const unlinked = await client.op('UnlinkCases', { caseId: second.id, linkedCaseId: first.id }, t.reviewer);
    expect(unlinked.data.unlinkCases).toMatchObject({ __typename: 'UnlinkCasesSuccess', case: { id: second.id, links: [] }, linkedCase: { id: first.id, links: [] } });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: { in: [first.id, second.id] }, action: { in: ['case.linked', 'case.unlinked', 'decision.made', 'decision.applied_to_linked_cases'] } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.actorId, e.caseId])).toEqual([
      ['case.linked', 'rev-1', first.id],
      ['case.linked', 'rev-1', second.id],
      ['decision.made', 'lead-1', first.id],
      ['decision.made', 'lead-1', second.id],
      ['decision.applied_to_linked_cases', 'lead-1', first.id],
      ['case.unlinked', 'rev-1', second.id],
      ['case.unlinked', 'rev-1', first.id],
    ]);
  });

  it('every field of the Mutation type was exercised above and wrote at least one audit event', () => {
    const fields = Object.keys(server.app.yoga.getEnveloped().schema.getMutationType()!.getFields()).sort();
    expect(fields.length).toBeGreaterThan(8);
    for (const field of fields) expect(auditedMutations.get(field), `mutation ${field}`).toBe(true);
  });
});
