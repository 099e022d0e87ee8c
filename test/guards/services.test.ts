// The authorization and workflow guards of the services, called directly on one embedded database: who may see, hold,
// claim, decide and appeal a case, and which steps may follow which. Each test files its own cases. These are the tests
// the `guards` mutation scope runs against each mutant (docs/mutation-testing.md), so they avoid sockets and servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { hex, startServer, type TestServer } from '../support/harness.js';
import { claimUntil, idOf, refused, serviceActors } from './support.js';
import type { Category, QueueName, Role } from '../../src/policy/index.js';
import type { Case } from '../../src/generated/prisma/client.js';
import type { CaseStatus } from '../../src/generated/prisma/enums.js';
import type { ServiceContext } from '../../src/services/context.js';
import { setReviewerAccess } from '../../src/services/reviewers.js';
import { submitReport } from '../../src/services/intake.js';
import { submitAssessment, type AssessmentInput } from '../../src/services/assessments.js';
import { decideCase } from '../../src/services/decisions.js';
import { decideAppeal, submitAppeal } from '../../src/services/appeals.js';
import { claimNextCase, releaseCase, renewLease } from '../../src/services/claims.js';
import { APPEAL_DECIDERS, mayHoldCase, maySeeCase, requireCaseAccess, type CaseAccessOptions, type CaseStep } from '../../src/services/access.js';
import { TRANSITIONS, transition, type Transition } from '../../src/services/workflow.js';
import { NoChange, inTransaction } from '../../src/services/transaction.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous, caseOf, hold } = serviceActors(() => server);

/** A signed-in user with a reviewer record (as the GraphQL context makes on first sight of a token). */
/** Settings with a daily exposure cap high enough never to stop a test that drains a queue. */
const uncapped = (): Partial<ServiceContext> => ({ settings: { ...server.app.serviceContext({ kind: 'SYSTEM', id: 'test' }).settings, dailyExposureCap: 100_000 } });

/** Files one report on new content; returns its case id and the reporter's follow-up token. */
async function fileCase(category: Category, extra: Record<string, unknown> = {}) {
  const r = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}`, ...extra });
  return { caseId: r.report.caseId, followUpToken: r.followUpToken };
}


/** Runs the shared guard in a transaction that is rolled back; returns the access it granted. */
function guard(ctx: ServiceContext, caseId: string, step: CaseStep, options: CaseAccessOptions = {}) {
  return inTransaction(ctx, async (unit) => {
    const access = await requireCaseAccess(ctx, unit, caseId, step, options);
    throw new NoChange(access);
  });
}


const ALTERCATION_REMOVE = { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true } as const;
const CSE_MINOR = { category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL', promotesExploitation: false } as const;
const CSE_UNDETERMINED = { ...CSE_MINOR, ageAssessment: 'UNDETERMINED' } as const;

async function assess(ctx: ServiceContext, caseId: string, factors: Omit<AssessmentInput, 'caseId'>) {
  await submitAssessment(ctx, { caseId, ...factors } as AssessmentInput);
  return (await caseOf(caseId)).version;
}

/** An altercation case decided REMOVE_CONTENT by `decider` (a lead), ready to appeal. */
async function decidedCase(decider: ServiceContext) {
  const account = `account-${hex(4)}`;
  const { caseId, followUpToken } = await fileCase('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: account });
  await hold(caseId, decider);
  const version = await assess(decider, caseId, ALTERCATION_REMOVE);
  const { decision } = await decideCase(decider, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'] });
  return { caseId, decisionId: decision.id, account, followUpToken };
}

describe('the case state machine (src/services/workflow.ts)', () => {
  // Written from the README's workflow, not read from the code: each step, the statuses it starts from, where it leads.
  const EXPECTED: Record<Transition, { from: CaseStatus[]; to: CaseStatus; message?: string }> = {
    claim: { from: ['OPEN'], to: 'IN_REVIEW', message: 'Only an open, unclaimed case can be claimed' },
    claimAppeal: { from: ['APPEALED'], to: 'APPEALED' },
    release: { from: ['IN_REVIEW'], to: 'OPEN', message: 'Only a case under review can be released' },
    releaseAppeal: { from: ['APPEALED'], to: 'APPEALED' },
    assess: { from: ['IN_REVIEW'], to: 'IN_REVIEW', message: 'Only a case you have claimed and are reviewing can be assessed' },
    decide: { from: ['IN_REVIEW'], to: 'DECIDED', message: 'Only a case you have claimed and are reviewing can be decided' },
    decideLinked: { from: ['OPEN', 'IN_REVIEW'], to: 'DECIDED', message: 'Only a case waiting for review or under review can be decided' },
    appeal: { from: ['DECIDED', 'CLOSED', 'APPEALED'], to: 'APPEALED', message: 'Only a decided case can be appealed' },
    upholdAppeal: { from: ['APPEALED'], to: 'CLOSED' },
    nextAppeal: { from: ['APPEALED'], to: 'APPEALED' },
    reverseOnAppeal: { from: ['APPEALED'], to: 'CLOSED' },
    reopenOnAppeal: { from: ['APPEALED'], to: 'OPEN' },
    // Issue 25: a lead closes a waiting or held case as a duplicate of another case, which stands for it.
    closeAsDuplicate: { from: ['OPEN', 'IN_REVIEW'], to: 'CLOSED', message: 'Only a waiting or held case can be closed as a duplicate' },
  };
  const STATUSES: CaseStatus[] = ['OPEN', 'IN_REVIEW', 'DECIDED', 'APPEALED', 'CLOSED'];

  it('allows exactly the listed steps from each status, and refuses every other with a typed error naming the status', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [step, rule] of Object.entries(EXPECTED) as Array<[Transition, (typeof EXPECTED)[Transition]]>) {
      for (const status of STATUSES) {
        if (rule.from.includes(status)) {
          expect(transition(status, step), `${step} from ${status}`).toBe(rule.to);
        } else {
          const error = (() => {
            try {
              transition(status, step);
              return null;
            } catch (e) {
              return e as Error;
            }
          })();
          expect(error?.constructor.name, `${step} from ${status}`).toBe('InvalidTransitionError');
          expect(error!.message).toBe(`${rule.message ?? `Cannot ${step}`} (the case is ${status})`);
        }
      }
    }
  });
});

describe('who may see and hold a case (src/services/access.ts)', () => {
  const CSE = 'CHILD_SEXUAL_EXPLOITATION';
  const ALT = 'MINOR_PHYSICAL_ALTERCATION';
  it('sees: those qualified for the category, and each oversight role alone or among others', () => {
    const rows: Array<[Role[], Category, boolean]> = [
      [['REVIEWER'], ALT, true],
      [['REVIEWER'], CSE, false],
      [['APPEALS_REVIEWER'], CSE, false],
      [['ANALYST'], ALT, false],
      [['PLATFORM'], ALT, false],
      [['CHILD_SAFETY_SPECIALIST'], CSE, true],
      [['LEAD'], CSE, true],
      [['ADMIN'], CSE, true],
      [['LAW_ENFORCEMENT_LIAISON'], CSE, true],
      [['REVIEWER', 'ADMIN'], CSE, true],
      [['ANALYST', 'LAW_ENFORCEMENT_LIAISON'], 'PHYSICAL_CHILD_ABUSE_MEDIA', true],
      [[], ALT, false],
    ];
    for (const [roles, category, expected] of rows) expect(maySeeCase(roles, category), `${roles.join('+')} ${category}`).toBe(expected);
  });

  it('holds: the category qualification, the queue’s, and for an appealed case the appeals one too', () => {
    // The queue a case of each status waits in, unless the row names one.
    const rows: Array<[Role[], Category, CaseStatus, boolean, QueueName?]> = [
      [['REVIEWER'], ALT, 'OPEN', true],
      [['REVIEWER'], ALT, 'IN_REVIEW', true],
      [['REVIEWER'], ALT, 'APPEALED', false],
      [['REVIEWER'], ALT, 'IN_REVIEW', false, 'IMMEDIATE_RISK'],
      [['CHILD_SAFETY_SPECIALIST'], ALT, 'IN_REVIEW', true, 'IMMEDIATE_RISK'],
      [['APPEALS_REVIEWER'], ALT, 'IN_REVIEW', false, 'IMMEDIATE_RISK'],
      [['LEAD'], ALT, 'IN_REVIEW', true, 'IMMEDIATE_RISK'],
      [['APPEALS_REVIEWER'], ALT, 'APPEALED', true],
      [['APPEALS_REVIEWER'], CSE, 'APPEALED', false],
      [['CHILD_SAFETY_SPECIALIST'], CSE, 'IN_REVIEW', true],
      [['CHILD_SAFETY_SPECIALIST'], CSE, 'APPEALED', false],
      [['CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER'], CSE, 'APPEALED', true],
      [['ADMIN'], CSE, 'IN_REVIEW', false],
      [['LAW_ENFORCEMENT_LIAISON'], ALT, 'OPEN', false],
      [['LEAD'], CSE, 'APPEALED', true],
    ];
    for (const [roles, category, status, expected, queue] of rows) {
      const waitsIn = queue ?? (status === 'APPEALED' ? 'APPEALS' : category);
      expect(mayHoldCase(roles, { category, status, queue: waitsIn }), `${roles.join('+')} ${category} ${status} ${waitsIn}`).toBe(expected);
    }
  });
});

describe('the shared case guard (requireCaseAccess)', () => {
  it('answers "not found" alike for a malformed id, an unknown id and a case the caller may not see', async () => {
    const reviewer = await user('guard-reviewer', ['REVIEWER']);
    const { caseId: hidden } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(hidden, reviewer);
    for (const id of ['not-a-uuid', randomUUID(), hidden]) await refused(guard(reviewer, id, 'work'), 'NotFoundError', /^Case was not found$/);
    await refused(guard(reviewer, hidden, 'work', { notFound: 'Appeal' }), 'NotFoundError', /^Appeal was not found$/);
    await refused(guard(reviewer, 'not-a-uuid', 'work', { notFound: 'Appeal' }), 'NotFoundError', /^Appeal was not found$/);
  });

  it('refuses who may see a case but not work on it, and a step that needs another role', async () => {
    const liaison = await user('guard-liaison', ['LAW_ENFORCEMENT_LIAISON']);
    const { caseId } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(caseId, liaison);
    await refused(guard(liaison, caseId, 'work'), 'ForbiddenError', /^You are not qualified to work on CHILD_SEXUAL_EXPLOITATION cases$/);

    const reviewer = await user('guard-step', ['REVIEWER']);
    const { caseId: altercation } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(altercation, reviewer);
    await refused(guard(reviewer, altercation, 'work', { anyOf: APPEAL_DECIDERS }), 'ForbiddenError', /^This step needs one of: APPEALS_REVIEWER, LEAD$/);
    const granted = (await guard(reviewer, altercation, 'work', { anyOf: ['LEAD', 'REVIEWER'] })) as { case: Case; roles: Role[]; userId: string };
    expect(granted).toMatchObject({ roles: ['REVIEWER'], userId: idOf(reviewer), case: { id: altercation } });
  });

  it('reads the caller’s roles as their record stands now: withdrawn roles, suspension and no record count', async () => {
    const admin = await user('guard-admin', ['ADMIN']);
    const specialist = await user('guard-specialist', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    const { caseId: cse } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const { caseId: alt } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(alt, specialist);
    expect(await guard(specialist, alt, 'work')).toMatchObject({ roles: ['REVIEWER', 'CHILD_SAFETY_SPECIALIST'] });
    await setReviewerAccess(admin, { reviewerId: idOf(specialist), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    await hold(cse, specialist);
    await refused(guard(specialist, cse, 'work'), 'NotFoundError');
    expect(await guard(specialist, alt, 'work')).toMatchObject({ roles: ['REVIEWER'] });
    await setReviewerAccess(admin, { reviewerId: idOf(specialist), revokedRoles: [], suspended: true });
    await hold(alt, specialist);
    await refused(guard(specialist, alt, 'work'), 'NotFoundError');

    // A token whose subject has no reviewer record holds no roles here.
    const stranger = { ...server.app.serviceContext({ kind: 'USER', id: `no-record-${hex(3)}`, name: 'placeholder', roles: ['REVIEWER'] }) };
    await refused(guard(stranger, alt, 'work'), 'NotFoundError');
  });

  it('needs a live lease of the caller’s own: unclaimed, claimed by another, expired at this very moment', async () => {
    const now = new Date(Date.UTC(2026, 0, 5, 12, 0, 0));
    const reviewer = await user('lease-reviewer', ['REVIEWER'], { now: () => now });
    const other = await user('lease-other', ['REVIEWER']);
    const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: caseId }, data: { status: 'IN_REVIEW' } });
    await refused(guard(reviewer, caseId, 'work'), 'InvalidTransitionError', /^Claim this case before working on it$/);
    await hold(caseId, other, new Date(now.getTime() + 60_000));
    await refused(guard(reviewer, caseId, 'work'), 'InvalidTransitionError', /^This case is claimed by another reviewer$/);
    await hold(caseId, reviewer, now);
    await refused(guard(reviewer, caseId, 'work'), 'InvalidTransitionError', /^Your claim on this case has expired; claim it again$/);
    await prisma().case.update({ where: { id: caseId }, data: { leaseExpiresAt: null } });
    await refused(guard(reviewer, caseId, 'renew'), 'InvalidTransitionError', /has expired/);
    await hold(caseId, reviewer, new Date(now.getTime() + 1));
    expect(await guard(reviewer, caseId, 'decide')).toMatchObject({ case: { id: caseId } });
  });

  it('release: the holder (even with a lapsed lease) or a lead; anyone else is told who holds it', async () => {
    const holder = await user('release-holder', ['REVIEWER']);
    const other = await user('release-other', ['REVIEWER']);
    const lead = await user('release-lead', ['LEAD']);
    const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await refused(guard(holder, caseId, 'release'), 'InvalidTransitionError', /^This case is not claimed$/);
    // A lead passes the guard, but an unclaimed case is not under review.
    await refused(releaseCase(lead, caseId), 'InvalidTransitionError', /^Only a case under review can be released \(the case is OPEN\)$/);
    await hold(caseId, holder, new Date(Date.now() - 60_000));
    await refused(guard(other, caseId, 'release'), 'InvalidTransitionError', /^This case is claimed by another reviewer$/);
    expect(await guard(holder, caseId, 'release')).toMatchObject({ case: { id: caseId } });
    expect(await guard(lead, caseId, 'release')).toMatchObject({ case: { id: caseId } });
    await releaseCase(lead, caseId);
    expect(await caseOf(caseId)).toMatchObject({ status: 'OPEN', assigneeId: null });
    await refused(releaseCase(anonymous(), caseId), 'NotAuthenticatedError');
    await refused(renewLease(anonymous(), caseId), 'NotAuthenticatedError');
  });
});

describe('cases handed back when their holder may no longer hold them', () => {
  it('an admin withdrawing a role releases the cases it allowed, and only those; suspension releases all', async () => {
    const admin = await user('withdraw-admin', ['ADMIN']);
    const specialist = await user('withdraw-specialist', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    const { caseId: cse } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const { caseId: alt } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const { caseId: unheld } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(cse, specialist);
    await hold(alt, specialist);
    await setReviewerAccess(admin, { reviewerId: idOf(specialist), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    expect(await caseOf(cse)).toMatchObject({ status: 'OPEN', assigneeId: null });
    expect(await caseOf(alt)).toMatchObject({ status: 'IN_REVIEW', assigneeId: idOf(specialist) });
    expect(await caseOf(unheld)).toMatchObject({ status: 'OPEN', assigneeId: null });
    const released = await prisma().auditEvent.findMany({ where: { caseId: cse, action: 'case.released' } });
    expect(released.map((e) => (e.changes as { reason?: string }).reason)).toEqual(['ACCESS_WITHDRAWN']);
    const change = await prisma().auditEvent.findFirstOrThrow({ where: { entityId: idOf(specialist), action: 'reviewer.access_changed' } });
    expect(change.changes).toMatchObject({ releasedCases: 1 });

    await setReviewerAccess(admin, { reviewerId: idOf(specialist), revokedRoles: [], suspended: true });
    expect(await caseOf(alt)).toMatchObject({ status: 'OPEN', assigneeId: null });
  });

  it('a report that raises the case’s category releases a holder not qualified for the new one, and keeps one who is', async () => {
    const reviewer = await user('fold-reviewer', ['REVIEWER']);
    const specialist = await user('fold-specialist', ['CHILD_SAFETY_SPECIALIST']);
    for (const [holder, released] of [
      [reviewer, true],
      [specialist, false],
    ] as const) {
      const contentId = `content-${hex(6)}`;
      const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION', { contentId });
      await hold(caseId, holder);
      const again = await fileCase('CHILD_SEXUAL_EXPLOITATION', { contentId });
      expect(again.caseId).toBe(caseId);
      const after = await caseOf(caseId);
      expect(after.category).toBe('CHILD_SEXUAL_EXPLOITATION');
      expect(after.assigneeId, idOf(holder)).toBe(released ? null : idOf(holder));
      const events = await prisma().auditEvent.findMany({ where: { caseId, action: 'case.released' } });
      expect(events.map((e) => (e.changes as { reason?: string }).reason)).toEqual(released ? ['CATEGORY_CHANGED'] : []);
    }
  });
});

describe('claiming (src/services/claims.ts)', () => {
  it('needs the queue’s qualification, on the token and on the record as it stands', async () => {
    await refused(claimNextCase(anonymous(), 'MINOR_PHYSICAL_ALTERCATION'), 'NotAuthenticatedError');
    const reviewer = await user('claim-reviewer', ['REVIEWER']);
    const unqualified = await refused(claimNextCase(reviewer, 'CHILD_SEXUAL_EXPLOITATION'), 'NotQualifiedError', /^You are not qualified to work the CHILD_SEXUAL_EXPLOITATION queue: it needs CHILD_SAFETY_SPECIALIST$/);
    expect((unqualified as unknown as { qualification: string }).qualification).toBe('CHILD_SAFETY_SPECIALIST');
    await refused(claimNextCase(reviewer, 'APPEALS'), 'NotQualifiedError', /APPEALS queue: it needs APPEALS_REVIEWER/);
    const admin = await user('claim-admin', ['ADMIN']);
    const specialist = await user('claim-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const { caseId } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await setReviewerAccess(admin, { reviewerId: idOf(specialist), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    await refused(claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION'), 'NotQualifiedError', /not qualified/);
    expect(await caseOf(caseId)).toMatchObject({ status: 'OPEN', assigneeId: null });
  });

  it('past the daily exposure cap: no more exploitation or abuse-media cases, altercations still', async () => {
    const base = server.app.serviceContext({ kind: 'SYSTEM', id: 'test' });
    const specialist = await user('cap-specialist', ['CHILD_SAFETY_SPECIALIST'], { settings: { ...base.settings, dailyExposureCap: 1 } });
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const first = await claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION');
    expect(first.case.category).toBe('CHILD_SEXUAL_EXPLOITATION');
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await refused(claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION'), 'ExposureCapReachedError');
    const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    expect(await claimUntil(specialist, 'MINOR_PHYSICAL_ALTERCATION', caseId)).toContain(caseId);
    // Under the cap (a cap of 2), the second exploitation case is given.
    const roomy = await user('cap-roomy', ['CHILD_SAFETY_SPECIALIST'], { settings: { ...base.settings, dailyExposureCap: 2 } });
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    for (let i = 0; i < 2; i++) expect((await claimNextCase(roomy, 'CHILD_SEXUAL_EXPLOITATION')).case.category).toBe('CHILD_SEXUAL_EXPLOITATION');
    await refused(claimNextCase(roomy, 'CHILD_SEXUAL_EXPLOITATION'), 'ExposureCapReachedError');
  });

  it('a case escalated to a lead goes to leads only, never to the lead who escalated it', async () => {
    const assessingLead = await user('esc-lead', ['LEAD'], uncapped());
    const { caseId } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(caseId, assessingLead);
    const version = await assess(assessingLead, caseId, CSE_MINOR);
    // The lead who assessed it declines enforcement: the two-person rule sends it to another lead.
    await refused(decideCase(assessingLead, { caseId, expectedVersion: version, actions: ['NO_ACTION'], justification: 'placeholder justification' }), 'EscalationRequiredError');
    expect(await caseOf(caseId)).toMatchObject({ status: 'OPEN', assigneeId: null, escalationReason: 'DECLINED_ENFORCEMENT_ON_EXPLOITATION', escalatedById: idOf(assessingLead) });
    const specialist = await user('esc-specialist', ['CHILD_SAFETY_SPECIALIST'], uncapped());
    expect(await claimUntil(specialist, 'CHILD_SEXUAL_EXPLOITATION', caseId)).not.toContain(caseId);
    expect(await claimUntil(assessingLead, 'CHILD_SEXUAL_EXPLOITATION', caseId)).not.toContain(caseId);
    const otherLead = await user('esc-other-lead', ['LEAD'], uncapped());
    expect(await claimUntil(otherLead, 'CHILD_SEXUAL_EXPLOITATION', caseId)).toContain(caseId);
    // The other lead may decide it as proposed.
    const current = await caseOf(caseId);
    const { decision } = await decideCase(otherLead, { caseId, expectedVersion: current.version, actions: ['NO_ACTION'], justification: 'placeholder justification' });
    expect(decision.actions).toEqual(['NO_ACTION']);
    expect(await caseOf(caseId)).toMatchObject({ status: 'DECIDED', escalationReason: null });
  });

  it('the appeals queue never hands the original decider their own case’s appeal', async () => {
    const decider = await user('appeal-decider', ['LEAD'], uncapped());
    const { caseId, decisionId, account } = await decidedCase(decider);
    await submitAppeal(await user('platform', ['PLATFORM']), { decisionId, appellantAccountId: account, statement: 'placeholder statement' });
    expect(await claimUntil(decider, 'APPEALS', caseId)).not.toContain(caseId);
    const other = await user('appeal-other', ['APPEALS_REVIEWER'], uncapped());
    expect(await claimUntil(other, 'APPEALS', caseId)).toContain(caseId);
    expect(await caseOf(caseId)).toMatchObject({ status: 'APPEALED', assigneeId: idOf(other) });
  });
});

describe('deciding (src/services/decisions.ts)', () => {
  it('refuses without a user, a stale version, a case not assessed, or without the lease', async () => {
    const reviewer = await user('decide-reviewer', ['REVIEWER']);
    const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await refused(decideCase(anonymous(), { caseId, expectedVersion: 1, actions: ['REMOVE_CONTENT'] }), 'NotAuthenticatedError');
    await refused(decideCase(reviewer, { caseId, expectedVersion: 1, actions: ['REMOVE_CONTENT'] }), 'InvalidTransitionError', /^Claim this case/);
    await hold(caseId, reviewer);
    const before = await caseOf(caseId);
    await refused(decideCase(reviewer, { caseId, expectedVersion: before.version, actions: ['REMOVE_CONTENT'] }), 'InvalidTransitionError', /^Assess the case against the policy before deciding it$/);
    const version = await assess(reviewer, caseId, ALTERCATION_REMOVE);
    await refused(decideCase(reviewer, { caseId, expectedVersion: version - 1, actions: ['REMOVE_CONTENT'] }), 'VersionConflictError', new RegExp(`now at version ${version}\\)`));
    await prisma().case.update({ where: { id: caseId }, data: { status: 'DECIDED' } });
    await refused(decideCase(reviewer, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'] }), 'InvalidTransitionError', /the case is DECIDED/);
    await prisma().case.update({ where: { id: caseId }, data: { status: 'IN_REVIEW' } });
    const { decision } = await decideCase(reviewer, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'] });
    expect(decision).toMatchObject({ actions: ['REMOVE_CONTENT'], deviatesFromRecommendation: false, decidedById: idOf(reviewer) });
  });

  it('deviating from the recommendation needs a written justification', async () => {
    const reviewer = await user('deviate-reviewer', ['REVIEWER']);
    const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(caseId, reviewer);
    const version = await assess(reviewer, caseId, ALTERCATION_REMOVE);
    for (const justification of [undefined, null, '', '   ']) {
      const e = await refused(decideCase(reviewer, { caseId, expectedVersion: version, actions: ['SENSITIVE_MEDIA_LABEL'], justification }), 'ValidationError', /justification: a written justification is required to deviate from the recommendation \(REMOVE_CONTENT\)/);
      expect(e.message).not.toMatch(/actions/);
    }
    const { decision } = await decideCase(reviewer, { caseId, expectedVersion: version, actions: ['SENSITIVE_MEDIA_LABEL'], justification: 'placeholder justification' });
    expect(decision).toMatchObject({ deviatesFromRecommendation: true, justification: 'placeholder justification' });
  });

  it('an adult assessed: only NO_ACTION, the policy does not apply', async () => {
    const reviewer = await user('adult-reviewer', ['REVIEWER']);
    const { caseId } = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(caseId, reviewer);
    const version = await assess(reviewer, caseId, { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' });
    await refused(decideCase(reviewer, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'], justification: 'placeholder justification' }), 'ValidationError', /^Invalid input: actions: the Child Safety policy does not apply to an adult/);
    const { decision } = await decideCase(reviewer, { caseId, expectedVersion: version, actions: ['NO_ACTION'] });
    expect(decision.actions).toEqual(['NO_ACTION']);
  });

  it('two-person rule: declining enforcement on exploitation needs a lead other than the assessor; an undetermined age needs a lead', async () => {
    // A specialist declining: escalated, and the refusal is committed.
    const specialist = await user('two-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const { caseId: declined } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(declined, specialist);
    const v1 = await assess(specialist, declined, CSE_MINOR);
    await refused(decideCase(specialist, { caseId: declined, expectedVersion: v1, actions: ['NO_ACTION'], justification: 'placeholder justification' }), 'EscalationRequiredError');
    expect(await caseOf(declined)).toMatchObject({ status: 'OPEN', assigneeId: null, escalationReason: 'DECLINED_ENFORCEMENT_ON_EXPLOITATION', escalatedById: idOf(specialist) });
    expect(await prisma().decision.count({ where: { caseId: declined } })).toBe(0);
    // The specialist enforcing as recommended decides it alone.
    const { caseId: enforced } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(enforced, specialist);
    const v2 = await assess(specialist, enforced, CSE_MINOR);
    expect((await decideCase(specialist, { caseId: enforced, expectedVersion: v2, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] })).decision.actions).toEqual(['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
    // An undetermined age: a specialist is refused, a lead may decide it even having assessed it.
    const { caseId: undetermined } = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(undetermined, specialist);
    const v3 = await assess(specialist, undetermined, CSE_UNDETERMINED);
    await refused(decideCase(specialist, { caseId: undetermined, expectedVersion: v3, actions: ['NO_ACTION'] }), 'EscalationRequiredError');
    expect(await caseOf(undetermined)).toMatchObject({ escalationReason: 'AGE_UNDETERMINED' });
    const lead = await user('two-lead', ['LEAD']);
    await hold(undetermined, lead);
    const v4 = await assess(lead, undetermined, CSE_UNDETERMINED);
    expect((await decideCase(lead, { caseId: undetermined, expectedVersion: v4, actions: ['NO_ACTION'] })).decision.decidedById).toBe(idOf(lead));
  });
});

describe('appeals (src/services/appeals.ts)', () => {
  it('lodging: the platform names the affected account, a notifier uses the follow-up token of a report on that case, each once', async () => {
    const decider = await user('lodge-decider', ['LEAD']);
    const platform = await user('lodge-platform', ['PLATFORM']);
    const { decisionId, account, followUpToken } = await decidedCase(decider);
    const statement = 'placeholder statement';
    await refused(submitAppeal(platform, { decisionId, statement }), 'ForbiddenError', /^Name the affected account \(appellantAccountId\)$/);
    await refused(submitAppeal(anonymous(), { decisionId, statement }), 'ForbiddenError', /^Appeal with the follow-up token from your report receipt$/);
    await refused(submitAppeal(anonymous(), { decisionId, appellantAccountId: account, statement }), 'ForbiddenError', /follow-up token/);
    await refused(submitAppeal(platform, { decisionId, appellantAccountId: `account-${hex(4)}`, statement }), 'NotFoundError', /^Decision was not found$/);
    await refused(submitAppeal(platform, { decisionId: randomUUID(), appellantAccountId: account, statement }), 'NotFoundError', /^Decision was not found$/);
    const elsewhere = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await refused(submitAppeal(anonymous(), { decisionId, followUpToken: elsewhere.followUpToken, statement }), 'NotFoundError', /^Decision was not found$/);
    await refused(submitAppeal(anonymous(), { decisionId: randomUUID(), followUpToken, statement }), 'NotFoundError', /^Decision was not found$/);
    await refused(submitAppeal(anonymous(), { decisionId, followUpToken: `token-${hex(8)}`, statement }), 'NotFoundError');

    expect(await submitAppeal(platform, { decisionId, appellantAccountId: account, statement })).toMatchObject({ appellantKind: 'AFFECTED_ACCOUNT', status: 'PENDING' });
    const again = await refused(submitAppeal(platform, { decisionId, appellantAccountId: account, statement }), 'AppealNotAllowedError', /already appealed/);
    expect(again.code).toBe('ALREADY_APPEALED');
    expect(await submitAppeal(anonymous(), { decisionId, followUpToken, statement })).toMatchObject({ appellantKind: 'NOTIFIER', status: 'PENDING' });
    await refused(submitAppeal(anonymous(), { decisionId, followUpToken, statement }), 'AppealNotAllowedError', /already appealed/);
  });

  it('a superseded decision cannot be appealed', async () => {
    const decider = await user('super-decider', ['LEAD']);
    const { caseId, decisionId, followUpToken } = await decidedCase(decider);
    // A notifier's successful appeal reopens the case; its new decision supersedes the first.
    const appeal = await submitAppeal(anonymous(), { decisionId, followUpToken, statement: 'placeholder statement' });
    const judge = await user('super-judge', ['APPEALS_REVIEWER']);
    await hold(caseId, judge);
    await decideAppeal(judge, { appealId: appeal.id, outcome: 'OVERTURNED', reason: 'placeholder reason' });
    const second = await user('super-second', ['LEAD']);
    await hold(caseId, second);
    const version = await assess(second, caseId, ALTERCATION_REMOVE);
    await decideCase(second, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'] });
    const e = await refused(submitAppeal(await user('super-platform', ['PLATFORM']), { decisionId, appellantAccountId: (await caseOf(caseId)).reportedAccountId, statement: 'placeholder statement' }), 'AppealNotAllowedError', /^This decision has been superseded$/);
    expect(e.code).toBe('NOT_APPEALABLE');
  });

  it('deciding: an appeals reviewer or lead who may work on the case, not the original decider, holding the lease, once', async () => {
    const decider = await user('decide-appeal-decider', ['LEAD']);
    const { caseId, decisionId, account } = await decidedCase(decider);
    const appeal = await submitAppeal(await user('decide-appeal-platform', ['PLATFORM']), { decisionId, appellantAccountId: account, statement: 'placeholder statement' });
    const input = { appealId: appeal.id, outcome: 'UPHELD' as const, reason: 'placeholder reason' };

    await refused(decideAppeal(anonymous(), input), 'NotAuthenticatedError');
    const judge0 = await user('decide-appeal-judge0', ['APPEALS_REVIEWER']);
    await refused(decideAppeal(judge0, { ...input, appealId: 'not-a-uuid', reason: '   ' }), 'ValidationError', /appealId: must be an appeal id; reason: must not be empty/);
    const reviewer = await user('decide-appeal-reviewer', ['REVIEWER']);
    await hold(caseId, reviewer);
    await refused(decideAppeal(reviewer, input), 'ForbiddenError', /^Only appeals reviewers and leads decide appeals$/);
    const judge = await user('decide-appeal-judge', ['APPEALS_REVIEWER']);
    await refused(decideAppeal(judge, { ...input, appealId: randomUUID() }), 'NotFoundError', /^Appeal was not found$/);
    await refused(decideAppeal(judge, input), 'InvalidTransitionError', /^This case is claimed by another reviewer$/);
    await hold(caseId, decider);
    await refused(decideAppeal(decider, input), 'ForbiddenError', /^The appeal must be decided by someone other than the original decider$/);
    await hold(caseId, judge);
    expect((await decideAppeal(judge, input)).appeal).toMatchObject({ status: 'DECIDED', outcome: 'UPHELD', decidedById: idOf(judge) });
    await refused(decideAppeal(judge, input), 'InvalidTransitionError', /^This appeal has already been decided$/);
  });

  it('an appeal on a case the decider may not see is "not found", like an unknown id', async () => {
    const specialistLead = await user('hidden-lead', ['LEAD']);
    const { caseId } = await fileCase('CHILD_SEXUAL_EXPLOITATION', { reportedAccountId: `account-${hex(4)}` });
    await hold(caseId, specialistLead);
    const version = await assess(specialistLead, caseId, CSE_MINOR);
    const { decision } = await decideCase(specialistLead, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] });
    const account = (await caseOf(caseId)).reportedAccountId;
    const appeal = await submitAppeal(await user('hidden-platform', ['PLATFORM']), { decisionId: decision.id, appellantAccountId: account, statement: 'placeholder statement' });
    const judge = await user('hidden-judge', ['APPEALS_REVIEWER']);
    await hold(caseId, judge);
    await refused(decideAppeal(judge, { appealId: appeal.id, outcome: 'UPHELD', reason: 'placeholder reason' }), 'NotFoundError', /^Appeal was not found$/);
    const qualified = await user('hidden-qualified', ['APPEALS_REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    await hold(caseId, qualified);
    expect((await decideAppeal(qualified, { appealId: appeal.id, outcome: 'UPHELD', reason: 'placeholder reason' })).appeal.status).toBe('DECIDED');
  });
});
