// Guards of the lease and of who may be handed a case, and the leads' view of their team's exposure: renewing a lease,
// a lead assigning a case to a reviewer who may not take it, the release check on a case nobody holds, and teamExposure.
// Each test files its own cases; the `guards` mutation scope runs this file against each mutant (no socket).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from '../support/harness.js';
import { idOf, refused, serviceActors } from './support.js';
import type { Category, Role } from '../../src/policy/index.js';
import { submitReport } from '../../src/services/intake.js';
import { assignCase, claimNextCase, escalateCase, renewLease, unassignCase } from '../../src/services/claims.js';
import { releaseIfUnqualified, requireCaseAccess } from '../../src/services/access.js';
import { setReviewerAccess } from '../../src/services/reviewers.js';
import { NoChange, inTransaction } from '../../src/services/transaction.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous, caseOf, hold } = serviceActors(() => server);

async function fileCase(category: Category): Promise<string> {
  const r = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}` });
  return r.report.caseId;
}


describe('renewing a lease (renewLease)', () => {
  it('moves the holder’s lease to the lease length from now, on the case and in the audit log, and returns it', async () => {
    const now = new Date(Date.UTC(2026, 0, 5, 12, 0, 0));
    const holder = await user('renew-holder', ['REVIEWER'], { now: () => now });
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: caseId }, data: { status: 'IN_REVIEW', assigneeId: idOf(holder), leaseExpiresAt: new Date(now.getTime() + 60_000) } });
    const expected = new Date(now.getTime() + holder.settings.leaseMinutes * 60_000);
    expect(holder.settings.leaseMinutes).toBeGreaterThan(1);

    const renewed = await renewLease(holder, caseId);
    expect(renewed.leaseExpiresAt.toISOString()).toBe(expected.toISOString());
    expect(renewed.case).toMatchObject({ id: caseId, assigneeId: idOf(holder), status: 'IN_REVIEW' });
    expect(renewed.case.leaseExpiresAt?.toISOString()).toBe(expected.toISOString());
    const stored = await caseOf(caseId);
    expect(stored.leaseExpiresAt?.toISOString()).toBe(expected.toISOString());
    expect(stored).toMatchObject({ assigneeId: idOf(holder), status: 'IN_REVIEW' });

    const events = await prisma().auditEvent.findMany({ where: { caseId, action: 'case.lease_renewed' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ entityType: 'Case', entityId: caseId, caseId });
    expect(new Date((events[0]!.changes as { leaseExpiresAt: { to: string } }).leaseExpiresAt.to).toISOString()).toBe(expected.toISOString());
  });
});

describe('a lead assigning a case (assignCase) checks the reviewer it goes to', () => {
  it('refuses an appeal to a reviewer without the appeals qualification, naming the queue’s', async () => {
    const lead = await user('assign-lead', ['LEAD']);
    const reviewer = await user('assign-reviewer', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const { version } = await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    const e = await refused(assignCase(lead, caseId, idOf(reviewer), version), 'NotQualifiedError', /^The reviewer may not take this case: the APPEALS queue needs APPEALS_REVIEWER$/);
    expect(e.qualification).toBe('APPEALS_REVIEWER');
    expect(await caseOf(caseId)).toMatchObject({ assigneeId: null, status: 'APPEALED' });
    // The reviewer qualified for both takes it.
    const judge = await user('assign-judge', ['REVIEWER', 'APPEALS_REVIEWER']);
    expect((await assignCase(lead, caseId, idOf(judge), version)).case).toMatchObject({ assigneeId: idOf(judge), status: 'APPEALED' });
  });

  it('refuses an escalated case to anyone but a lead, and to the lead who escalated it', async () => {
    const lead = await user('assign-esc-lead', ['LEAD']);
    const escalator = await user('assign-escalator', ['LEAD']);
    const reviewer = await user('assign-esc-reviewer', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const { version } = await prisma().case.update({
      where: { id: caseId },
      data: { escalationReason: 'REVIEWER_REQUEST', escalatedAt: new Date(), escalatedById: idOf(escalator), escalationNote: 'placeholder note' },
    });
    const e = await refused(assignCase(lead, caseId, idOf(reviewer), version), 'NotQualifiedError', /^This case was escalated under the two-person rule: a lead must take it$/);
    expect(e.qualification).toBe('LEAD');
    await refused(assignCase(lead, caseId, idOf(escalator), version), 'ForbiddenError', /^The reviewer escalated this case: another lead must take it$/);
    expect(await caseOf(caseId)).toMatchObject({ assigneeId: null, status: 'OPEN' });
    expect((await assignCase(escalator, caseId, idOf(lead), version)).case).toMatchObject({ assigneeId: idOf(lead), status: 'IN_REVIEW' });
  });
});

describe('a lead assigning a case (assignCase): who, to whom, at which version', () => {
  it('needs a lead, a reviewer who exists and the current version; the assignment is audited', async () => {
    const lead = await user('assign-who-lead', ['LEAD']);
    const reviewer = await user('assign-who-reviewer', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const { version } = await caseOf(caseId);
    await refused(assignCase(reviewer, caseId, idOf(reviewer), version), 'ForbiddenError', /^This step needs one of: LEAD$/);
    await refused(assignCase(lead, caseId, 'nobody-here', version), 'NotFoundError', /^Reviewer was not found$/);
    const stale = await refused(assignCase(lead, caseId, idOf(reviewer), version - 1), 'VersionConflictError');
    expect(stale.currentVersion).toBe(version);
    expect(await caseOf(caseId)).toMatchObject({ assigneeId: null, status: 'OPEN', version });
    expect((await assignCase(lead, caseId, idOf(reviewer), version)).case).toMatchObject({ assigneeId: idOf(reviewer), status: 'IN_REVIEW' });
    expect(await prisma().auditEvent.count({ where: { caseId, action: 'case.assigned' } })).toBe(1);
  });
});

describe('a lead assigning a case (assignCase) never takes it from its holder', () => {
  it('refuses a held appeal (which stays APPEALED while held) and a held case in review; the holder keeps each', async () => {
    const lead = await user('assign-held-lead', ['LEAD']);
    const holder = await user('assign-held-holder', ['APPEALS_REVIEWER']);
    const other = await user('assign-held-other', ['APPEALS_REVIEWER']);
    const appeal = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const leaseExpiresAt = new Date(Date.now() + 10 * 60_000);
    const held = await prisma().case.update({ where: { id: appeal }, data: { status: 'APPEALED', queue: 'APPEALS', assigneeId: idOf(holder), leaseExpiresAt } });
    await refused(assignCase(lead, appeal, idOf(other), held.version), 'InvalidTransitionError', /^This case is held by a reviewer: unassign it first$/);
    expect(await caseOf(appeal)).toMatchObject({ assigneeId: idOf(holder), status: 'APPEALED', version: held.version });
    const inReview = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const reviewer = await user('assign-held-reviewer', ['REVIEWER']);
    const taken = await prisma().case.update({ where: { id: inReview }, data: { status: 'IN_REVIEW', assigneeId: idOf(reviewer), leaseExpiresAt } });
    await refused(assignCase(lead, inReview, idOf(lead), taken.version), 'InvalidTransitionError', /^This case is held by a reviewer: unassign it first$/);
    expect(await caseOf(inReview)).toMatchObject({ assigneeId: idOf(reviewer), status: 'IN_REVIEW' });
    expect(await prisma().auditEvent.count({ where: { caseId: { in: [appeal, inReview] }, action: 'case.assigned' } })).toBe(0);
  });
});

describe('escalating a case to the leads (escalateCase) and a lead unassigning one (unassignCase)', () => {
  it('escalating needs the holder and a reason; it returns the case to its queue for a lead other than the escalator', async () => {
    const holder = await user('esc-holder', ['REVIEWER']);
    const other = await user('esc-other', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(caseId, holder);
    const before = await caseOf(caseId);
    await refused(escalateCase(other, caseId, 'placeholder reason'), 'InvalidTransitionError', /^This case is claimed by another reviewer$/);
    for (const [reason, message] of [['', 'say why the case needs a lead'], ['  ', 'say why the case needs a lead'], ['x'.repeat(2001), 'must be at most 2000 characters']] as const) {
      const e = await refused(escalateCase(holder, caseId, reason), 'ValidationError');
      expect(e.fields).toEqual([{ path: 'reason', message }]);
    }
    expect(await caseOf(caseId)).toEqual(before);
    const escalated = await escalateCase(holder, caseId, ' placeholder reason ');
    expect(escalated).toMatchObject({ status: 'OPEN', assigneeId: null, leaseExpiresAt: null, escalationReason: 'REVIEWER_REQUEST', escalationNote: 'placeholder reason', escalatedById: idOf(holder), version: before.version + 1 });
    expect(await prisma().auditEvent.count({ where: { caseId, action: 'case.escalated' } })).toBe(1);
  });

  it('a held appeal escalated stays APPEALED, back in the appeals queue; a reason of 2,000 characters is enough', async () => {
    const holder = await user('esc-appeal-holder', ['APPEALS_REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    await hold(caseId, holder);
    expect(await escalateCase(holder, caseId, 'x'.repeat(2000))).toMatchObject({ status: 'APPEALED', queue: 'APPEALS', assigneeId: null, escalatedById: idOf(holder) });
  });

  it('unassigning needs a lead and a held case; the holder loses it', async () => {
    const lead = await user('unassign-lead', ['LEAD']);
    const holder = await user('unassign-holder', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await refused(unassignCase(lead, caseId), 'InvalidTransitionError', /^This case is not assigned$/);
    await hold(caseId, holder);
    await refused(unassignCase(holder, caseId), 'ForbiddenError', /^This step needs one of: LEAD$/);
    expect(await caseOf(caseId)).toMatchObject({ assigneeId: idOf(holder), status: 'IN_REVIEW' });
    expect(await unassignCase(lead, caseId)).toMatchObject({ assigneeId: null, status: 'OPEN' });
    expect(await prisma().auditEvent.count({ where: { caseId, action: 'case.unassigned' } })).toBe(1);
  });
});

describe('handing back a case its holder may no longer hold (releaseIfUnqualified)', () => {
  it('answers that it released nothing for a case nobody holds, and leaves it as it was', async () => {
    const system = server.app.serviceContext({ kind: 'SYSTEM', id: 'test' });
    const caseId = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const found = await caseOf(caseId);
    const released = await inTransaction(system, async (unit) => {
      throw new NoChange(await releaseIfUnqualified(unit, found, 'CATEGORY_CHANGED'));
    });
    expect(released).toBe(false);
    expect(await caseOf(caseId)).toMatchObject({ status: 'OPEN', assigneeId: null, version: found.version });
    expect(await prisma().auditEvent.count({ where: { caseId, action: 'case.released' } })).toBe(0);
  });
});

describe('handing back a case held by a suspended reviewer (releaseIfUnqualified)', () => {
  it('releases it, whatever roles the suspended reviewer’s record still lists', async () => {
    const system = server.app.serviceContext({ kind: 'SYSTEM', id: 'test' });
    const holder = await user('suspended-holder', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    // Suspension releases a reviewer's cases at once; should a lease reach a suspended reviewer some other way, it
    // still goes back to the queue at the next check.
    await prisma().reviewer.update({ where: { id: idOf(holder) }, data: { suspendedAt: new Date() } });
    const held = await prisma().case.update({ where: { id: caseId }, data: { status: 'IN_REVIEW', assigneeId: idOf(holder), leaseExpiresAt: new Date(Date.now() + 60_000) } });
    const released = await inTransaction(system, async (unit) => releaseIfUnqualified(unit, held, 'ACCESS_WITHDRAWN'));
    expect(released).toBe(true);
    expect(await caseOf(caseId)).toMatchObject({ status: 'OPEN', assigneeId: null });
    const events = await prisma().auditEvent.findMany({ where: { caseId, action: 'case.released' } });
    expect(events.map((e) => (e.changes as { reason?: string }).reason)).toEqual(['ACCESS_WITHDRAWN']);
  });
});

describe('a case whose queue its holder may not work goes back to the queue (IMMEDIATE_RISK needs a specialist)', () => {
  async function holdAltercation(holder: Awaited<ReturnType<typeof user>>) {
    const contentId = `content-${hex(6)}`;
    const r = await submitReport(anonymous(), { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description' });
    const held = await prisma().case.update({
      where: { id: r.report.caseId },
      data: { status: 'IN_REVIEW', assigneeId: idOf(holder), leaseExpiresAt: new Date(Date.now() + 60_000), version: { increment: 1 } },
    });
    expect(held.queue).toBe('MINOR_PHYSICAL_ALTERCATION');
    return { contentId, caseId: held.id };
  }
  const releases = async (caseId: string) =>
    (await prisma().auditEvent.findMany({ where: { caseId, action: 'case.released' }, orderBy: { seq: 'asc' } })).map((e) => (e.changes as { reason?: string }).reason);

  it('a report of a child at immediate risk folded into a plain reviewer’s case releases it to the IMMEDIATE_RISK queue', async () => {
    const holder = await user('risk-holder', ['REVIEWER']);
    const { contentId, caseId } = await holdAltercation(holder);
    await submitReport(anonymous(), { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', childAtImmediateRisk: true });
    expect(await caseOf(caseId)).toMatchObject({ queue: 'IMMEDIATE_RISK', category: 'MINOR_PHYSICAL_ALTERCATION', status: 'OPEN', assigneeId: null, leaseExpiresAt: null });
    expect(await releases(caseId)).toEqual(['QUEUE_CHANGED']);
    // A specialist holding such a case keeps it.
    const specialist = await user('risk-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const kept = await holdAltercation(specialist);
    await submitReport(anonymous(), { contentId: kept.contentId, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', childAtImmediateRisk: true });
    expect(await caseOf(kept.caseId)).toMatchObject({ queue: 'IMMEDIATE_RISK', status: 'IN_REVIEW', assigneeId: idOf(specialist) });
    expect(await releases(kept.caseId)).toEqual([]);
  });

  it('withdrawing the specialist role releases an IMMEDIATE_RISK case its holder could still handle by category', async () => {
    const admin = await user('risk-admin', ['ADMIN']);
    const holder = await user('risk-demoted', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    const { contentId, caseId } = await holdAltercation(holder);
    await submitReport(anonymous(), { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', childAtImmediateRisk: true });
    expect(await caseOf(caseId)).toMatchObject({ queue: 'IMMEDIATE_RISK', assigneeId: idOf(holder) });
    await setReviewerAccess(admin, { reviewerId: idOf(holder), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    expect(await caseOf(caseId)).toMatchObject({ queue: 'IMMEDIATE_RISK', status: 'OPEN', assigneeId: null });
    expect(await releases(caseId)).toEqual(['ACCESS_WITHDRAWN']);
  });

  it('claimNextCase refuses the IMMEDIATE_RISK queue to a reviewer whose specialist role was withdrawn, though the altercation cases in it are of a category they handle', async () => {
    const admin = await user('risk-claim-admin', ['ADMIN']);
    const demoted = await user('risk-claim-demoted', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    const r = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', childAtImmediateRisk: true });
    expect(await caseOf(r.report.caseId)).toMatchObject({ queue: 'IMMEDIATE_RISK', status: 'OPEN' });
    await setReviewerAccess(admin, { reviewerId: idOf(demoted), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    const e = await refused(claimNextCase(demoted, 'IMMEDIATE_RISK'), 'NotQualifiedError', /IMMEDIATE_RISK|CHILD_SAFETY_SPECIALIST/);
    expect(e.qualification).toBe('CHILD_SAFETY_SPECIALIST');
    expect(await caseOf(r.report.caseId)).toMatchObject({ status: 'OPEN', assigneeId: null });
  });

  it('a holder not qualified for the case’s queue may not work on it', async () => {
    const holder = await user('risk-worker', ['REVIEWER']);
    const { caseId } = await holdAltercation(holder);
    // Held by a plain reviewer while in the IMMEDIATE_RISK queue (as before a release): no step of the work is allowed.
    await prisma().case.update({ where: { id: caseId }, data: { queue: 'IMMEDIATE_RISK', childAtImmediateRisk: true } });
    await refused(
      inTransaction(holder, async (unit) => {
        await requireCaseAccess(holder, unit, caseId, 'work');
        throw new NoChange(null);
      }),
      'ForbiddenError',
      /^You are not qualified to work on this case: the IMMEDIATE_RISK queue needs CHILD_SAFETY_SPECIALIST$/,
    );
  });
});

describe('teamExposure: every reviewer’s exposure today, for leads and admins', () => {
  const TEAM = `{ teamExposure { reviewer { id } exposure { casesToday cap remaining capReached } lastClaimedAt } }`;

  it('lists a reviewer who took an exploitation case today with their count against the cap; others are refused', async () => {
    const specialist = await user('team-specialist', ['CHILD_SAFETY_SPECIALIST']);
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const claimed = await claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION');
    const cap = specialist.settings.dailyExposureCap;
    for (const roles of [['LEAD'], ['ADMIN']] as Role[][]) {
      const res = await server.gql(TEAM, {}, { token: await token(`team-${hex(3)}`, roles) });
      expect(res.errors, roles.join()).toBeUndefined();
      const row = (res.data.teamExposure as Array<{ reviewer: { id: string } }>).find((r) => r.reviewer.id === idOf(specialist));
      expect(row, roles.join()).toEqual({
        reviewer: { id: idOf(specialist) },
        exposure: { casesToday: 1, cap, remaining: cap - 1, capReached: false },
        lastClaimedAt: expect.any(String),
      });
      expect(claimed.case.category).toBe('CHILD_SEXUAL_EXPLOITATION');
    }
    for (const roles of [['ANALYST'], ['REVIEWER'], ['CHILD_SAFETY_SPECIALIST'], ['LAW_ENFORCEMENT_LIAISON']] as Role[][]) {
      const res = await server.gql(TEAM, {}, { token: await token(`team-${hex(3)}`, roles) });
      expect(res.errors?.map((e) => [e.message, e.extensions?.code]), roles.join()).toEqual([['Not authorized', 'FORBIDDEN']]);
      expect(res.data?.teamExposure ?? null, roles.join()).toBeNull();
    }
    // Refused, the whole answer is null (a non-null list): still HTTP 200 with the same error, also for a client that
    // asks for the GraphQL-over-HTTP media type.
    const strict = await server.gql(TEAM, {}, { token: await token(`team-${hex(3)}`, ['ANALYST']), headers: { accept: 'application/graphql-response+json' } });
    expect(strict.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Not authorized', 'FORBIDDEN']]);
    expect(strict.data ?? null).toBeNull();
    expect(strict.status).toBe(200);
    const anonymous = await server.gql(TEAM, {}, { headers: { accept: 'application/graphql-response+json' } });
    expect(anonymous.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Authentication required', 'UNAUTHENTICATED']]);
    expect(anonymous.status).toBe(200);
  });
});
