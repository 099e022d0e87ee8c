// The two ways claimNextCase takes a case (src/services/claims.ts) and releaseWithin's bulk branch. The claim statement
// (src/services/claim-statement.ts) takes the case whenever a driver pool is at hand; the unit of work takes it only
// when the statement took nothing but a case arrived meanwhile. A context without `pool` runs the unit of work alone,
// so its taking branch (pickCase's lease, claim row, audit and live event) is checked here as the statement's is.
// The file has its own database; each test files the cases of a queue the others leave alone, or drains what it files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from '../support/harness.js';
import { claimUntil, idOf, serviceActors, type UserContext } from './support.js';
import type { Category, QueueName, Role } from '../../src/policy/index.js';
import type { QueueEvent, ServiceContext } from '../../src/services/context.js';
import { setReviewerAccess } from '../../src/services/reviewers.js';
import { submitReport } from '../../src/services/intake.js';
import { claimCase, claimNextCase, claimableSql, releaseWithin } from '../../src/services/claims.js';
import { claimInOneStatement } from '../../src/services/claim-statement.js';
import { NoChange, inTransaction } from '../../src/services/transaction.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous, caseOf } = serviceActors(() => server);
const baseSettings = () => server.app.serviceContext({ kind: 'SYSTEM', id: 'test' }).settings;

async function fileCase(category: Category): Promise<string> {
  const r = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}` });
  return r.report.caseId;
}

/** A decision by `reviewerId` on the case, stored directly with a placeholder assessment: only who decided matters here. */
async function decisionBy(caseId: string, reviewerId: string) {
  const assessment = await prisma().assessment.create({ data: { caseId, reviewerId, factors: {}, recommendation: {}, policyVersion: 'placeholder' } });
  await prisma().decision.create({
    data: {
      caseId,
      assessmentId: assessment.id,
      category: 'MINOR_PHYSICAL_ALTERCATION',
      actions: ['REMOVE_CONTENT'],
      recommendedActions: ['REMOVE_CONTENT'],
      deviatesFromRecommendation: false,
      statementOfReasons: { text: 'placeholder statement' },
      policyVersion: 'placeholder',
      decidedById: reviewerId,
      appealableUntil: new Date(Date.now() + 86_400_000),
    },
  });
}

/** A reviewer whose claims run the unit of work alone (no pool), at a fixed clock, with the live events it publishes. */
async function unitUser(prefix: string, roles: Role[], overrides: Partial<ServiceContext> = {}) {
  const published: QueueEvent[] = [];
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ctx = await user(prefix, roles, { pool: undefined, now: () => at, events: { publish: (e) => published.push(e) }, ...overrides });
  return { ctx, published, at };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error & Record<string, unknown>,
  );
  expect(error, 'expected a refusal').not.toBeNull();
  return { name: error!.constructor.name, message: error!.message, qualification: error!.qualification, cap: error!.cap };
}

describe('claimNextCase’s unit of work (no claim statement)', () => {
  it('takes the most urgent case with the lease length from now: the case, its claim row, the audit event and the live event', async () => {
    const caseId = await fileCase('PHYSICAL_CHILD_ABUSE_MEDIA');
    const before = await caseOf(caseId);
    const { ctx, published, at } = await unitUser('unit-taker', ['CHILD_SAFETY_SPECIALIST']);
    expect(ctx.settings.leaseMinutes).toBeGreaterThan(1);
    const lease = new Date(at.getTime() + ctx.settings.leaseMinutes * 60_000).toISOString();

    const taken = await claimNextCase(ctx, 'PHYSICAL_CHILD_ABUSE_MEDIA');
    // The unit's answer: no `committed` row, which only the claim statement gives.
    expect(taken.committed).toBeUndefined();
    expect(taken.leaseExpiresAt.toISOString()).toBe(lease);
    expect(taken.case).toMatchObject({ id: caseId, status: 'IN_REVIEW', assigneeId: idOf(ctx), version: before.version + 1 });
    expect(taken.case.leaseExpiresAt?.toISOString()).toBe(lease);
    const stored = await caseOf(caseId);
    expect(stored).toMatchObject({ status: 'IN_REVIEW', assigneeId: idOf(ctx), version: before.version + 1 });
    expect(stored.leaseExpiresAt?.toISOString()).toBe(lease);
    expect(stored.updatedAt.toISOString()).toBe(at.toISOString());

    const claims = await prisma().caseClaim.findMany({ where: { caseId } });
    expect(claims.map((c) => ({ reviewerId: c.reviewerId, category: c.category, claimedAt: c.claimedAt.toISOString() }))).toEqual([
      { reviewerId: idOf(ctx), category: 'PHYSICAL_CHILD_ABUSE_MEDIA', claimedAt: at.toISOString() },
    ]);
    const events = await prisma().auditEvent.findMany({ where: { caseId, action: 'case.claimed' } });
    expect(events.map((e) => ({ entityType: e.entityType, entityId: e.entityId, actorId: e.actorId, changes: e.changes }))).toEqual([
      {
        entityType: 'Case',
        entityId: caseId,
        actorId: idOf(ctx),
        changes: { status: { from: 'OPEN', to: 'IN_REVIEW' }, assigneeId: { to: idOf(ctx) }, leaseExpiresAt: { to: lease } },
      },
    ]);
    expect(published.map((e) => ({ kind: e.kind, queue: e.queue, caseId: e.caseId, category: e.category }))).toEqual([
      { kind: 'CLAIMED', queue: 'PHYSICAL_CHILD_ABUSE_MEDIA', caseId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA' },
    ]);
  });

  it('takes an appeal in the appeals queue: it stays APPEALED, and never goes to its original decider', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const decider = await unitUser('unit-decider', ['LEAD', 'APPEALS_REVIEWER']);
    const { version } = await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    await decisionBy(caseId, idOf(decider.ctx));
    expect(await refusal(claimNextCase(decider.ctx, 'APPEALS'))).toMatchObject({ name: 'NoCaseAvailableError' });

    const { ctx, published, at } = await unitUser('unit-appeals', ['APPEALS_REVIEWER']);
    const lease = new Date(at.getTime() + ctx.settings.leaseMinutes * 60_000).toISOString();
    const taken = await claimNextCase(ctx, 'APPEALS');
    expect(taken.committed).toBeUndefined();
    expect(taken.case).toMatchObject({ id: caseId, status: 'APPEALED', assigneeId: idOf(ctx), version: version + 1 });
    const events = await prisma().auditEvent.findMany({ where: { caseId, action: 'case.claimed' } });
    expect(events.map((e) => e.changes)).toEqual([{ status: { from: 'APPEALED', to: 'APPEALED' }, assigneeId: { to: idOf(ctx) }, leaseExpiresAt: { to: lease } }]);
    expect(published.map((e) => [e.kind, e.queue, e.caseId])).toEqual([['CLAIMED', 'APPEALS', caseId]]);
  });

  it('stops exploitation cases at the daily cap exactly, naming the cap, and still gives the other categories', async () => {
    const capped = { settings: { ...baseSettings(), dailyExposureCap: 2 } };
    const { ctx } = await unitUser('unit-cap', ['CHILD_SAFETY_SPECIALIST'], capped);
    for (let i = 0; i < 3; i++) await fileCase('CHILD_SEXUAL_EXPLOITATION');
    for (let i = 0; i < 2; i++) expect((await claimNextCase(ctx, 'CHILD_SEXUAL_EXPLOITATION')).case.category).toBe('CHILD_SEXUAL_EXPLOITATION');
    expect(await refusal(claimNextCase(ctx, 'CHILD_SEXUAL_EXPLOITATION'))).toEqual({
      name: 'ExposureCapReachedError',
      cap: 2,
      qualification: undefined,
      message: 'You have reviewed 2 exploitation or abuse-media cases today, the daily limit. Take a break; other queues remain open to you.',
    });
    // Past the cap with nothing of the capped categories waiting: the queue is empty, not capped.
    const drained = await unitUser('unit-drain', ['LEAD'], { settings: { ...baseSettings(), dailyExposureCap: 100_000 } });
    await claimUntil(drained.ctx, 'CHILD_SEXUAL_EXPLOITATION', '', 50);
    expect(await refusal(claimNextCase(ctx, 'CHILD_SEXUAL_EXPLOITATION'))).toMatchObject({ name: 'NoCaseAvailableError' });
    const altercation = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    expect(await claimUntil(ctx, 'MINOR_PHYSICAL_ALTERCATION', altercation, 50)).toContain(altercation);
  });

  it('reads the queue’s qualification as the reviewer’s record stands, not as the token says', async () => {
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const { ctx } = await unitUser('unit-withdrawn', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    await setReviewerAccess(await user('unit-admin', ['ADMIN']), { reviewerId: idOf(ctx), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    expect(await refusal(claimNextCase(ctx, 'CHILD_SEXUAL_EXPLOITATION'))).toEqual({
      name: 'NotQualifiedError',
      qualification: 'CHILD_SAFETY_SPECIALIST',
      message: 'You are not qualified to work the CHILD_SEXUAL_EXPLOITATION queue: it needs CHILD_SAFETY_SPECIALIST',
      cap: undefined,
    });
    expect(await prisma().caseClaim.count({ where: { reviewerId: idOf(ctx) } })).toBe(0);
  });

  it('gives an escalated case to a lead other than its escalator, never to a reviewer', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const escalator = await unitUser('unit-escalator', ['LEAD']);
    await prisma().case.update({
      where: { id: caseId },
      data: { escalationReason: 'REVIEWER_REQUEST', escalatedAt: new Date(), escalatedById: idOf(escalator.ctx), escalationNote: 'placeholder note', priority: -1 },
    });
    const reviewer = await unitUser('unit-esc-reviewer', ['REVIEWER']);
    expect(await claimUntil(reviewer.ctx, 'MINOR_PHYSICAL_ALTERCATION', caseId, 50)).not.toContain(caseId);
    expect(await claimUntil(escalator.ctx, 'MINOR_PHYSICAL_ALTERCATION', caseId, 50)).not.toContain(caseId);
    const lead = await unitUser('unit-esc-lead', ['LEAD']);
    expect(await claimUntil(lead.ctx, 'MINOR_PHYSICAL_ALTERCATION', caseId, 50)).toEqual([caseId]);
  });
});

describe('the claim statement reads the caller’s record as it stands', () => {
  it('a suspended reviewer, or one without a record, takes nothing whatever the token says', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: caseId }, data: { priority: -2 } });
    const suspended = await user('stmt-suspended', ['REVIEWER']);
    await setReviewerAccess(await user('stmt-admin', ['ADMIN']), { reviewerId: idOf(suspended), revokedRoles: [], suspended: true });
    const expected = {
      name: 'NotQualifiedError',
      qualification: 'REVIEWER',
      message: 'You are not qualified to work the MINOR_PHYSICAL_ALTERCATION queue: it needs REVIEWER',
      cap: undefined,
    };
    expect(await refusal(claimNextCase(suspended, 'MINOR_PHYSICAL_ALTERCATION'))).toEqual(expected);
    const unknown = server.app.serviceContext({ kind: 'USER', id: `stmt-unknown-${hex(3)}`, name: 'Placeholder', roles: ['REVIEWER'] });
    expect(await refusal(claimNextCase(unknown, 'MINOR_PHYSICAL_ALTERCATION'))).toEqual(expected);
    expect(await caseOf(caseId)).toMatchObject({ status: 'OPEN', assigneeId: null });
    expect(await prisma().caseClaim.count({ where: { caseId } })).toBe(0);
  });

  it('takes with the lease length from now, and answers the case as committed', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: caseId }, data: { priority: -3 } });
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const ctx = await user('stmt-taker', ['REVIEWER'], { now: () => at });
    const lease = new Date(at.getTime() + ctx.settings.leaseMinutes * 60_000).toISOString();
    const taken = await claimNextCase(ctx, 'MINOR_PHYSICAL_ALTERCATION');
    expect(taken.committed).toMatchObject({ id: caseId, assignee: { id: idOf(ctx) } });
    expect(taken.leaseExpiresAt.toISOString()).toBe(lease);
    expect((await caseOf(caseId)).leaseExpiresAt?.toISOString()).toBe(lease);
  });
});

describe('the claim statement takes what the unit of work would', () => {
  // Should the statement wrongly take nothing, the unit of work takes the case instead and the claim still succeeds:
  // only `committed`, which the statement alone answers, shows which of the two took it.
  it('an appeal, for an appeals reviewer as their record stands: kept APPEALED; refused once the role is withdrawn', async () => {
    const appeal = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: appeal }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    const withdrawn = await user('stmt-appeals-withdrawn', ['REVIEWER', 'APPEALS_REVIEWER']);
    await setReviewerAccess(await user('stmt-appeals-admin', ['ADMIN']), { reviewerId: idOf(withdrawn), revokedRoles: ['APPEALS_REVIEWER'], suspended: false });
    expect(await refusal(claimNextCase(withdrawn, 'APPEALS'))).toEqual({
      name: 'NotQualifiedError',
      qualification: 'APPEALS_REVIEWER',
      message: 'You are not qualified to work the APPEALS queue: it needs APPEALS_REVIEWER',
      cap: undefined,
    });
    expect(await caseOf(appeal)).toMatchObject({ status: 'APPEALED', assigneeId: null });
    const judge = await user('stmt-judge', ['APPEALS_REVIEWER']);
    const taken = await claimNextCase(judge, 'APPEALS');
    expect(taken.committed).toMatchObject({ id: appeal, status: 'APPEALED', assigneeId: idOf(judge), assignee: { id: idOf(judge) } });
  });

  it('an exploitation case, under the daily cap', async () => {
    const caseId = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await prisma().case.update({ where: { id: caseId }, data: { priority: -5 } });
    const specialist = await user('stmt-specialist', ['CHILD_SAFETY_SPECIALIST'], { settings: { ...baseSettings(), dailyExposureCap: 100_000 } });
    const taken = await claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION');
    expect(taken.committed).toMatchObject({ id: caseId, category: 'CHILD_SEXUAL_EXPLOITATION', assignee: { id: idOf(specialist) } });
  });

  it('an escalated case, for a lead other than its escalator', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const escalator = await user('stmt-escalator', ['LEAD']);
    await prisma().case.update({
      where: { id: caseId },
      data: { escalationReason: 'REVIEWER_REQUEST', escalatedAt: new Date(), escalatedById: idOf(escalator), escalationNote: 'placeholder note', priority: -4 },
    });
    const lead = await user('stmt-lead', ['LEAD']);
    const taken = await claimNextCase(lead, 'MINOR_PHYSICAL_ALTERCATION');
    expect(taken.committed).toMatchObject({ id: caseId, status: 'IN_REVIEW', assignee: { id: idOf(lead) } });
  });
});

describe('claimCase: the original decider', () => {
  it('may take a case reopened on appeal (open again), though not the appeal itself', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const lead = await user('reopened-lead', ['LEAD']);
    await decisionBy(caseId, idOf(lead));
    await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    expect(await refusal(claimCase(lead, caseId))).toEqual({
      name: 'ForbiddenError',
      message: 'The appeal must be handled by someone other than the original decider',
      qualification: undefined,
      cap: undefined,
    });
    // Reopened on appeal: back in its queue as an open case, for any qualified reviewer, its decider included.
    await prisma().case.update({ where: { id: caseId }, data: { status: 'OPEN', queue: 'MINOR_PHYSICAL_ALTERCATION' } });
    expect((await claimCase(lead, caseId)).case).toMatchObject({ id: caseId, status: 'IN_REVIEW', assigneeId: idOf(lead) });
  });
});

describe('releaseWithin, as a bulk release calls it (whenFree: skip, expectedVersion)', () => {
  /** Runs releaseWithin in a unit; a null answer (nothing written) rolls the unit back. */
  const release = (ctx: ServiceContext, caseId: string, options: Parameters<typeof releaseWithin>[3]) =>
    inTransaction(ctx, async (unit) => {
      const released = await releaseWithin(ctx, unit, caseId, options);
      if (released === null) throw new NoChange(null);
      return released;
    });

  it('skips a waiting case nobody holds, open or appealed; refuses a decided one; releases a held one at its version only', async () => {
    const lead = await user('bulk-lead', ['LEAD']);
    const open = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const appealed = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: appealed }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    for (const caseId of [open, appealed]) {
      const before = await caseOf(caseId);
      expect(await release(lead, caseId, { whenFree: 'skip' })).toBeNull();
      expect(await caseOf(caseId)).toMatchObject({ status: before.status, assigneeId: null, version: before.version });
    }
    // The single release refuses a case nobody holds.
    expect(await refusal(release(lead, open, { whenFree: 'refuse' }))).toMatchObject({ name: 'InvalidTransitionError' });
    const decided = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: decided }, data: { status: 'DECIDED' } });
    expect(await refusal(release(lead, decided, { whenFree: 'skip' }))).toMatchObject({ name: 'InvalidTransitionError' });

    const holder = await user('bulk-holder', ['REVIEWER']);
    const held = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const { version } = await prisma().case.update({ where: { id: held }, data: { status: 'IN_REVIEW', assigneeId: idOf(holder), leaseExpiresAt: new Date(Date.now() + 60_000) } });
    expect(await refusal(release(lead, held, { whenFree: 'skip', expectedVersion: version - 1 }))).toMatchObject({ name: 'VersionConflictError' });
    expect(await caseOf(held)).toMatchObject({ status: 'IN_REVIEW', assigneeId: idOf(holder), version });
    expect(await release(lead, held, { whenFree: 'skip', expectedVersion: version })).toMatchObject({ id: held, status: 'OPEN', assigneeId: null, version: version + 1 });
    const audited = await prisma().auditEvent.findMany({ where: { caseId: held, action: 'case.released' } });
    expect(audited.map((e) => e.changes)).toEqual([{ status: { from: 'IN_REVIEW', to: 'OPEN' }, assigneeId: { from: idOf(holder), to: null } }]);
    const again = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const v2 = (await prisma().case.update({ where: { id: again }, data: { status: 'IN_REVIEW', assigneeId: idOf(holder), leaseExpiresAt: new Date(Date.now() + 60_000) } })).version;
    expect(await release(lead, again, { whenFree: 'skip', expectedVersion: null })).toMatchObject({ id: again, status: 'OPEN', version: v2 + 1 });
  });
});

describe('a claim statement that takes nothing ends its transaction', () => {
  it('hands its connection back outside any transaction when it refuses', async () => {
    // A connection handed back inside the statement's transaction would keep the reviewer's row locked FOR SHARE and
    // run the next borrower's statements in that transaction (its now() would be the old BEGIN's time). claimNextCase's
    // fallback hides that on its own connection, so the statement is called directly here.
    const pool = server.app.db.pool;
    const outsideTransaction = async () => {
      await new Promise((r) => setTimeout(r, 20));
      const clients = await Promise.all(Array.from({ length: Math.max(1, pool.idleCount) }, () => pool.connect()));
      try {
        for (const client of clients) {
          const { rows } = await client.query('SELECT now() = statement_timestamp() AS "fresh"');
          expect(rows[0].fresh, 'a pooled connection is still inside a transaction').toBe(true);
        }
      } finally {
        for (const client of clients) client.release();
      }
    };
    const statement = (ctx: UserContext, queue: QueueName) =>
      claimInOneStatement(ctx, pool, ctx.actor, queue, claimableSql(queue, idOf(ctx)), { since: new Date(Date.now() - 86_400_000), categories: ['CHILD_SEXUAL_EXPLOITATION'] });
    // Refused: not qualified for the queue.
    expect(await statement(await user('statement-refused', ['REVIEWER']), 'IMMEDIATE_RISK')).toBeNull();
    await outsideTransaction();
    // Refused: suspended since the token was issued (the statement reads the record).
    const suspended = await user('statement-suspended', ['REVIEWER']);
    await prisma().reviewer.update({ where: { id: idOf(suspended) }, data: { suspendedAt: new Date() } });
    expect(await statement(suspended, 'MINOR_PHYSICAL_ALTERCATION')).toBeNull();
    await outsideTransaction();
  });
});
