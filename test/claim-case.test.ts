// claimCase: a lead or an appeals reviewer claims the case they chose, under claimNextCase's rules (qualification,
// escalation, exposure cap), with the same lease, audit event and live event; refusals are typed and a hidden case is
// refused exactly like a missing one. Runs on PostgreSQL too (DATABASE_URL), where the claimers really race.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { readSse } from './support/sse.js';
import type { Role } from '../src/policy/index.js';

const CAP = 3;
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ DAILY_EXPOSURE_CAP: String(CAP) });
});
afterAll(() => server?.close());

const ERROR_FIELDS = '... on Error { message code } ... on NotQualifiedError { qualification } ... on ExposureCapReachedError { cap }';
const CLAIM_CASE = `mutation($id: ID!, $expectedVersion: Int) { claimCase(id: $id, expectedVersion: $expectedVersion) {
  __typename ... on ClaimCaseSuccess { leaseExpiresAt case { id version status queue assignee { id } } } ${ERROR_FIELDS} ... on VersionConflictError { currentVersion } } }`;
const CLAIM_NEXT = `mutation($queue: QueueName!) { claimNextCase(queue: $queue) {
  __typename ... on ClaimNextCaseSuccess { leaseExpiresAt case { id version status queue } } ${ERROR_FIELDS} } }`;

const as = (sub: string, roles: Role[]) => token(sub, roles, `Placeholder ${sub}`);

async function claimCase(bearer: string, id: string, expectedVersion?: number) {
  const res = await server.gql(CLAIM_CASE, { id, expectedVersion }, { token: bearer });
  expect(res.errors).toBeUndefined();
  return res.data.claimCase;
}
async function claimNext(bearer: string, queue: string) {
  const res = await server.gql(CLAIM_NEXT, { queue }, { token: bearer });
  expect(res.errors).toBeUndefined();
  return res.data.claimNextCase;
}

/** Files a report; answers its case id and follow-up token. */
async function file(category: string): Promise<{ caseId: string; followUpToken: string }> {
  const res = await server.gql(
    `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { followUpToken report { id } } } }`,
    { input: { contentId: `content-${hex(4)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}` } },
  );
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const report = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } });
  return { caseId: report.caseId, followUpToken: res.data.submitReport.followUpToken };
}

/** Closes every waiting case of a queue, so the next claim there takes the case a test filed. */
const drain = (queue: string) => server.app.db.prisma.case.updateMany({ where: { queue: queue as never, status: { in: ['OPEN', 'APPEALED'] }, assigneeId: null }, data: { status: 'CLOSED' } });

const ASSESS = `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { case { version } } ... on Error { message } } }`;
const DECIDE = `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on DecideCaseSuccess { decision { id } } ... on Error { message } } }`;
const APPEAL = `mutation($input: SubmitAppealInput!) { submitAppeal(input: $input) { __typename ... on SubmitAppealSuccess { receipt { id } } ... on Error { message } } }`;

/** A case of `category`, decided by a lead (who claims it with claimCase) and appealed by its notifier. */
async function appealed(category: 'CHILD_SEXUAL_EXPLOITATION' | 'MINOR_PHYSICAL_ALTERCATION', decider: string) {
  const { caseId, followUpToken } = await file(category);
  expect((await claimCase(decider, caseId)).__typename).toBe('ClaimCaseSuccess');
  const assessment = category === 'MINOR_PHYSICAL_ALTERCATION' ? { ageAssessment: 'ADULT' } : { ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED' };
  const assessed = await server.gql(ASSESS, { input: { caseId, category, ...assessment } }, { token: decider });
  expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
  const actions = category === 'MINOR_PHYSICAL_ALTERCATION' ? ['NO_ACTION'] : ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'];
  const decided = await server.gql(DECIDE, { input: { caseId, expectedVersion: assessed.data.submitAssessment.case.version, actions } }, { token: decider });
  expect(decided.data.decideCase.__typename, JSON.stringify(decided.data)).toBe('DecideCaseSuccess');
  const appeal = await server.gql(APPEAL, { input: { decisionId: decided.data.decideCase.decision.id, followUpToken, statement: 'placeholder statement' } });
  expect(appeal.data.submitAppeal.__typename, JSON.stringify(appeal.data)).toBe('SubmitAppealSuccess');
  return caseId;
}

describe('claimCase', () => {
  it('a lead claims the chosen case: lease, answered case, audit event and live CLAIMED event, like claimNextCase', async () => {
    const lead = await as('chooser-lead', ['LEAD']);
    const { caseId } = await file('PHYSICAL_CHILD_ABUSE_MEDIA');
    // A live subscriber of the queue sees the claim.
    const controller = new AbortController();
    const events: Array<{ kind: string; case: { id: string } | null }> = [];
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${lead}` },
      body: JSON.stringify({ query: 'subscription { queueUpdates(queue: PHYSICAL_CHILD_ABUSE_MEDIA) { kind case { id } } }' }),
      signal: controller.signal,
    });
    const reading = readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    await new Promise((r) => setTimeout(r, 200));

    const before = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    const claimed = await claimCase(lead, caseId, before.version);
    expect(claimed.__typename).toBe('ClaimCaseSuccess');
    expect(claimed.case).toEqual({ id: caseId, version: before.version + 1, status: 'IN_REVIEW', queue: 'PHYSICAL_CHILD_ABUSE_MEDIA', assignee: { id: 'chooser-lead' } });
    expect(new Date(claimed.leaseExpiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    const stored = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    expect(stored).toMatchObject({ status: 'IN_REVIEW', assigneeId: 'chooser-lead', version: before.version + 1 });
    expect(stored.leaseExpiresAt?.toISOString()).toBe(claimed.leaseExpiresAt);
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId, action: 'case.claimed' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorKind: 'USER', actorId: 'chooser-lead' });
    expect(await server.app.db.prisma.caseClaim.count({ where: { caseId, reviewerId: 'chooser-lead' } })).toBe(1);
    await expect.poll(() => events.find((e) => e.kind === 'CLAIMED' && e.case?.id === caseId), { timeout: 5000 }).toBeTruthy();
    controller.abort();
    await reading;

    // Claimed once, it cannot be claimed again: not by its holder, not by another lead.
    expect(await claimCase(lead, caseId)).toMatchObject({ __typename: 'InvalidTransitionError', message: expect.stringMatching(/already hold/) });
    expect(await claimCase(await as('other-lead', ['LEAD']), caseId)).toMatchObject({ __typename: 'InvalidTransitionError', message: 'This case is claimed by another reviewer' });
  });

  it('a stale expectedVersion is a VersionConflictError naming the current version, and claims nothing', async () => {
    const lead = await as('versioned-lead', ['LEAD']);
    const { caseId } = await file('MINOR_PHYSICAL_ALTERCATION');
    const { version } = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    expect(await claimCase(lead, caseId, version - 1)).toMatchObject({ __typename: 'VersionConflictError', currentVersion: version });
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ assigneeId: null, version });
  });

  it('claimCase against claimNextCase on the same case: exactly one winner, one claim, one audit event', async () => {
    const rounds = 8;
    const a = await as('race-lead-a', ['LEAD']);
    const b = await as('race-lead-b', ['LEAD']);
    const won = { claimCase: 0, claimNextCase: 0 };
    for (let i = 0; i < rounds; i++) {
      await drain('MINOR_PHYSICAL_ALTERCATION');
      const { caseId } = await file('MINOR_PHYSICAL_ALTERCATION');
      // Alternate who starts first, so either side gets to lock the row first.
      const [chosen, next] = i % 2 ? await Promise.all([claimCase(a, caseId), claimNext(b, 'MINOR_PHYSICAL_ALTERCATION')]) : (await Promise.all([claimNext(b, 'MINOR_PHYSICAL_ALTERCATION'), claimCase(a, caseId)])).reverse();
      const winners = [chosen.__typename === 'ClaimCaseSuccess', next.__typename === 'ClaimNextCaseSuccess'].filter(Boolean);
      expect(winners, JSON.stringify({ chosen, next })).toHaveLength(1);
      won[chosen.__typename === 'ClaimCaseSuccess' ? 'claimCase' : 'claimNextCase'] += 1;
      if (chosen.__typename === 'ClaimCaseSuccess') expect(next).toMatchObject({ __typename: 'NoCaseAvailableError' });
      else expect(chosen).toMatchObject({ __typename: 'InvalidTransitionError', message: 'This case is claimed by another reviewer' });
      const stored = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
      expect(stored.assigneeId).toBe(chosen.__typename === 'ClaimCaseSuccess' ? 'race-lead-a' : 'race-lead-b');
      expect(await server.app.db.prisma.caseClaim.count({ where: { caseId } })).toBe(1);
      expect(await server.app.db.prisma.auditEvent.count({ where: { caseId, action: 'case.claimed' } })).toBe(1);
    }
    console.info(`claimCase against claimNextCase, ${rounds} rounds: ${JSON.stringify(won)}`);
  });

  it('a hidden case is refused exactly like a missing one', async () => {
    const decider = await as('hidden-decider', ['LEAD']);
    await drain('APPEALS');
    const hidden = await appealed('CHILD_SEXUAL_EXPLOITATION', decider);
    const appealsReviewer = await as('plain-appeals', ['APPEALS_REVIEWER']);
    const refusals = [await claimCase(appealsReviewer, hidden), await claimCase(appealsReviewer, randomUUID()), await claimCase(appealsReviewer, 'not-a-uuid')];
    for (const refusal of refusals) expect(refusal).toEqual({ __typename: 'NotFoundError', message: 'Case was not found', code: 'NOT_FOUND' });
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: hidden } })).toMatchObject({ status: 'APPEALED', assigneeId: null });
  });

  it('an appeals reviewer without the specialist role: sees and claims the appeals they may handle, and is told which qualification the others need', async () => {
    const decider = await as('appeal-decider', ['LEAD']);
    const appealsReviewer = await as('appeals-only', ['APPEALS_REVIEWER']);
    await drain('APPEALS');
    const exploitation = await appealed('CHILD_SEXUAL_EXPLOITATION', decider);
    // Only an exploitation appeal waits: the refusal names the qualification, not "No case is waiting".
    expect(await claimNext(appealsReviewer, 'APPEALS')).toMatchObject({
      __typename: 'NotQualifiedError',
      code: 'NOT_QUALIFIED',
      qualification: 'CHILD_SAFETY_SPECIALIST',
      message: 'Nothing you may handle is waiting in APPEALS: CHILD_SEXUAL_EXPLOITATION cases need CHILD_SAFETY_SPECIALIST',
    });
    expect(JSON.stringify(await claimNext(appealsReviewer, 'APPEALS'))).not.toContain(exploitation);

    const altercation = await appealed('MINOR_PHYSICAL_ALTERCATION', decider);
    const queue = await server.gql('{ queue(name: APPEALS) { openCount cases(first: 10) { edges { node { id category } } } } }', {}, { token: appealsReviewer });
    expect(queue.errors).toBeUndefined();
    expect(queue.data.queue).toEqual({ openCount: 1, cases: { edges: [{ node: { id: altercation, category: 'MINOR_PHYSICAL_ALTERCATION' } }] } });
    const claimed = await claimCase(appealsReviewer, altercation);
    expect(claimed).toMatchObject({ __typename: 'ClaimCaseSuccess', case: { id: altercation, status: 'APPEALED', queue: 'APPEALS', assignee: { id: 'appeals-only' } } });
    expect(await server.app.db.prisma.auditEvent.count({ where: { caseId: altercation, action: 'case.claimed' } })).toBe(2);

    // With the altercation appeal claimed, the next claim again names the missing qualification.
    expect(await claimNext(appealsReviewer, 'APPEALS')).toMatchObject({ __typename: 'NotQualifiedError', qualification: 'CHILD_SAFETY_SPECIALIST' });
    // Where the reviewer may see an exploitation appeal (as an admin) but not handle it, claimCase names the qualification.
    const adminAppeals = await as('admin-appeals', ['ADMIN', 'APPEALS_REVIEWER']);
    expect(await claimCase(adminAppeals, exploitation)).toMatchObject({ __typename: 'NotQualifiedError', qualification: 'CHILD_SAFETY_SPECIALIST' });
    // The original decider never gets the appeal of their decision; a specialist appeals reviewer does.
    expect(await claimCase(decider, exploitation)).toMatchObject({ __typename: 'ForbiddenError', message: 'The appeal must be handled by someone other than the original decider' });
    const specialist = await as('appeals-specialist', ['APPEALS_REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    expect(await claimCase(specialist, exploitation)).toMatchObject({ __typename: 'ClaimCaseSuccess', case: { id: exploitation, assignee: { id: 'appeals-specialist' } } });
  });

  it('qualification refusals are typed and name the qualification', async () => {
    const appealsReviewer = await as('appeals-open', ['APPEALS_REVIEWER']);
    const { caseId } = await file('MINOR_PHYSICAL_ALTERCATION');
    // Outside the appeals queue, only leads choose.
    expect(await claimCase(appealsReviewer, caseId)).toMatchObject({ __typename: 'NotQualifiedError', qualification: 'LEAD', code: 'NOT_QUALIFIED' });
    // A reviewer's claimNextCase on a specialist queue names the specialist role.
    expect(await claimNext(await as('plain-reviewer', ['REVIEWER']), 'CHILD_SEXUAL_EXPLOITATION')).toMatchObject({
      __typename: 'NotQualifiedError',
      qualification: 'CHILD_SAFETY_SPECIALIST',
    });
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ assigneeId: null, status: 'OPEN' });
  });

  it('an escalated case goes to a lead other than the one who escalated it', async () => {
    const { caseId } = await file('MINOR_PHYSICAL_ALTERCATION');
    const escalating = await as('escalating-lead', ['LEAD']);
    await server.gql('{ me { id } }', {}, { token: escalating }); // the lead's reviewer record
    await server.app.db.prisma.case.update({ where: { id: caseId }, data: { escalationReason: 'AGE_UNDETERMINED', escalatedAt: new Date(), escalatedById: 'escalating-lead' } });
    expect(await claimCase(escalating, caseId)).toMatchObject({ __typename: 'ForbiddenError', message: 'You escalated this case: another lead must take it' });
    expect(await claimCase(await as('second-lead', ['LEAD']), caseId)).toMatchObject({ __typename: 'ClaimCaseSuccess', case: { id: caseId } });
  });

  it('the daily exposure cap refuses further exploitation and abuse-media cases with ExposureCapReachedError', async () => {
    const lead = await as('capped-lead', ['LEAD']);
    const RELEASE = `mutation($id: ID!) { releaseCase(caseId: $id) { __typename } }`;
    for (let i = 0; i < CAP; i++) {
      const { caseId } = await file('PHYSICAL_CHILD_ABUSE_MEDIA');
      expect((await claimCase(lead, caseId)).__typename).toBe('ClaimCaseSuccess');
      expect((await server.gql(RELEASE, { id: caseId }, { token: lead })).data.releaseCase.__typename).toBe('ReleaseCaseSuccess');
    }
    const { caseId } = await file('CHILD_SEXUAL_EXPLOITATION');
    expect(await claimCase(lead, caseId)).toEqual({ __typename: 'ExposureCapReachedError', cap: CAP, code: 'EXPOSURE_CAP_REACHED', message: expect.stringMatching(/daily limit/) });
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ assigneeId: null, status: 'OPEN' });
    // Other queues stay open.
    const { caseId: altercation } = await file('MINOR_PHYSICAL_ALTERCATION');
    expect((await claimCase(lead, altercation)).__typename).toBe('ClaimCaseSuccess');
  });
});
