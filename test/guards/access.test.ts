// Authorization and workflow guards, each checked through the public API so that removing the guard fails a test:
// the category filter on Query.case, and the rule that the original decider never decides the appeal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from '../support/harness.js';
import type { Category, Role } from '../../src/policy/index.js';

let server: TestServer;
beforeAll(async () => {
  // In-process (yoga.fetch): no socket is needed, and the guards mutation scope runs this file against each mutant.
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const SUBMIT = `mutation($input: SubmitReportInput!) {
  submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } ... on Error { message } } }`;
const CASE = `query($id: ID!) { case(id: $id) { id category } }`;
const CLAIM = `mutation($queue: QueueName!) { claimNextCase(queue: $queue) { __typename ... on ClaimNextCaseSuccess { case { id version } } ... on Error { message } } }`;

/** Files one report in its own case and returns the case id. */
async function fileCase(category: Category, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await server.gql(SUBMIT, { input: { contentId: `content-${hex(6)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}`, ...extra } });
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const found = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } });
  return found.caseId;
}

const as = (sub: string, roles: Role[]) => token(`${sub}-${hex(3)}`, roles);

const ASSESSED: Partial<Record<Category, Record<string, unknown>>> = {
  MINOR_PHYSICAL_ALTERCATION: { ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true },
  PHYSICAL_CHILD_ABUSE_MEDIA: { ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'ABUSIVE' },
};

/** Files a case of `category` against `account`, and `lead` claims it by id, assesses and decides it with `actions`. */
async function decidedCase(category: 'MINOR_PHYSICAL_ALTERCATION' | 'PHYSICAL_CHILD_ABUSE_MEDIA', actions: string[], lead: string, account = `account-${hex(4)}`) {
  const caseId = await fileCase(category, { reportedAccountId: account });
  const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename ... on Error { message } } }`, { id: caseId }, { token: lead });
  expect(claimed.data.claimCase.__typename, JSON.stringify(claimed.data)).toBe('ClaimCaseSuccess');
  const assessed = await server.gql(
    `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on Error { message } } }`,
    { input: { caseId, category, ...ASSESSED[category] } },
    { token: lead },
  );
  expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
  const version = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).version;
  const decided = await server.gql(
    `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on DecideCaseSuccess { decision { id actions } } ... on Error { message } } }`,
    { input: { caseId, expectedVersion: version, actions, justification: 'placeholder justification' } },
    { token: lead },
  );
  expect(decided.data.decideCase.__typename, JSON.stringify(decided.data)).toBe('DecideCaseSuccess');
  return { caseId, decisionId: decided.data.decideCase.decision.id as string, account };
}

describe('Query.case: the category filter', () => {
  it('a plain reviewer reads altercation cases but gets null, and no data, for exploitation and abuse-media cases', async () => {
    const cases = {
      CHILD_SEXUAL_EXPLOITATION: await fileCase('CHILD_SEXUAL_EXPLOITATION'),
      PHYSICAL_CHILD_ABUSE_MEDIA: await fileCase('PHYSICAL_CHILD_ABUSE_MEDIA'),
      MINOR_PHYSICAL_ALTERCATION: await fileCase('MINOR_PHYSICAL_ALTERCATION'),
    };
    const reviewer = await as('plain-reviewer', ['REVIEWER']);
    const appealsOnly = await as('appeals-only', ['APPEALS_REVIEWER']);
    const specialist = await as('specialist', ['CHILD_SAFETY_SPECIALIST']);
    for (const [category, id] of Object.entries(cases)) {
      const high = category !== 'MINOR_PHYSICAL_ALTERCATION';
      for (const t of [reviewer, appealsOnly]) {
        const res = await server.gql(CASE, { id }, { token: t });
        expect(res.status).toBe(200);
        // Null exactly as for an id that does not exist: no FORBIDDEN error that would confirm the case exists.
        expect(res.errors, `${category}: ${JSON.stringify(res.errors)}`).toBeUndefined();
        expect(res.data.case, category).toEqual(high ? null : { id, category });
        // Even a selection of no field of the case (the type's own field rules have nothing to refuse) is null.
        const bare = await server.gql(`query($id: ID!) { case(id: $id) { __typename } }`, { id }, { token: t });
        expect(bare.errors).toBeUndefined();
        expect(bare.data.case).toEqual(high ? null : { __typename: 'Case' });
      }
      const missing = await server.gql(CASE, { id: '00000000-0000-4000-8000-000000000000' }, { token: reviewer });
      expect(missing).toMatchObject({ data: { case: null } });
      expect(missing.errors).toBeUndefined();
      const bySpecialist = await server.gql(CASE, { id }, { token: specialist });
      expect(bySpecialist.data.case).toEqual({ id, category });
    }
  });

  it('oversight roles read every category', async () => {
    const id = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    for (const roles of [['LEAD'], ['ADMIN'], ['LAW_ENFORCEMENT_LIAISON']] as Role[][]) {
      const res = await server.gql(CASE, { id }, { token: await as('oversight', roles) });
      expect(res.data.case, roles.join()).toEqual({ id, category: 'CHILD_SEXUAL_EXPLOITATION' });
    }
  });

  it('node(id) answers a case under the same rule as case(id)', async () => {
    // The Case type implements Node, and its own scopes (not Query.case's filter) decide who reads it through node(id).
    const NODE = `query($id: ID!) { node(id: $id) { __typename ... on Case { id category } } }`;
    const exploitation = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const altercation = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const reviewer = await as('node-reviewer', ['REVIEWER']);
    for (const [id, category, readers, others] of [
      [exploitation, 'CHILD_SEXUAL_EXPLOITATION', [['CHILD_SAFETY_SPECIALIST'], ['LEAD'], ['LAW_ENFORCEMENT_LIAISON']], [['REVIEWER'], ['APPEALS_REVIEWER']]],
      [altercation, 'MINOR_PHYSICAL_ALTERCATION', [['REVIEWER'], ['APPEALS_REVIEWER'], ['ADMIN']], []],
    ] as [string, Category, Role[][], Role[][]][]) {
      for (const roles of readers) {
        const res = await server.gql(NODE, { id }, { token: await as('node-reader', roles) });
        expect(res.errors, `${category} ${roles}: ${JSON.stringify(res.errors)}`).toBeUndefined();
        expect(res.data.node, `${category} ${roles}`).toEqual({ __typename: 'Case', id, category });
      }
      for (const roles of others) {
        const res = await server.gql(NODE, { id }, { token: await as('node-other', roles) });
        // Null exactly as for a missing id: no FORBIDDEN error that would confirm the case exists.
        expect(res.errors, `${category} ${roles}: ${JSON.stringify(res.errors)}`).toBeUndefined();
        expect(res.data.node, `${category} ${roles}`).toBeNull();
      }
    }
    expect((await server.gql(NODE, { id: exploitation }, { token: reviewer })).data?.node ?? null).toBeNull();
  });

  it('duplicateOf is null, without an error, when the original is a case the reader may not see', async () => {
    // An altercation case closed as a duplicate of another whose category a later report raised to exploitation.
    const original = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const duplicate = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await server.app.db.prisma.case.update({ where: { id: duplicate }, data: { duplicateOfId: original, status: 'CLOSED' } });
    const DUPLICATE_OF = `query($id: ID!) { case(id: $id) { id duplicateOf { id } } }`;
    const reviewer = await as('dup-reviewer', ['REVIEWER']);
    expect((await server.gql(DUPLICATE_OF, { id: duplicate }, { token: reviewer })).data.case).toEqual({ id: duplicate, duplicateOf: { id: original } });
    // A case that is no duplicate answers null too.
    const single = await server.gql(DUPLICATE_OF, { id: original }, { token: reviewer });
    expect(single.errors).toBeUndefined();
    expect(single.data.case).toEqual({ id: original, duplicateOf: null });
    await server.app.db.prisma.case.update({ where: { id: original }, data: { category: 'CHILD_SEXUAL_EXPLOITATION', queue: 'CHILD_SEXUAL_EXPLOITATION' } });
    const hidden = await server.gql(DUPLICATE_OF, { id: duplicate }, { token: reviewer });
    // Null exactly as for no original: no FORBIDDEN error that would confirm the hidden case exists.
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data.case).toEqual({ id: duplicate, duplicateOf: null });
    const specialist = await as('dup-specialist', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    expect((await server.gql(DUPLICATE_OF, { id: duplicate }, { token: specialist })).data.case).toEqual({ id: duplicate, duplicateOf: { id: original } });
  });

  it("a case's strikes on its reported account: those of the categories the reader may see, never the case's own", async () => {
    const lead = await as('strike-lead', ['LEAD']);
    const { account, caseId: abuse } = await decidedCase('PHYSICAL_CHILD_ABUSE_MEDIA', ['REMOVE_CONTENT', 'ACCOUNT_STRIKE'], lead);
    const { caseId: altercation } = await decidedCase('MINOR_PHYSICAL_ALTERCATION', ['REMOVE_CONTENT', 'ACCOUNT_STRIKE'], lead, account);
    expect(await server.app.db.prisma.accountStrike.count({ where: { accountId: account } })).toBe(2);
    // Asked without the case's id, which the field still needs to leave the case's own strike out.
    const STRIKES = `query($id: ID!) { case(id: $id) { reportedAccountStrikes { category } } }`;
    const strikes = async (id: string, roles: Role[]) => {
      const res = await server.gql(STRIKES, { id }, { token: await as('strike-reader', roles) });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data.case.reportedAccountStrikes;
    };
    expect(await strikes(altercation, ['CHILD_SAFETY_SPECIALIST'])).toEqual([{ category: 'PHYSICAL_CHILD_ABUSE_MEDIA' }]);
    expect(await strikes(altercation, ['REVIEWER'])).toEqual([]);
    expect(await strikes(abuse, ['CHILD_SAFETY_SPECIALIST'])).toEqual([{ category: 'MINOR_PHYSICAL_ALTERCATION' }]);
    // A case that names no account has none.
    expect(await strikes(await fileCase('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: null }), ['LEAD'])).toEqual([]);
  });
});

describe('Query.case: ids, field rules and refusals', () => {
  it('an id that is not a UUID, or a UUID with anything around it, is null without an error', async () => {
    const id = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const reviewer = await as('id-reviewer', ['REVIEWER']);
    expect((await server.gql(CASE, { id }, { token: reviewer })).data.case).toEqual({ id, category: 'MINOR_PHYSICAL_ALTERCATION' });
    for (const bad of ['not-a-uuid', `${id}0`, `0${id}`, `x${id.slice(1)}`, id.replace(/-/g, '_'), '']) {
      const res = await server.gql(CASE, { id: bad }, { token: reviewer });
      expect(res.errors, bad).toBeUndefined();
      expect(res.data.case, bad).toBeNull();
    }
  });

  it('content, reported account, reports and hash matches: for those who handle the category and liaisons, not other oversight', async () => {
    const id = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const FIELDS: Record<string, string> = {
      reportedAccountId: 'reportedAccountId',
      content: 'content { contentId }',
      hashMatches: 'hashMatches { algorithm }',
      reports: 'reports { totalCount }',
      assessments: 'assessments { id }',
    };
    const allowed = { specialist: ['CHILD_SAFETY_SPECIALIST'], lead: ['LEAD'], liaison: ['LAW_ENFORCEMENT_LIAISON'] } as Record<string, Role[]>;
    const admin = await as('admin', ['ADMIN']);
    for (const [field, selection] of Object.entries(FIELDS)) {
      const query = `query($id: ID!) { case(id: $id) { id ${selection} } }`;
      for (const [name, roles] of Object.entries(allowed)) {
        const res = await server.gql(query, { id }, { token: await as(name, roles) });
        expect(res.errors, `${name} ${field}`).toBeUndefined();
        expect(res.data.case, `${name} ${field}`).toMatchObject({ id });
      }
      const refused = await server.gql(query, { id }, { token: admin });
      // A refused non-null field nulls the case; the reported account is nullable and alone is null.
      expect(refused.data?.case ?? null, field).toEqual(field === 'reportedAccountId' ? { id, reportedAccountId: null } : null);
      expect(refused.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, path: (e as { path?: string[] }).path?.join('.') })), field).toEqual([
        { message: 'Not authorized', code: 'FORBIDDEN', path: `case.${field}` },
      ]);
    }
    // The case itself and its other fields are open to oversight.
    const basic = await server.gql(CASE, { id }, { token: await as('admin', ['ADMIN']) });
    expect(basic.errors).toBeUndefined();
    expect(basic.data.case).toEqual({ id, category: 'CHILD_SEXUAL_EXPLOITATION' });
  });

  it('refusals say who is asking: FORBIDDEN for a signed-in caller, UNAUTHENTICATED for nobody, both with status 200', async () => {
    const id = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const nobody = await server.gql(CASE, { id });
    expect(nobody.status).toBe(200);
    expect(nobody.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Authentication required', 'UNAUTHENTICATED']]);
    const analyst = await server.gql(CASE, { id }, { token: await as('analyst', ['ANALYST']) });
    expect(analyst.status).toBe(200);
    expect(analyst.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Not authorized', 'FORBIDDEN']]);
  });

  it('exposure today: for reviewing roles only; the team view for leads and admins', async () => {
    const EXPOSURE = `{ me { exposureToday { casesToday cap remaining capReached } } }`;
    for (const roles of [['REVIEWER'], ['CHILD_SAFETY_SPECIALIST'], ['APPEALS_REVIEWER'], ['LEAD'], ['ANALYST', 'REVIEWER']] as Role[][]) {
      const res = await server.gql(EXPOSURE, {}, { token: await as('exposed', roles) });
      expect(res.errors, roles.join()).toBeUndefined();
      expect(res.data.me.exposureToday, roles.join()).toEqual({ casesToday: 0, cap: 40, remaining: 40, capReached: false });
    }
    for (const roles of [['ADMIN'], ['ANALYST'], ['PLATFORM'], ['LAW_ENFORCEMENT_LIAISON']] as Role[][]) {
      const res = await server.gql(EXPOSURE, {}, { token: await as('unexposed', roles) });
      expect(res.errors, roles.join()).toBeUndefined();
      expect(res.data.me.exposureToday, roles.join()).toBeNull();
    }
  });
});

describe('appeals: the original decider never decides the appeal', () => {
  const DECIDE_APPEAL = `mutation($input: DecideAppealInput!) {
    decideAppeal(input: $input) { __typename ... on DecideAppealSuccess { appeal { status } } ... on Error { code message } } }`;

  /** An altercation case decided (REMOVE_CONTENT) by `decider` and appealed by the platform; returns the ids. */
  async function appealedCase(deciderToken: string) {
    const { caseId, decisionId, account } = await decidedCase('MINOR_PHYSICAL_ALTERCATION', ['REMOVE_CONTENT'], deciderToken);
    const appeal = await server.gql(
      `mutation($input: SubmitAppealInput!) { submitAppeal(input: $input) { __typename ... on SubmitAppealSuccess { appeal { id } } ... on Error { message } } }`,
      { input: { decisionId, appellantAccountId: account, statement: 'placeholder statement' } },
      { token: await as('platform', ['PLATFORM']) },
    );
    expect(appeal.data.submitAppeal.__typename).toBe('SubmitAppealSuccess');
    return { caseId, appealId: appeal.data.submitAppeal.appeal.id as string };
  }

  it('is refused as the original decider, even holding a live lease on the appealed case, and the appeal stays pending', async () => {
    // A lead takes the decision; leads may also decide appeals, so only the decider rule stands in the way.
    const deciderId = `lead-decider-${hex(3)}`;
    const decider = await token(deciderId, ['LEAD']);
    const { caseId, appealId } = await appealedCase(decider);

    // Without a claim: refused as the decider, not merely for want of a lease.
    const unclaimed = await server.gql(DECIDE_APPEAL, { input: { appealId, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, { token: decider });
    expect(unclaimed.data.decideAppeal).toMatchObject({ __typename: 'ForbiddenError' });

    // The claim path never hands the decider this appeal…
    const claim = await server.gql(CLAIM, { queue: 'APPEALS' }, { token: decider });
    expect(claim.data.claimNextCase.__typename === 'ClaimNextCaseSuccess' ? claim.data.claimNextCase.case.id : null).not.toBe(caseId);
    if (claim.data.claimNextCase.__typename === 'ClaimNextCaseSuccess') {
      await server.gql(`mutation($id: ID!) { releaseCase(caseId: $id) { __typename } }`, { id: claim.data.claimNextCase.case.id }, { token: decider });
    }
    // …and should a lease reach the decider some other way, deciding is still refused.
    // (Here the lease is written directly, as a lead's reassignment or a future claim path might; the case stays APPEALED.)
    await server.app.db.prisma.case.update({ where: { id: caseId }, data: { assigneeId: deciderId, leaseExpiresAt: new Date(Date.now() + 10 * 60_000) } });
    const leased = await server.gql(DECIDE_APPEAL, { input: { appealId, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, { token: decider });
    expect(leased.data.decideAppeal).toMatchObject({ __typename: 'ForbiddenError' });
    const stored = await server.app.db.prisma.appeal.findUniqueOrThrow({ where: { id: appealId } });
    expect(stored).toMatchObject({ status: 'PENDING', outcome: null, decidedById: null });
    const decision = await server.app.db.prisma.decision.findFirstOrThrow({ where: { caseId } });
    expect(decision.reversedAt).toBeNull();

    // Someone else decides it.
    const other = await as('appeals-other', ['APPEALS_REVIEWER']);
    await server.app.db.prisma.case.update({ where: { id: caseId }, data: { assigneeId: null, leaseExpiresAt: null } });
    let got: string | null = null;
    for (let i = 0; i < 20 && got !== caseId; i++) {
      const r = await server.gql(CLAIM, { queue: 'APPEALS' }, { token: other });
      expect(r.data.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
      got = r.data.claimNextCase.case.id;
    }
    const ok = await server.gql(DECIDE_APPEAL, { input: { appealId, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, { token: other });
    expect(ok.data.decideAppeal).toMatchObject({ __typename: 'DecideAppealSuccess', appeal: { status: 'DECIDED' } });
  });
});
