// Case links: staff who may work two cases link them as being about the same incident or account, with a reason, and
// unlink them; each case shows its links to whoever may read it, leaving out a linked case the reader may not see. A
// lead applies the decision on one case to its linked cases in one step: each gets its own decision through
// decideCase's guards and side effects, with a result per case. Runs on PostgreSQL too (DATABASE_URL).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/policy/index.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { readSse } from './support/sse.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';

let server: TestServer;
let ispws: FakeIspws;
const tokens = {} as Record<Role, string>;
beforeAll(async () => {
  ispws = await startFakeIspws();
  server = await startServer({ NCMEC_API_URL: ispws.url, NCMEC_USERNAME: ispws.username, NCMEC_PASSWORD: ispws.password });
  for (const role of ROLES) {
    tokens[role] = await token(`links-${role.toLowerCase()}`, [role], `Links ${role}`);
    await server.gql('{ me { id } }', {}, { token: tokens[role] });
  }
});
afterAll(async () => {
  await server?.close();
  await ispws?.close();
});

const LINK = `mutation($caseId: ID!, $linkedCaseId: ID!, $reason: String!) { linkCases(caseId: $caseId, linkedCaseId: $linkedCaseId, reason: $reason) {
  __typename ... on LinkCasesSuccess { link { id linkId reason linkedAt linkedBy { id } linkedCase { id links { linkedCase { id } } } } case { id links { linkedCase { id } } } }
  ... on Error { message code } } }`;
const UNLINK = `mutation($caseId: ID!, $linkedCaseId: ID!, $reason: String) { unlinkCases(caseId: $caseId, linkedCaseId: $linkedCaseId, reason: $reason) {
  __typename ... on UnlinkCasesSuccess { case { id links { id } } linkedCase { id links { id } } } ... on Error { message code } } }`;
const LINKS = `query($id: ID!) { case(id: $id) { id links { id reason linkedAt linkedBy { id } linkedCase { id category } } } }`;
const APPLY = `mutation($input: ApplyDecisionToLinkedCasesInput!) { applyDecisionToLinkedCases(input: $input) {
  __typename ... on ApplyDecisionToLinkedCasesSuccess {
    decision { id actions }
    case { id }
    results { caseId applied decision { id actions justification statementOfReasons { ground } } case { id status version }
      error { __typename message code ... on VersionConflictError { currentVersion } } } }
  ... on Error { message code } } }`;

async function file(category: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await server.gql(
    `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`,
    { input: { contentId: `content-${hex(4)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}`, ...over } },
  );
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return (await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } })).caseId;
}

async function link(role: Role | 'ANONYMOUS', caseId: string, linkedCaseId: string, reason = 'placeholder reason') {
  const res = await server.gql(LINK, { caseId, linkedCaseId, reason }, role === 'ANONYMOUS' ? {} : { token: tokens[role] });
  expect(res.errors, role).toBeUndefined();
  return res.data.linkCases;
}

async function unlink(role: Role | 'ANONYMOUS', caseId: string, linkedCaseId: string, reason?: string) {
  const res = await server.gql(UNLINK, { caseId, linkedCaseId, reason }, role === 'ANONYMOUS' ? {} : { token: tokens[role] });
  expect(res.errors, role).toBeUndefined();
  return res.data.unlinkCases;
}

async function apply(role: Role, input: Record<string, unknown>) {
  const res = await server.gql(APPLY, { input }, { token: tokens[role] });
  expect(res.errors, role).toBeUndefined();
  return res.data.applyDecisionToLinkedCases;
}

const linkedIds = async (role: Role, caseId: string) => {
  const res = await server.gql(LINKS, { id: caseId }, { token: tokens[role] });
  expect(res.errors, role).toBeUndefined();
  return res.data.case ? res.data.case.links.map((l: { linkedCase: { id: string } }) => l.linkedCase.id) : null;
};

const MPA_ASSESSMENT = { ageAssessment: 'APPARENT_MINOR', context: 'ABUSIVE', excessivelyGraphic: false };
const CSE_ASSESSMENT = { ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED' };

/** A lead claims, assesses and decides the case with the recommended actions. */
async function decideAsLead(caseId: string, category: string, assessment: Record<string, unknown>): Promise<{ decisionId: string; actions: string[] }> {
  const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename ... on Error { message } } }`, { id: caseId }, { token: tokens.LEAD });
  expect(claimed.data.claimCase.__typename).toBe('ClaimCaseSuccess');
  const assessed = await server.gql(
    `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { assessment { recommendation { actions } } case { version } } ... on Error { message } } }`,
    { input: { caseId, category, ...assessment } },
    { token: tokens.LEAD },
  );
  expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
  const actions = assessed.data.submitAssessment.assessment.recommendation.actions as string[];
  const decided = await server.gql(
    `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on DecideCaseSuccess { decision { id } } ... on Error { message } } }`,
    { input: { caseId, expectedVersion: assessed.data.submitAssessment.case.version, actions } },
    { token: tokens.LEAD },
  );
  expect(decided.data.decideCase.__typename, JSON.stringify(decided.data)).toBe('DecideCaseSuccess');
  return { decisionId: decided.data.decideCase.decision.id, actions };
}

/** Who may link (and unlink) two cases of these categories: those who may work both. */
const LINKERS: Record<string, Role[]> = {
  'MINOR_PHYSICAL_ALTERCATION+MINOR_PHYSICAL_ALTERCATION': ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD'],
  'MINOR_PHYSICAL_ALTERCATION+CHILD_SEXUAL_EXPLOITATION': ['CHILD_SAFETY_SPECIALIST', 'LEAD'],
};

describe('linking and unlinking, for each role', () => {
  for (const [pair, linkers] of Object.entries(LINKERS)) {
    const [first, second] = pair.split('+') as [string, string];
    it(`${first} with ${second}: those who may work both cases link and unlink them; everyone else is refused, writing nothing`, async () => {
      for (const role of ROLES) {
        const a = await file(first);
        const b = await file(second);
        const res = await link(role, a, b);
        if (linkers.includes(role)) {
          expect(res, role).toMatchObject({
            __typename: 'LinkCasesSuccess',
            link: { reason: 'placeholder reason', linkedBy: { id: `links-${role.toLowerCase()}` }, linkedCase: { id: b, links: [{ linkedCase: { id: a } }] } },
            case: { id: a, links: [{ linkedCase: { id: b } }] },
          });
          // Another staff member without the standing to link is refused the unlink; the linker unlinks.
          expect(await unlink('ANALYST', b, a), role).toMatchObject({ __typename: 'ForbiddenError', message: 'Not authorized' });
          expect(await unlink(role, b, a, 'placeholder reason'), role).toMatchObject({ __typename: 'UnlinkCasesSuccess', case: { id: b, links: [] }, linkedCase: { id: a, links: [] } });
          expect(await server.app.db.prisma.caseLink.count({ where: { OR: [{ caseId: a }, { caseId: b }] } })).toBe(0);
        } else {
          if (['ANALYST', 'PLATFORM', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'].includes(role)) {
            // Not case-working roles: refused by scope.
            expect(res, role).toEqual({ __typename: 'ForbiddenError', message: 'Not authorized', code: 'FORBIDDEN' });
          } else {
            // A reviewing role that may not see one of the cases: refused like a missing case.
            expect(res, role).toEqual({ __typename: 'NotFoundError', message: 'Case was not found', code: 'NOT_FOUND' });
          }
          expect(await server.app.db.prisma.caseLink.count({ where: { OR: [{ caseId: a }, { caseId: b }, { linkedCaseId: a }, { linkedCaseId: b }] } }), role).toBe(0);
          // And so is their unlink of a link a lead made.
          expect((await link('LEAD', a, b)).__typename).toBe('LinkCasesSuccess');
          expect((await unlink(role, a, b)).__typename, role).toMatch(/^(ForbiddenError|NotFoundError)$/);
          expect(await server.app.db.prisma.caseLink.count({ where: { OR: [{ caseId: a }, { caseId: b }] } }), role).toBe(1);
        }
      }
      expect(await link('ANONYMOUS', await file(first), await file(second))).toMatchObject({ __typename: 'NotAuthenticatedError' });
    });
  }

  it('refuses a self-link, an empty reason, a duplicate, a missing case and an unlink of cases not linked, with typed errors', async () => {
    const a = await file('MINOR_PHYSICAL_ALTERCATION');
    const b = await file('MINOR_PHYSICAL_ALTERCATION');
    expect(await link('REVIEWER', a, a)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(await link('REVIEWER', a, b, '  ')).toMatchObject({ __typename: 'ValidationError' });
    expect(await link('REVIEWER', a, b, 'x'.repeat(2001))).toMatchObject({ __typename: 'ValidationError' });
    expect(await link('REVIEWER', a, randomUUID())).toMatchObject({ __typename: 'NotFoundError' });
    expect(await link('REVIEWER', 'not-an-id', b)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await unlink('REVIEWER', a, b)).toMatchObject({ __typename: 'NotFoundError', message: 'Case link was not found' });
    expect(await server.app.db.prisma.caseLink.count({ where: { OR: [{ caseId: a }, { linkedCaseId: a }] } })).toBe(0);
    expect((await link('REVIEWER', a, b)).__typename).toBe('LinkCasesSuccess');
    // The same pair from either side is one link.
    expect(await link('LEAD', b, a)).toMatchObject({ __typename: 'InvalidTransitionError', message: 'These cases are already linked' });
    expect(await server.app.db.prisma.caseLink.count({ where: { OR: [{ caseId: a }, { linkedCaseId: a }] } })).toBe(1);
  });
});

describe('reading links', () => {
  it('shows a link on both cases, with its reason, who made it and when', async () => {
    const a = await file('MINOR_PHYSICAL_ALTERCATION');
    const b = await file('MINOR_PHYSICAL_ALTERCATION');
    const c = await file('MINOR_PHYSICAL_ALTERCATION');
    expect((await link('REVIEWER', a, b, 'placeholder reason one')).__typename).toBe('LinkCasesSuccess');
    expect((await link('LEAD', c, a, 'placeholder reason two')).__typename).toBe('LinkCasesSuccess');
    const read = await server.gql(LINKS, { id: a }, { token: tokens.REVIEWER });
    expect(read.data.case.links).toEqual([
      { id: expect.any(String), reason: 'placeholder reason one', linkedAt: expect.any(String), linkedBy: { id: 'links-reviewer' }, linkedCase: { id: b, category: 'MINOR_PHYSICAL_ALTERCATION' } },
      { id: expect.any(String), reason: 'placeholder reason two', linkedAt: expect.any(String), linkedBy: { id: 'links-lead' }, linkedCase: { id: c, category: 'MINOR_PHYSICAL_ALTERCATION' } },
    ]);
    expect(await linkedIds('REVIEWER', b)).toEqual([a]);
    expect(await linkedIds('ADMIN', c)).toEqual([a]);
  });

  it('leaves out a linked case the reader may not see: no entry, and not its id', async () => {
    const mpa = await file('MINOR_PHYSICAL_ALTERCATION');
    const other = await file('MINOR_PHYSICAL_ALTERCATION');
    const cse = await file('CHILD_SEXUAL_EXPLOITATION');
    expect((await link('CHILD_SAFETY_SPECIALIST', mpa, cse)).__typename).toBe('LinkCasesSuccess');
    expect((await link('REVIEWER', mpa, other)).__typename).toBe('LinkCasesSuccess');
    for (const role of ['REVIEWER', 'APPEALS_REVIEWER'] as const) {
      const res = await server.gql(LINKS, { id: mpa }, { token: tokens[role] });
      expect(res.errors, role).toBeUndefined();
      expect(res.data.case.links.map((l: { linkedCase: { id: string } }) => l.linkedCase.id), role).toEqual([other]);
      expect(JSON.stringify(res).includes(cse), role).toBe(false);
      expect(await linkedIds(role, cse), role).toBeNull();
    }
    for (const role of ['CHILD_SAFETY_SPECIALIST', 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'] as const) {
      expect(await linkedIds(role, mpa), role).toEqual([cse, other]);
      expect(await linkedIds(role, cse), role).toEqual([mpa]);
    }
    for (const role of ['ANALYST', 'PLATFORM'] as const) {
      const res = await server.gql(LINKS, { id: mpa }, { token: tokens[role] });
      expect(res.data?.case ?? null, role).toBeNull();
    }
  });
});

describe('audit events naming a case the reader may not see', () => {
  const TRAIL = `query($id: ID!) { case(id: $id) { auditTrail { id action changeSet } } }`;
  const NODE = `query($id: ID!) { node(id: $id) { id ... on AuditEvent { action } } }`;

  it('are left out of Case.auditTrail and answer null by node(id) for that reader; whoever may see every case sees every event, and the chain is untouched', async () => {
    const mpa = await file('MINOR_PHYSICAL_ALTERCATION');
    const other = await file('MINOR_PHYSICAL_ALTERCATION');
    const cse = await file('CHILD_SEXUAL_EXPLOITATION');
    expect((await link('CHILD_SAFETY_SPECIALIST', mpa, cse)).__typename).toBe('LinkCasesSuccess');
    expect((await unlink('CHILD_SAFETY_SPECIALIST', mpa, cse)).__typename).toBe('UnlinkCasesSuccess');
    expect((await link('LEAD', mpa, cse)).__typename).toBe('LinkCasesSuccess');
    expect((await link('REVIEWER', mpa, other)).__typename).toBe('LinkCasesSuccess');
    await decideAsLead(mpa, 'MINOR_PHYSICAL_ALTERCATION', MPA_ASSESSMENT);
    const applied = await apply('LEAD', { caseId: mpa, linkedCases: [{ caseId: cse }] });
    expect(applied.results).toMatchObject([{ caseId: cse, applied: false }]);

    const raw = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: mpa }, orderBy: { seq: 'asc' } });
    const ids = (events: Array<{ seq: bigint }>) => events.map((e) => `AuditEvent:${e.seq}`);
    const naming = raw.filter((e) => JSON.stringify(e.changes).includes(cse));
    expect(naming.map((e) => e.action)).toEqual(['case.linked', 'case.unlinked', 'case.linked', 'decision.applied_to_linked_cases']);
    const shown = raw.filter((e) => !naming.includes(e));
    expect(shown.map((e) => e.action)).toContain('case.linked');

    for (const role of ['REVIEWER', 'APPEALS_REVIEWER'] as const) {
      const res = await server.gql(TRAIL, { id: mpa }, { token: tokens[role] });
      expect(res.errors, role).toBeUndefined();
      expect(res.data.case.auditTrail.map((e: { id: string }) => e.id), role).toEqual(ids(shown));
      expect(JSON.stringify(res).includes(cse), role).toBe(false);
      for (const id of ids(naming)) {
        const node = await server.gql(NODE, { id }, { token: tokens[role] });
        expect(node.errors, role).toBeUndefined();
        expect(node.data.node, `${role} ${id}`).toBeNull();
      }
      const visible = await server.gql(NODE, { id: ids(shown)[0] }, { token: tokens[role] });
      expect(visible.data.node, role).toMatchObject({ id: ids(shown)[0] });
    }
    for (const role of ['CHILD_SAFETY_SPECIALIST', 'LEAD', 'LAW_ENFORCEMENT_LIAISON'] as const) {
      const res = await server.gql(TRAIL, { id: mpa }, { token: tokens[role] });
      expect(res.errors, role).toBeUndefined();
      expect(res.data.case.auditTrail.map((e: { id: string }) => e.id), role).toEqual(ids(raw));
      for (const id of ids(naming)) expect((await server.gql(NODE, { id }, { token: tokens[role] })).data.node, `${role} ${id}`).toMatchObject({ id });
    }
    const verified = await server.gql(`{ verifyAuditChain { ok } }`, {}, { token: tokens.LEAD });
    expect(verified.data.verifyAuditChain.ok).toBe(true);
  });
});

describe('audit and live events', () => {
  it('a link and an unlink each write an audit event on both cases and publish an update to both queues', async () => {
    const a = await file('MINOR_PHYSICAL_ALTERCATION');
    const b = await file('MINOR_PHYSICAL_ALTERCATION');
    const controller = new AbortController();
    const events: Array<{ kind: string; case: { id: string } | null }> = [];
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens.REVIEWER}` },
      body: JSON.stringify({ query: 'subscription { queueUpdates(queue: MINOR_PHYSICAL_ALTERCATION) { kind case { id } } }' }),
      signal: controller.signal,
    });
    const reading = readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    await new Promise((r) => setTimeout(r, 200));

    const linked = await link('REVIEWER', a, b, 'placeholder link reason');
    const linkId = linked.link.linkId;
    expect(linked.link.id).toBe(`CaseLink:${linkId}:${a}`);
    await expect.poll(() => [a, b].every((id) => events.some((e) => e.kind === 'UPDATED' && e.case?.id === id)), { timeout: 5000 }).toBe(true);
    events.length = 0;
    expect((await unlink('LEAD', b, a, 'placeholder unlink reason')).__typename).toBe('UnlinkCasesSuccess');
    await expect.poll(() => [a, b].every((id) => events.some((e) => e.kind === 'UPDATED' && e.case?.id === id)), { timeout: 5000 }).toBe(true);
    controller.abort();
    await reading;

    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { entityId: linkId }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.action, e.actorId, e.entityType, e.caseId, e.changes])).toEqual([
      ['case.linked', 'links-reviewer', 'CaseLink', a, { linkId, linkedCaseId: b, reason: 'placeholder link reason' }],
      ['case.linked', 'links-reviewer', 'CaseLink', b, { linkId, linkedCaseId: a, reason: 'placeholder link reason' }],
      // Unlinked from b's side: b's event first.
      ['case.unlinked', 'links-lead', 'CaseLink', b, { linkId, linkedCaseId: a, reason: 'placeholder unlink reason' }],
      ['case.unlinked', 'links-lead', 'CaseLink', a, { linkId, linkedCaseId: b, reason: 'placeholder unlink reason' }],
    ]);
  });
});

describe('applying a decision to linked cases', () => {
  it('only leads apply a decision; others are refused by scope', async () => {
    const source = await file('MINOR_PHYSICAL_ALTERCATION');
    for (const role of ROLES.filter((r) => r !== 'LEAD')) {
      expect(await apply(role, { caseId: source }), role).toEqual({ __typename: 'ForbiddenError', message: 'Not authorized', code: 'FORBIDDEN' });
    }
    // A lead on a case with no decision, or a missing case: typed errors.
    expect(await apply('LEAD', { caseId: source })).toMatchObject({ __typename: 'InvalidTransitionError', message: 'The case has no standing decision to apply' });
    expect(await apply('LEAD', { caseId: randomUUID() })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await apply('LEAD', { caseId: source, linkedCases: [{ caseId: 'not-a-case' }] })).toMatchObject({ __typename: 'ValidationError' });
    const twice = randomUUID();
    expect(await apply('LEAD', { caseId: source, linkedCases: [{ caseId: twice }, { caseId: twice }] })).toMatchObject({ __typename: 'ValidationError' });
  });

  it('mixed outcomes: each linked case gets its own decision or a refusal with the reason, and one refusal aborts nothing', async () => {
    const account = `account-${hex(4)}`;
    const source = await file('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: account });
    const open = await file('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: account });
    const decided = await file('MINOR_PHYSICAL_ALTERCATION');
    const otherCategory = await file('CHILD_SEXUAL_EXPLOITATION', { reportedAccountId: account });
    const stale = await file('MINOR_PHYSICAL_ALTERCATION');
    const held = await file('MINOR_PHYSICAL_ALTERCATION');
    const notLinked = await file('MINOR_PHYSICAL_ALTERCATION');
    const sourceDecision = await decideAsLead(source, 'MINOR_PHYSICAL_ALTERCATION', MPA_ASSESSMENT);
    await decideAsLead(decided, 'MINOR_PHYSICAL_ALTERCATION', MPA_ASSESSMENT);
    for (const other of [open, decided, otherCategory, stale, held]) expect((await link('LEAD', source, other)).__typename).toBe('LinkCasesSuccess');
    // A reviewer is working `held`: a lead assigned it to them.
    const heldVersion = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: held } })).version;
    const assigned = await server.gql(
      `mutation($caseId: ID!, $reviewerId: ID!, $expectedVersion: Int!) { assignCase(caseId: $caseId, reviewerId: $reviewerId, expectedVersion: $expectedVersion) { __typename } }`,
      { caseId: held, reviewerId: 'links-reviewer', expectedVersion: heldVersion },
      { token: tokens.LEAD },
    );
    expect(assigned.data.assignCase.__typename).toBe('AssignCaseSuccess');
    // The lead read `stale` at this version; then it moved.
    const staleVersion = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: stale } })).version;
    const moved = await server.gql(`mutation($caseId: ID!) { moveCase(caseId: $caseId, priority: P1, reason: "placeholder reason") { __typename } }`, { caseId: stale }, { token: tokens.LEAD });
    expect(moved.data.moveCase.__typename).toBe('MoveCaseSuccess');
    const openVersion = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: open } })).version;
    const decisionsBefore = await server.app.db.prisma.decision.count();

    const controller = new AbortController();
    const events: Array<{ kind: string; case: { id: string } | null }> = [];
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens.LEAD}` },
      body: JSON.stringify({ query: 'subscription { queueUpdates(queue: MINOR_PHYSICAL_ALTERCATION) { kind case { id } } }' }),
      signal: controller.signal,
    });
    const reading = readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    await new Promise((r) => setTimeout(r, 200));

    const answer = await apply('LEAD', {
      caseId: source,
      linkedCases: [
        { caseId: open, expectedVersion: openVersion },
        { caseId: decided },
        { caseId: otherCategory },
        { caseId: stale, expectedVersion: staleVersion },
        { caseId: held },
        { caseId: notLinked },
      ],
    });
    expect(answer.__typename, JSON.stringify(answer)).toBe('ApplyDecisionToLinkedCasesSuccess');
    expect(answer.decision.id).toBe(sourceDecision.decisionId);
    const byCase = Object.fromEntries(answer.results.map((r: { caseId: string }) => [r.caseId, r]));
    expect(answer.results.map((r: { caseId: string }) => r.caseId)).toEqual([open, decided, otherCategory, stale, held, notLinked]);
    expect(byCase[open]).toMatchObject({ applied: true, error: null, case: { id: open, status: 'DECIDED', version: openVersion + 1 }, decision: { actions: sourceDecision.actions } });
    expect(byCase[decided]).toMatchObject({ applied: false, decision: null, error: { __typename: 'InvalidTransitionError', message: expect.stringMatching(/DECIDED/) } });
    expect(byCase[otherCategory]).toMatchObject({ applied: false, error: { __typename: 'InvalidTransitionError', message: expect.stringMatching(/does not cover a CHILD_SEXUAL_EXPLOITATION case/) } });
    expect(byCase[stale]).toMatchObject({ applied: false, error: { __typename: 'VersionConflictError', currentVersion: staleVersion + 1 } });
    expect(byCase[held]).toMatchObject({ applied: false, error: { __typename: 'InvalidTransitionError', message: 'This case is claimed by another reviewer' } });
    expect(byCase[notLinked]).toMatchObject({ applied: false, case: null, error: { __typename: 'NotFoundError', message: 'Linked case was not found' } });
    expect(await server.app.db.prisma.decision.count()).toBe(decisionsBefore + 1);

    // The new decision: the source's actions and statement ground, its own row, the lead as decider.
    const made = await server.app.db.prisma.decision.findFirstOrThrow({ where: { caseId: open } });
    const original = await server.app.db.prisma.decision.findUniqueOrThrow({ where: { id: sourceDecision.decisionId } });
    expect(made).toMatchObject({ actions: original.actions, decidedById: 'links-lead', justification: original.justification, policyVersion: original.policyVersion });
    expect((made.statementOfReasons as { ground: string }).ground).toBe((original.statementOfReasons as { ground: string }).ground);
    expect(byCase[open].decision.statementOfReasons.ground).toBe((original.statementOfReasons as { ground: string }).ground);
    // Audited as any decision, naming where it came from; the refused cases have no decision event.
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { action: 'decision.made', caseId: { in: [open, decided, otherCategory, stale, held] }, actorId: 'links-lead', seq: { gt: 0 } }, orderBy: { seq: 'asc' } });
    const applied = audit.filter((e) => e.caseId !== decided);
    expect(applied.map((e) => [e.caseId, e.entityId, (e.changes as { appliedFrom?: unknown }).appliedFrom])).toEqual([[open, made.id, { caseId: source, decisionId: sourceDecision.decisionId }]]);
    // And the step as a whole, on the source case.
    const step = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: source, action: 'decision.applied_to_linked_cases' } });
    expect(step.map((e) => [e.actorId, e.entityId, e.changes])).toEqual([
      [
        'links-lead',
        sourceDecision.decisionId,
        {
          decisionId: sourceDecision.decisionId,
          applied: [{ caseId: open, decisionId: made.id }],
          refused: [
            { caseId: decided, code: 'INVALID_TRANSITION' },
            { caseId: otherCategory, code: 'INVALID_TRANSITION' },
            { caseId: stale, code: 'VERSION_CONFLICT' },
            { caseId: held, code: 'INVALID_TRANSITION' },
            { caseId: notLinked, code: 'NOT_FOUND' },
          ],
        },
      ],
    ]);
    // In the enforcement feed, as an APPLY of its own.
    const feed = await server.gql(`{ enforcementFeed(first: 500) { items { kind decisionId } } }`, {}, { token: tokens.PLATFORM });
    expect(feed.data.enforcementFeed.items).toContainEqual({ kind: 'APPLY', decisionId: made.id });
    // Published as resolved to the queue's subscribers.
    await expect.poll(() => events.some((e) => e.kind === 'RESOLVED' && e.case?.id === open), { timeout: 5000 }).toBe(true);
    controller.abort();
    await reading;
    expect(events.some((e) => e.kind === 'RESOLVED' && [stale, held, notLinked].includes(e.case?.id ?? ''))).toBe(false);
    // The refused cases are as they were.
    expect((await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: stale } })).status).toBe('OPEN');
    expect((await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: held } })).assigneeId).toBe('links-reviewer');

    // Applying again with no list takes every linked case: the one already decided is refused, nothing is decided twice.
    const again = await apply('LEAD', { caseId: source });
    expect(again.results.find((r: { caseId: string }) => r.caseId === open)).toMatchObject({ applied: false, error: { __typename: 'InvalidTransitionError' } });
    expect(again.results.map((r: { caseId: string }) => r.caseId).sort()).toEqual([open, decided, otherCategory, stale, held].sort());
    expect(again.results.find((r: { caseId: string }) => r.caseId === stale)).toMatchObject({ applied: true });
    expect(await server.app.db.prisma.decision.count({ where: { caseId: open } })).toBe(1);
  });

  it('the two-person rule holds per case: the lead who assessed a declined exploitation case is refused, and the case is left as it was', async () => {
    const secondLead = await token('links-lead-2', ['LEAD'], 'Links second lead');
    const source = await file('CHILD_SEXUAL_EXPLOITATION');
    const linked = await file('CHILD_SEXUAL_EXPLOITATION');
    // The first lead assesses and proposes no action: refused under the two-person rule, the case goes to other leads.
    expect((await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename } }`, { id: source }, { token: tokens.LEAD })).data.claimCase.__typename).toBe('ClaimCaseSuccess');
    const assessed = await server.gql(
      `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { case { version } } } }`,
      { input: { caseId: source, category: 'CHILD_SEXUAL_EXPLOITATION', ...CSE_ASSESSMENT } },
      { token: tokens.LEAD },
    );
    const DECIDE = `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on DecideCaseSuccess { decision { id } } ... on Error { message } } }`;
    const declined = { caseId: source, actions: ['NO_ACTION'], justification: 'placeholder justification' };
    const first = await server.gql(DECIDE, { input: { ...declined, expectedVersion: assessed.data.submitAssessment.case.version } }, { token: tokens.LEAD });
    expect(first.data.decideCase.__typename).toBe('EscalationRequiredError');
    // The second lead takes it and declines enforcement: a decision.
    expect((await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename ... on Error { message } } }`, { id: source }, { token: secondLead })).data.claimCase.__typename).toBe('ClaimCaseSuccess');
    const version = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: source } })).version;
    const second = await server.gql(DECIDE, { input: { ...declined, expectedVersion: version } }, { token: secondLead });
    expect(second.data.decideCase.__typename).toBe('DecideCaseSuccess');
    expect((await link('LEAD', source, linked)).__typename).toBe('LinkCasesSuccess');
    const before = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: linked } });

    // The lead who assessed it may not apply the declined decision: refused, and not escalated.
    const refused = await apply('LEAD', { caseId: source });
    expect(refused.results).toEqual([
      expect.objectContaining({ caseId: linked, applied: false, error: expect.objectContaining({ __typename: 'EscalationRequiredError', code: 'ESCALATION_REQUIRED' }) }),
    ]);
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: linked } })).toEqual(before);
    // The other lead may.
    const res = await server.gql(APPLY, { input: { caseId: source } }, { token: secondLead });
    expect(res.data.applyDecisionToLinkedCases.results).toEqual([expect.objectContaining({ caseId: linked, applied: true, decision: expect.objectContaining({ actions: ['NO_ACTION'], justification: 'placeholder justification' }) })]);
    const made = await server.app.db.prisma.auditEvent.findFirstOrThrow({ where: { caseId: linked, action: 'decision.made' } });
    expect(made.changes).toMatchObject({ declinedEnforcementOnExploitation: true, appliedFrom: { caseId: source } });
  });

  it('an exploitation decision applied to a linked case creates its CyberTipline record and preservation hold', async () => {
    const source = await file('CHILD_SEXUAL_EXPLOITATION', { mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] });
    const linked = await file('CHILD_SEXUAL_EXPLOITATION', { mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] });
    const { actions } = await decideAsLead(source, 'CHILD_SEXUAL_EXPLOITATION', CSE_ASSESSMENT);
    expect(actions).toContain('REMOVE_CONTENT');
    expect((await link('CHILD_SAFETY_SPECIALIST', linked, source)).__typename).toBe('LinkCasesSuccess');
    const answer = await apply('LEAD', { caseId: source });
    expect(answer.results).toEqual([expect.objectContaining({ caseId: linked, applied: true, error: null })]);
    const record = await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId: linked } });
    expect(record.decisionId).toBe(answer.results[0].decision.id);
    expect(await server.app.db.prisma.preservationHold.count({ where: { caseId: linked } })).toBe(1);
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: linked }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['decision.made', 'ncmec.report_created', 'preservation.hold_created']));
    await expect.poll(async () => (await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId: linked } })).status, { timeout: 30_000 }).toBe('SUBMITTED');
  }, 60_000);
});
