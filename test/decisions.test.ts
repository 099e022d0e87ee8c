// Outcomes follow the decision actually taken, through the API: the two-person rule on exploitation, the CyberTipline
// record and preservation hold created from the decision, statements of reasons true to it, strikes per account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient } from './support/client.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';

let server: TestServer;
let ispws: FakeIspws;
let client: ContractClient;
const t = {} as Record<'specialist' | 'reviewer' | 'lead', string>;

beforeAll(async () => {
  ispws = await startFakeIspws();
  server = await startServer({ NCMEC_API_URL: ispws.url, NCMEC_USERNAME: ispws.username, NCMEC_PASSWORD: ispws.password });
  client = await new ContractClient(server).load();
  t.specialist = await token('spec-o1', ['CHILD_SAFETY_SPECIALIST'], 'Specialist O1');
  t.reviewer = await token('rev-o1', ['REVIEWER'], 'Reviewer O1');
  t.lead = await token('lead-o1', ['LEAD'], 'Lead O1');
});
afterAll(async () => {
  await server?.close();
  await ispws?.close();
});

const db = () => server.app.db.prisma;

async function file(over: Record<string, unknown>) {
  const res = await client.op('SubmitReport', { input: { contentId: `content-${hex(4)}`, description: 'placeholder description', ...over } });
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return db().report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } }).then((r) => r.caseId);
}

async function claim(queue: string, who: string) {
  const res = await client.op('ClaimNextCase', { queue }, who);
  expect(res.errors).toBeUndefined();
  return res.data.claimNextCase;
}

async function assess(input: Record<string, unknown>, who: string) {
  const res = await client.op('SubmitAssessment', { input }, who);
  expect(res.data.submitAssessment.__typename, JSON.stringify(res.data)).toBe('SubmitAssessmentSuccess');
}

const DECIDE = `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename
  ... on DecideCaseSuccess { decision { id actions deviatesFromRecommendation justification statementOfReasons { decision facts automatedMeans ground redress } } case { status } }
  ... on Error { message code } } }`;

async function decide(caseId: string, actions: string[], who: string, justification?: string) {
  const { version } = await db().case.findUniqueOrThrow({ where: { id: caseId } });
  const res = await server.gql(DECIDE, { input: { caseId, expectedVersion: version, actions, justification } }, { token: who });
  expect(res.errors).toBeUndefined();
  return res.data.decideCase;
}

const CASE = `query($id: ID!) { case(id: $id) { id status assignee { id } escalation { reason escalatedAt escalatedBy { id } }
  reportedAccountStrikes { recordedAt category active } } }`;

async function caseView(id: string, who: string) {
  const res = await server.gql(CASE, { id }, { token: who });
  expect(res.errors).toBeUndefined();
  return res.data.case;
}

const cse = (caseId: string, over: Record<string, unknown> = {}) => ({ caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'ILLUSTRATED', ...over });

describe('declining enforcement on exploitation is a two-person decision', () => {
  it("a specialist's justified no action goes to a lead, visibly; the lead decides it with reasons; nothing is filed", async () => {
    const caseId = await file({ category: 'CHILD_SEXUAL_EXPLOITATION' });
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist)).case.id).toBe(caseId);
    await assess(cse(caseId), t.specialist);

    const refused = await decide(caseId, ['NO_ACTION'], t.specialist, 'placeholder justification');
    expect(refused).toMatchObject({ __typename: 'EscalationRequiredError', code: 'ESCALATION_REQUIRED' });
    expect(refused.message).toMatch(/lead/);
    const escalated = await caseView(caseId, t.specialist);
    expect(escalated).toMatchObject({ status: 'OPEN', assignee: null, escalation: { reason: 'DECLINED_ENFORCEMENT_ON_EXPLOITATION', escalatedBy: { id: 'spec-o1' } } });
    const audit = await db().auditEvent.findMany({ where: { caseId, action: 'case.escalated' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.changes).toMatchObject({ reason: 'DECLINED_ENFORCEMENT_ON_EXPLOITATION', proposedActions: ['NO_ACTION'] });
    expect(await db().decision.count({ where: { caseId } })).toBe(0);

    // The queue shows it as waiting for a lead; specialists no longer get it, a lead does.
    const queue = await client.op('ReviewQueue', { queue: 'CHILD_SEXUAL_EXPLOITATION', first: 20 }, t.specialist);
    expect(queue.data.queue.cases.edges.map((e: any) => e.node.id)).toContain(caseId);
    const listed = await server.gql(`{ queue(name: CHILD_SEXUAL_EXPLOITATION) { cases(first: 20) { edges { node { id escalation { reason } } } } } }`, {}, { token: t.specialist });
    expect(listed.data.queue.cases.edges.find((e: any) => e.node.id === caseId).node.escalation.reason).toBe('DECLINED_ENFORCEMENT_ON_EXPLOITATION');
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist)).__typename).toBe('NoCaseAvailableError');
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.lead)).case.id).toBe(caseId);

    const unjustified = await decide(caseId, ['NO_ACTION'], t.lead);
    expect(unjustified.__typename).toBe('ValidationError');
    const decided = await decide(caseId, ['NO_ACTION'], t.lead, 'placeholder lead justification');
    expect(decided).toMatchObject({ __typename: 'DecideCaseSuccess', decision: { actions: ['NO_ACTION'], deviatesFromRecommendation: true }, case: { status: 'DECIDED' } });
    const s = decided.decision.statementOfReasons;
    expect(JSON.stringify(s)).not.toMatch(/zero tolerance/i);
    expect(s.ground).toContain('placeholder lead justification');
    expect(await db().ncmecReport.count({ where: { caseId } })).toBe(0);
    expect(await db().preservationHold.count({ where: { caseId } })).toBe(0);
    const made = await db().auditEvent.findFirstOrThrow({ where: { caseId, action: 'decision.made' } });
    expect(made).toMatchObject({ actorId: 'lead-o1', changes: expect.objectContaining({ declinedEnforcementOnExploitation: true }) });
    expect((await caseView(caseId, t.lead)).escalation).toBeNull();
  });

  it('a lead who assessed exploitation cannot decline it alone: another lead decides', async () => {
    const caseId = await file({ category: 'CHILD_SEXUAL_EXPLOITATION' });
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.lead)).case.id).toBe(caseId);
    await assess(cse(caseId), t.lead);
    const refused = await decide(caseId, ['NO_ACTION'], t.lead, 'placeholder justification');
    expect(refused.__typename).toBe('EscalationRequiredError');
    expect((await caseView(caseId, t.lead)).escalation).toMatchObject({ reason: 'DECLINED_ENFORCEMENT_ON_EXPLOITATION', escalatedBy: { id: 'lead-o1' } });
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.lead)).__typename).toBe('NoCaseAvailableError');
    const other = await token('lead-o2', ['LEAD'], 'Lead O2');
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', other)).case.id).toBe(caseId);
    const decided = await decide(caseId, ['NO_ACTION'], other, 'placeholder lead justification');
    expect(decided.__typename).toBe('DecideCaseSuccess');
    expect(await db().ncmecReport.count({ where: { caseId } })).toBe(0);
  });

  it('a label alone on exploitation is declining enforcement too', async () => {
    const caseId = await file({ category: 'CHILD_SEXUAL_EXPLOITATION' });
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist)).case.id).toBe(caseId);
    await assess(cse(caseId), t.specialist);
    const refused = await decide(caseId, ['SENSITIVE_MEDIA_LABEL'], t.specialist, 'placeholder justification');
    expect(refused.__typename).toBe('EscalationRequiredError');
    expect((await caseView(caseId, t.lead)).escalation.reason).toBe('DECLINED_ENFORCEMENT_ON_EXPLOITATION');
    // The lead may also enforce after all: the record and hold follow that decision.
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.lead)).case.id).toBe(caseId);
    const decided = await decide(caseId, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.lead);
    expect(decided.__typename).toBe('DecideCaseSuccess');
    expect(await db().ncmecReport.count({ where: { caseId } })).toBe(1);
  });
});

describe('the CyberTipline record and the hold follow the decision', () => {
  it("a lead's removal on an escalated, age-undetermined exploitation case files them and states the finding", async () => {
    const caseId = await file({ category: 'CHILD_SEXUAL_EXPLOITATION', mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] });
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist)).case.id).toBe(caseId);
    await assess({ caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'UNDETERMINED' }, t.specialist);
    const refused = await decide(caseId, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.specialist, 'placeholder justification');
    expect(refused.__typename).toBe('EscalationRequiredError');
    expect((await caseView(caseId, t.lead)).escalation.reason).toBe('AGE_UNDETERMINED');

    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.lead)).case.id).toBe(caseId);
    const decided = await decide(caseId, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], t.lead, 'placeholder finding');
    expect(decided.__typename).toBe('DecideCaseSuccess');
    expect(decided.decision.statementOfReasons.facts).toMatch(/apparent minor/);
    expect(decided.decision.statementOfReasons.ground).toContain('CSE-1');
    const record = await db().ncmecReport.findUniqueOrThrow({ where: { caseId }, include: { holds: true } });
    expect(record.decisionId).toBe(decided.decision.id);
    expect(Math.round((record.holds[0]!.expiresAt.getTime() - record.createdAt.getTime()) / 86_400_000)).toBe(365);
    // Filed with the CyberTipline (the test's fake ISPWS) right after the decision commits.
    await expect.poll(async () => (await db().ncmecReport.findUniqueOrThrow({ where: { caseId } })).status, { timeout: 30_000 }).toBe('SUBMITTED');
    expect([...ispws.reports.values()].some((r) => r.finished)).toBe(true);
  });

  it("a lead deciding an escalated exploitation case with no action files nothing", async () => {
    const caseId = await file({ category: 'CHILD_SEXUAL_EXPLOITATION' });
    expect((await claim('CHILD_SEXUAL_EXPLOITATION', t.lead)).case.id).toBe(caseId);
    await assess({ caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'UNDETERMINED' }, t.lead);
    const decided = await decide(caseId, ['NO_ACTION'], t.lead);
    expect(decided.__typename).toBe('DecideCaseSuccess');
    expect(JSON.stringify(decided.decision.statementOfReasons)).not.toMatch(/zero tolerance/i);
    expect(await db().ncmecReport.count({ where: { caseId } })).toBe(0);
  });
});

describe('statements of reasons and scope', () => {
  it('an adult-depicted case is closed as out of scope: no enforcement under this policy, its own statement', async () => {
    const caseId = await file({ category: 'MINOR_PHYSICAL_ALTERCATION' });
    expect((await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer)).case.id).toBe(caseId);
    await assess({ caseId, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, t.reviewer);
    const enforce = await decide(caseId, ['REMOVE_CONTENT'], t.reviewer, 'placeholder justification');
    expect(enforce.__typename).toBe('ValidationError');
    expect(enforce.message).toMatch(/does not apply/);
    const decided = await decide(caseId, ['NO_ACTION'], t.reviewer);
    const s = decided.decision.statementOfReasons;
    expect(s.decision).toMatch(/closed/i);
    expect(JSON.stringify(s)).not.toMatch(/routed|elsewhere/i);
  });

  it('a decision against the recommendation states the decider\'s reasons and cites only what supports the actions taken', async () => {
    const caseId = await file({ category: 'MINOR_PHYSICAL_ALTERCATION' });
    expect((await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer)).case.id).toBe(caseId);
    await assess({ caseId, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: false }, t.reviewer);
    const decided = await decide(caseId, ['SENSITIVE_MEDIA_LABEL'], t.reviewer, 'placeholder deviation reason');
    const s = decided.decision.statementOfReasons;
    expect(s.ground).toContain('placeholder deviation reason');
    expect(s.ground).not.toContain('MPA-2');
    expect(s.facts).toMatch(/differs from/);
  });
});

describe('citations and the enforcement ladder through the API', () => {
  it('a label outcome cites the nudity and severity clauses that allow it, and the ladder step behind the label', async () => {
    const caseId = await file({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA' });
    expect((await claim('PHYSICAL_CHILD_ABUSE_MEDIA', t.specialist)).case.id).toBe(caseId);
    const res = await server.gql(
      `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { assessment { recommendation { actions rationale { clause } ladder { step action practice } } } } } }`,
      { input: { caseId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'MODERATE', context: 'NEWSWORTHY' } },
      { token: t.specialist },
    );
    const r = res.data.submitAssessment.assessment.recommendation;
    expect(r.actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
    expect(r.rationale.map((c: { clause: string }) => c.clause)).toEqual(expect.arrayContaining(['PCAM-2', 'PCAM-3', 'PCAM-4']));
    expect(r.ladder).toMatchObject([{ step: 'LADDER-3', action: 'SENSITIVE_MEDIA_LABEL' }]);
    const decided = await decide(caseId, ['SENSITIVE_MEDIA_LABEL'], t.specialist);
    const ground = decided.decision.statementOfReasons.ground;
    expect(ground).toContain('PCAM-2');
    expect(ground).toMatch(/LADDER-3 .*not policy text|not policy text.*LADDER-3/);
    expect(ground).toContain(r.ladder[0].practice);
  });

  it('reporter guidance names the clauses it quotes', async () => {
    const res = await server.gql(
      `mutation { submitReport(input: { contentId: "content-${hex(4)}", category: CHILD_SEXUAL_EXPLOITATION, childAtImmediateRisk: true }) { ... on SubmitReportSuccess { guidance { message ncmecPhone advice { clause quote } } } } }`,
    );
    const g = res.data.submitReport.guidance;
    expect(g.advice.map((c: { clause: string }) => c.clause)).toEqual(['RISK-1', 'NCMEC-1', 'REPORT-4', 'REPORT-2']);
    for (const c of g.advice) expect(g.message).toContain(c.quote.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1'));
    expect(g.advice[1].quote).toContain(g.ncmecPhone);
  });
});

describe('strikes per reported account', () => {
  it('a strike is recorded against the reported account and shown on its later cases', async () => {
    const account = `account-${hex(4)}`;
    const first = await file({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', reportedAccountId: account });
    expect((await claim('PHYSICAL_CHILD_ABUSE_MEDIA', t.specialist)).case.id).toBe(first);
    await assess({ caseId: first, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'ABUSIVE' }, t.specialist);
    const decided = await decide(first, ['REMOVE_CONTENT', 'ACCOUNT_STRIKE'], t.specialist);
    expect(decided.__typename).toBe('DecideCaseSuccess');
    const strikes = await db().accountStrike.findMany({ where: { accountId: account } });
    expect(strikes).toMatchObject([{ caseId: first, decisionId: decided.decision.id }]);
    expect(await db().auditEvent.count({ where: { caseId: first, action: 'strike.recorded' } })).toBe(1);

    const second = await file({ category: 'MINOR_PHYSICAL_ALTERCATION', reportedAccountId: account });
    // Shown to whoever may handle the category of the case that recorded it (as reportedAccount shows it): the
    // specialist and a lead; a plain reviewer, who may not see physical child abuse media, sees no such strike.
    for (const reader of [t.specialist, t.lead]) {
      expect((await caseView(second, reader)).reportedAccountStrikes).toEqual([{ recordedAt: expect.any(String), category: 'PHYSICAL_CHILD_ABUSE_MEDIA', active: true }]);
    }
    expect((await caseView(second, t.reviewer)).reportedAccountStrikes).toEqual([]);
    // An account with no history shows none; an unrelated case never shows this account's strikes.
    const other = await file({ category: 'MINOR_PHYSICAL_ALTERCATION', reportedAccountId: `account-${hex(4)}` });
    expect((await caseView(other, t.reviewer)).reportedAccountStrikes).toEqual([]);
    const anonymous = await server.gql(CASE, { id: second });
    expect(anonymous.data?.case ?? null).toBeNull();

    // Reversed on appeal, the strike no longer counts.
    const appeal = await client.op('SubmitAppeal', { input: { decisionId: decided.decision.id, appellantAccountId: account, statement: 'placeholder statement' } }, await token('platform-o', ['PLATFORM']));
    const appeals = await token('app-o1', ['APPEALS_REVIEWER', 'CHILD_SAFETY_SPECIALIST'], 'Appeals O1');
    expect((await claim('APPEALS', appeals)).case.id).toBe(first);
    const overturned = await client.op('DecideAppeal', { input: { appealId: appeal.data.submitAppeal.appeal.id, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, appeals);
    expect(overturned.data.decideAppeal.__typename).toBe('DecideAppealSuccess');
    expect((await caseView(second, t.specialist)).reportedAccountStrikes).toMatchObject([{ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', active: false }]);
  });
});
