// The policy read exactly, through the public API: a reporter's immediate-risk flag is confirmed or cleared by the
// assessing specialist, and a confirmed risk starts a law-enforcement referral that liaisons progress; a reporter's
// relation to the depicted minor is a claim until the reviewer confirms it; promotion and text need no age; and the
// assessment form the `policy` query offers is exactly what submitAssessment accepts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from './support/harness.js';

let server: TestServer;
const t = {} as Record<'specialist' | 'reviewer' | 'lead' | 'liaison' | 'admin', string>;

beforeAll(async () => {
  server = await startServer();
  t.specialist = await token('facts-spec', ['CHILD_SAFETY_SPECIALIST'], 'Specialist');
  t.reviewer = await token('facts-rev', ['REVIEWER'], 'Reviewer');
  t.lead = await token('facts-lead', ['LEAD'], 'Lead');
  t.liaison = await token('facts-liaison', ['LAW_ENFORCEMENT_LIAISON'], 'Liaison');
  t.admin = await token('facts-admin', ['ADMIN'], 'Admin');
});
afterAll(() => server?.close());

const SUBMIT_REPORT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`;
const CLAIM = `mutation($queue: QueueName!) { claimNextCase(queue: $queue) { __typename ... on ClaimNextCaseSuccess { case { id } } ... on Error { message } } }`;
const ASSESS = `mutation($input: AssessmentInput!) {
  submitAssessment(input: $input) {
    __typename
    ... on SubmitAssessmentSuccess { assessment { id recommendation { inScope escalate actions lawEnforcementReferralRequired ncmecReportRequired rationale { clause } } } }
    ... on ValidationError { fields { path message } }
    ... on Error { message }
  }
}`;
const CASE_ROW = `query($id: ID!) { case(id: $id) { id queue priority childAtImmediateRisk version lawEnforcementReferral { id status dueAt } } }`;

async function fileReport(over: Record<string, unknown>): Promise<string> {
  const input = { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', ...over };
  const res = await server.gql(SUBMIT_REPORT, { input });
  expect(res.errors).toBeUndefined();
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const reportId = res.data.submitReport.report.id as string;
  const row = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: reportId }, select: { caseId: true } });
  return row.caseId;
}

/** Claims from the queue until this case is the one claimed (earlier cases in the queue stay with the caller). */
async function claimCase(caseId: string, queue: string, tokenValue: string) {
  for (let i = 0; i < 50; i++) {
    const res = await server.gql(CLAIM, { queue }, { token: tokenValue });
    expect(res.errors).toBeUndefined();
    expect(res.data.claimNextCase.__typename, res.data.claimNextCase.message).toBe('ClaimNextCaseSuccess');
    if (res.data.claimNextCase.case.id === caseId) return;
  }
  throw new Error(`case ${caseId} never came up in ${queue}`);
}

async function assess(input: Record<string, unknown>, tokenValue: string) {
  const res = await server.gql(ASSESS, { input }, { token: tokenValue });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.submitAssessment;
}

async function caseRow(id: string, tokenValue = t.lead) {
  const res = await server.gql(CASE_ROW, { id }, { token: tokenValue });
  expect(res.errors).toBeUndefined();
  return res.data.case;
}

const altercation = { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false };

describe('immediate risk: the reporter flags, the specialist confirms or clears', () => {
  it('a flagged case goes to P0 but files no referral until a specialist confirms; clearing needs a reason and is audited', async () => {
    const caseId = await fileReport({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', childAtImmediateRisk: true });
    const flagged = await caseRow(caseId);
    expect(flagged).toMatchObject({ queue: 'IMMEDIATE_RISK', priority: 'P0', childAtImmediateRisk: true, lawEnforcementReferral: null });

    await claimCase(caseId, 'IMMEDIATE_RISK', t.specialist);
    const factors = { caseId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'NON_ABUSIVE' };

    // Silent about the flag: the specialist must confirm or clear it.
    const silent = await assess(factors, t.specialist);
    expect(silent.__typename).toBe('ValidationError');
    expect(silent.fields.map((f: { path: string }) => f.path)).toEqual(['childAtImmediateRisk']);

    // Clearing without a reason is refused.
    const bare = await assess({ ...factors, childAtImmediateRisk: false }, t.specialist);
    expect(bare.__typename).toBe('ValidationError');
    expect(bare.fields.map((f: { path: string }) => f.path)).toEqual(['immediateRiskClearedReason']);

    const cleared = await assess({ ...factors, childAtImmediateRisk: false, immediateRiskClearedReason: 'placeholder reason' }, t.specialist);
    expect(cleared.__typename).toBe('SubmitAssessmentSuccess');
    expect(cleared.assessment.recommendation.lawEnforcementReferralRequired).toBe(false);
    expect(cleared.assessment.recommendation.rationale.map((c: { clause: string }) => c.clause)).not.toContain('RISK-1');

    const after = await caseRow(caseId);
    expect(after).toMatchObject({ queue: 'PHYSICAL_CHILD_ABUSE_MEDIA', priority: 'P2', childAtImmediateRisk: false, lawEnforcementReferral: null });
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId, action: 'case.immediate_risk_cleared' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe('facts-spec');
    expect(JSON.stringify(audit[0]!.changes)).toContain('placeholder reason');

    const stored = await server.gql(`query($id: ID!) { case(id: $id) { assessments { childAtImmediateRisk immediateRiskClearedReason } } }`, { id: caseId }, { token: t.specialist });
    expect(stored.errors).toBeUndefined();
    expect(stored.data.case.assessments.at(-1)).toEqual({ childAtImmediateRisk: false, immediateRiskClearedReason: 'placeholder reason' });
  });

  it('a confirmed risk creates the referral; liaisons move it PENDING → SENT → CLOSED, each step typed and audited', async () => {
    const caseId = await fileReport({ category: 'MINOR_PHYSICAL_ALTERCATION', childAtImmediateRisk: true });
    await claimCase(caseId, 'IMMEDIATE_RISK', t.specialist);
    const confirmed = await assess({ caseId, ...altercation, childAtImmediateRisk: true }, t.specialist);
    expect(confirmed.__typename).toBe('SubmitAssessmentSuccess');
    expect(confirmed.assessment.recommendation.lawEnforcementReferralRequired).toBe(true);
    const row = await caseRow(caseId);
    expect(row).toMatchObject({ queue: 'IMMEDIATE_RISK', priority: 'P0', childAtImmediateRisk: true, lawEnforcementReferral: { status: 'PENDING' } });
    const referralId = row.lawEnforcementReferral.id as string;

    const SENT = `mutation($input: MarkReferralSentInput!) {
      markReferralSent(input: $input) {
        __typename
        ... on MarkReferralSentSuccess { referral { id status agency reference sentAt sentBy { id } } }
        ... on ReferralTransitionError { message status }
        ... on ValidationError { fields { path } }
        ... on Error { message }
      }
    }`;
    const CLOSE = `mutation($input: CloseReferralInput!) {
      closeReferral(input: $input) {
        __typename
        ... on CloseReferralSuccess { referral { id status closedAt closedBy { id } closeNote } }
        ... on ReferralTransitionError { message status }
        ... on Error { message }
      }
    }`;

    // Closing a referral that was never sent is an illegal transition.
    const early = await server.gql(CLOSE, { input: { referralId } }, { token: t.liaison });
    expect(early.errors).toBeUndefined();
    expect(early.data.closeReferral).toMatchObject({ __typename: 'ReferralTransitionError', status: 'PENDING' });

    const blank = await server.gql(SENT, { input: { referralId, agency: '  ', reference: 'placeholder-ref' } }, { token: t.liaison });
    expect(blank.data.markReferralSent.__typename).toBe('ValidationError');
    expect(blank.data.markReferralSent.fields.map((f: { path: string }) => f.path)).toEqual(['agency']);
    const missing = await server.gql(SENT, { input: { referralId: crypto.randomUUID(), agency: 'placeholder agency', reference: 'placeholder-ref' } }, { token: t.liaison });
    expect(missing.data.markReferralSent.__typename).toBe('NotFoundError');

    const sent = await server.gql(SENT, { input: { referralId, agency: 'placeholder agency', reference: 'placeholder-ref' } }, { token: t.liaison });
    expect(sent.errors).toBeUndefined();
    expect(sent.data.markReferralSent).toMatchObject({
      __typename: 'MarkReferralSentSuccess',
      referral: { id: referralId, status: 'SENT', agency: 'placeholder agency', reference: 'placeholder-ref', sentBy: { id: 'facts-liaison' } },
    });
    expect(Date.parse(sent.data.markReferralSent.referral.sentAt)).not.toBeNaN();
    const twice = await server.gql(SENT, { input: { referralId, agency: 'other', reference: 'other' } }, { token: t.liaison });
    expect(twice.data.markReferralSent).toMatchObject({ __typename: 'ReferralTransitionError', status: 'SENT' });

    const closed = await server.gql(CLOSE, { input: { referralId, note: 'placeholder note' } }, { token: t.liaison });
    expect(closed.data.closeReferral).toMatchObject({ __typename: 'CloseReferralSuccess', referral: { status: 'CLOSED', closedBy: { id: 'facts-liaison' }, closeNote: 'placeholder note' } });
    const again = await server.gql(CLOSE, { input: { referralId } }, { token: t.liaison });
    expect(again.data.closeReferral).toMatchObject({ __typename: 'ReferralTransitionError', status: 'CLOSED' });

    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { entityId: referralId }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => e.action)).toEqual(['referral.created', 'referral.sent', 'referral.closed']);
    expect(audit.slice(1).map((e) => e.actorId)).toEqual(['facts-liaison', 'facts-liaison']);
  });

  it('overdue referrals are visible to liaisons: a field, a filter and a figure', async () => {
    const caseId = await fileReport({ category: 'MINOR_PHYSICAL_ALTERCATION', childAtImmediateRisk: true });
    await claimCase(caseId, 'IMMEDIATE_RISK', t.specialist);
    expect((await assess({ caseId, ...altercation, childAtImmediateRisk: true }, t.specialist)).__typename).toBe('SubmitAssessmentSuccess');
    const late = await server.app.db.prisma.lawEnforcementReferral.findUniqueOrThrow({ where: { caseId } });
    // Its hour has passed.
    await server.app.db.prisma.lawEnforcementReferral.update({ where: { id: late.id }, data: { dueAt: new Date(Date.now() - 60_000) } });

    const LIST = `query($overdue: Boolean, $status: ReferralStatus) {
      lawEnforcementReferrals(first: 50, overdue: $overdue, status: $status) { edges { node { id status overdue dueAt case { id } } } }
      lawEnforcementReferralFigures { pending sent closed overdue oldestOverdueDueAt }
    }`;
    const res = await server.gql(LIST, { overdue: true }, { token: t.liaison });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.lawEnforcementReferrals.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toEqual([expect.objectContaining({ id: late.id, status: 'PENDING', overdue: true, case: { id: caseId } })]);
    const figures = res.data.lawEnforcementReferralFigures;
    expect(figures.overdue).toBe(1);
    expect(figures.pending).toBeGreaterThanOrEqual(1);
    expect(figures.closed).toBeGreaterThanOrEqual(1);
    expect(Date.parse(figures.oldestOverdueDueAt)).toBeLessThan(Date.now());

    const all = await server.gql(LIST, {}, { token: t.liaison });
    const overdueFlags = all.data.lawEnforcementReferrals.edges.map((e: { node: { overdue: boolean } }) => e.node.overdue);
    expect(overdueFlags.filter(Boolean)).toHaveLength(1);
    expect(overdueFlags.length).toBeGreaterThan(1);

    // A reviewer may not list referrals.
    const denied = await server.gql(LIST, {}, { token: t.reviewer });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('a report from the minor or a representative is a claim the reviewer confirms', () => {
  it('unconfirmed it neither raises priority nor forces removal; confirmed it does both', async () => {
    const bystander = await fileReport({});
    const claimed = await fileReport({ reporterRelation: 'DEPICTED_MINOR' });
    expect((await caseRow(claimed)).priority).toBe((await caseRow(bystander)).priority);
    expect((await caseRow(claimed)).priority).toBe('P3');

    await claimCase(claimed, 'MINOR_PHYSICAL_ALTERCATION', t.reviewer);
    const unconfirmed = await assess({ caseId: claimed, ...altercation }, t.reviewer);
    expect(unconfirmed.assessment.recommendation.actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
    expect(unconfirmed.assessment.recommendation.rationale.map((c: { clause: string }) => c.clause)).not.toContain('MPA-3');
    expect((await caseRow(claimed)).priority).toBe('P3');

    const confirmed = await assess({ caseId: claimed, ...altercation, reporterRelationConfirmed: true }, t.reviewer);
    expect(confirmed.assessment.recommendation.actions).toEqual(['REMOVE_CONTENT']);
    expect(confirmed.assessment.recommendation.rationale.map((c: { clause: string }) => c.clause)).toContain('MPA-3');
    expect((await caseRow(claimed)).priority).toBe('P2');
    const stored = await server.gql(`query($id: ID!) { case(id: $id) { assessments { reporterRelationConfirmed } } }`, { id: claimed }, { token: t.reviewer });
    expect(stored.data.case.assessments.map((a: { reporterRelationConfirmed: boolean }) => a.reporterRelationConfirmed)).toEqual([false, true]);
  });

  it('there is nothing to confirm when no report claims the relation', async () => {
    const caseId = await fileReport({});
    await claimCase(caseId, 'MINOR_PHYSICAL_ALTERCATION', t.reviewer);
    const res = await assess({ caseId, ...altercation, reporterRelationConfirmed: true }, t.reviewer);
    expect(res.__typename).toBe('ValidationError');
    expect(res.fields.map((f: { path: string }) => f.path)).toEqual(['reporterRelationConfirmed']);
  });
});

describe('promotion, and exploitation in text, need no age', () => {
  const cse = { category: 'CHILD_SEXUAL_EXPLOITATION' };
  it('promotion and text are judged without an age; a depiction still needs one', async () => {
    const caseId = await fileReport({ category: 'CHILD_SEXUAL_EXPLOITATION' });
    await claimCase(caseId, 'CHILD_SEXUAL_EXPLOITATION', t.specialist);
    for (const factors of [{ promotesExploitation: true }, { mediaKind: 'TEXT' }, { mediaKind: 'REAL', promotesExploitation: true }]) {
      const res = await assess({ caseId, ...cse, ...factors }, t.specialist);
      expect(res.__typename, JSON.stringify(factors)).toBe('SubmitAssessmentSuccess');
      expect(res.assessment.recommendation).toMatchObject({ inScope: true, escalate: false, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] });
      expect(res.assessment.recommendation.rationale.map((c: { clause: string }) => c.clause)).not.toContain('CS-3');
    }
    // An undetermined age does not hold up a judgement that needs none.
    const undetermined = await assess({ caseId, ...cse, ageAssessment: 'UNDETERMINED', promotesExploitation: true }, t.specialist);
    expect(undetermined.assessment.recommendation).toMatchObject({ escalate: false, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] });

    const depiction = await assess({ caseId, ...cse, mediaKind: 'ILLUSTRATED' }, t.specialist);
    expect(depiction.__typename).toBe('ValidationError');
    expect(depiction.fields.map((f: { path: string }) => f.path)).toEqual(['ageAssessment']);
    const other = await assess({ caseId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', nudity: 'NUDE', severity: 'LOW', context: 'ABUSIVE' }, t.specialist);
    expect(other.__typename).toBe('ValidationError');
    expect(other.fields.map((f: { path: string }) => f.path)).toEqual(['ageAssessment']);

    // The form says so.
    const form = await server.gql(`{ policy { categories { category ageRequired } } }`, {}, { token: t.specialist });
    expect(form.errors).toBeUndefined();
    expect(Object.fromEntries(form.data.policy.categories.map((c: { category: string; ageRequired: boolean }) => [c.category, c.ageRequired]))).toEqual({
      CHILD_SEXUAL_EXPLOITATION: false,
      PHYSICAL_CHILD_ABUSE_MEDIA: true,
      MINOR_PHYSICAL_ALTERCATION: true,
    });
  });
});

describe('the assessment form and the validator are one table', () => {
  it('every combination the policy query offers is accepted by submitAssessment', async () => {
    const POLICY = `{ policy { categories { category factors { name required values } } } }`;
    const res = await server.gql(POLICY, {}, { token: t.specialist });
    expect(res.errors).toBeUndefined();
    const categories = res.data.policy.categories as Array<{ category: string; factors: Array<{ name: string; values: string[] }> }>;
    expect(categories.map((c) => c.category).sort()).toEqual(['CHILD_SEXUAL_EXPLOITATION', 'MINOR_PHYSICAL_ALTERCATION', 'PHYSICAL_CHILD_ABUSE_MEDIA']);

    const ages = await server.gql(`{ __type(name: "AgeAssessment") { enumValues { name } } }`, {}, { token: t.specialist });
    // The ages at which the factors are weighed.
    const ageValues = (ages.data.__type.enumValues as Array<{ name: string }>).map((v) => v.name).filter((a) => a.endsWith("MINOR"));
    const typed = (value: string) => (value === 'true' ? true : value === 'false' ? false : value);

    let submitted = 0;
    for (const { category, factors } of categories) {
      const caseId = await fileReport({ category });
      await claimCase(caseId, category, t.specialist);
      // Every value of every factor the form offers, in every combination.
      let combos: Array<Record<string, unknown>> = [{}];
      for (const factor of factors) combos = combos.flatMap((c) => factor.values.map((v) => ({ ...c, [factor.name]: typed(v) })));
      for (const ageAssessment of ageValues) {
        for (const combo of combos) {
          const r = await assess({ caseId, category, ageAssessment, ...combo }, t.specialist);
          expect(r.__typename, `${category} ${ageAssessment} ${JSON.stringify(combo)}: ${r.message}`).toBe('SubmitAssessmentSuccess');
          submitted++;
        }
      }
    }
    // Not a vacuous pass: the form offers dozens of combinations.
    expect(submitted).toBeGreaterThan(50);
  });
});
