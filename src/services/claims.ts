// Claims and leases: the most urgent case a reviewer may handle, to one reviewer at a time, for a limited time.
import { Prisma } from '../generated/prisma/client.js';
import type { Case } from '../generated/prisma/client.js';
import {
  canHandleCategory,
  canWorkQueue,
  categoryQualification,
  handledCategories,
  CATEGORIES,
  isHighExposureCategory,
  queueQualification,
  type Category,
  type QueueName,
  type Role,
} from '../policy/index.js';
import type { ServiceContext } from './context.js';
import {
  ExposureCapReachedError,
  ForbiddenError,
  InvalidTransitionError,
  NoCaseAvailableError,
  NotAuthenticatedError,
  NotFoundError,
  NotQualifiedError,
  ValidationError,
  VersionConflictError,
} from './errors.js';
import { NoChange, inTransaction, type Unit } from './transaction.js';
import { transition } from './workflow.js';
import { fromUtc, isoOf, utcTimestamp } from './sql.js';
import { currentRoles, requireCaseAccess, visibleCase } from './access.js';
import { claimInOneStatement, type ClaimableSql } from './claim-statement.js';

export function requireUser(ctx: ServiceContext) {
  if (ctx.actor.kind !== 'USER') throw new NotAuthenticatedError();
  return ctx.actor;
}

/** Categories whose cases count towards a reviewer's daily exposure. */
const HIGH_EXPOSURE = CATEGORIES.filter(isHighExposureCategory);

const startOfUtcDay = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

/** Distinct exploitation and abuse-media cases the reviewer has taken since UTC midnight. */
export async function exposureToday(ctx: Pick<ServiceContext, 'prisma' | 'now'>, reviewerId: string, tx: Prisma.TransactionClient | ServiceContext['prisma'] = ctx.prisma): Promise<number> {
  const rows = await tx.caseClaim.findMany({
    where: {
      reviewerId,
      claimedAt: { gte: startOfUtcDay(ctx.now()) },
      category: { in: HIGH_EXPOSURE },
    },
    distinct: ['caseId'],
    select: { caseId: true },
  });
  return rows.length;
}

export interface ReviewerExposure {
  reviewerId: string;
  /** Distinct exploitation and abuse-media cases taken since UTC midnight. */
  casesToday: number;
  lastClaimedAt: Date;
}

/** Every reviewer's exposure today, most exposed first: for leads watching over their team. */
export async function teamExposureToday(ctx: Pick<ServiceContext, 'prisma' | 'now'>): Promise<ReviewerExposure[]> {
  const rows = await ctx.prisma.$queryRaw<Array<{ reviewerId: string; cases: number; last: string }>>`
    SELECT "reviewerId", count(DISTINCT "caseId")::int AS cases, ${isoOf(Prisma.sql`max("claimedAt")`)} AS last
    FROM "CaseClaim"
    WHERE "claimedAt" >= ${utcTimestamp(startOfUtcDay(ctx.now()))} AND "category"::text IN (${Prisma.join(HIGH_EXPOSURE)})
    GROUP BY 1 ORDER BY 2 DESC, 1`;
  return rows.map((r) => ({ reviewerId: r.reviewerId, casesToday: Number(r.cases), lastClaimedAt: fromUtc(r.last)! }));
}

export interface ClaimResult {
  case: Case;
  leaseExpiresAt: Date;
  /** The case as the claim committed it, with its assignee ({ id, name }), when the claim statement took it. */
  committed?: Record<string, unknown>;
}

/** Atomically gives the caller the most urgent unclaimed case in the queue that they may handle. */
export async function claimNextCase(ctx: ServiceContext, queue: QueueName): Promise<ClaimResult> {
  const user = requireUser(ctx);
  const unqualified = () => new NotQualifiedError(queueQualification(queue), `You are not qualified to work the ${queue} queue: it needs ${queueQualification(queue)}`);
  if (!canWorkQueue(user.roles, queue)) throw unqualified();
  // The common case, a case taken, in one statement on a driver connection (src/services/claim-statement.ts). When it
  // takes nothing it writes nothing, and the unit of work below answers why, or takes a case that arrived meanwhile.
  if (ctx.pool) {
    const taken = await claimInOneStatement(ctx, ctx.pool, user, queue, claimableSql(queue, user.id), { since: startOfUtcDay(ctx.now()), categories: HIGH_EXPOSURE });
    if (taken) return taken;
  }
  return inTransaction(ctx, async (unit) => {
    // The caller's access as it stands now, not as the request began (src/services/access.ts).
    const roles = await currentRoles(unit.tx, user);
    if (!canWorkQueue(roles, queue)) throw unqualified();
    const capReached = (await exposureToday(ctx, user.id, unit.tx)) >= ctx.settings.dailyExposureCap;
    const categories = handledCategories(roles).filter((c) => !capReached || !isHighExposureCategory(c));
    const appeals = queue === 'APPEALS';
    const lead = roles.includes('LEAD');
    const taken = categories.length ? await pickCase(unit, queue, categories, appeals, user.id, lead, { ctx }) : null;
    if (!taken) {
      if (capReached && (await pickCase(unit, queue, handledCategories(roles), appeals, user.id, lead))) {
        throw new ExposureCapReachedError(ctx.settings.dailyExposureCap);
      }
      // The appeals queue holds every category: say what waits there for others, by the qualification it needs
      // (never which case, nor how many).
      const others = CATEGORIES.filter((c) => !canHandleCategory(roles, c));
      const other = others.length ? await pickCase(unit, queue, others, appeals, user.id, lead) : null;
      if (other) {
        const { category } = await unit.tx.case.findUniqueOrThrow({ where: { id: other }, select: { category: true } });
        throw notQualifiedFor(category, `Nothing you may handle is waiting in ${queue}`);
      }
      throw new NoCaseAvailableError(queue);
    }
    return taken;
  });
}

const notQualifiedFor = (category: Category, lead: string) =>
  new NotQualifiedError(categoryQualification(category), `${lead}: ${category} cases need ${categoryQualification(category)}`);

/** Who may choose a case by id rather than take the next one: leads (any case), appeals reviewers (appeals). */
export const CASE_CHOOSERS: readonly Role[] = ['LEAD', 'APPEALS_REVIEWER'];

/**
 * Claims the case the caller chose, under the same rules as claimNextCase: the category's and queue's qualification,
 * an escalated case to a lead other than the one who escalated it, an appeal never to its original decider, and the
 * daily exposure cap. Leads may choose any waiting case, appeals reviewers an appeal. A case the caller may not see
 * is refused like one that does not exist; `expectedVersion`, when given, must be the case's version.
 */
export async function claimCase(ctx: ServiceContext, caseId: string, expectedVersion?: number | null): Promise<ClaimResult> {
  const user = requireUser(ctx);
  return inTransaction(ctx, async (unit) => {
    const { case: found, roles } = await visibleCase(ctx, unit, caseId, { anyOf: CASE_CHOOSERS });
    const lead = roles.includes('LEAD');
    const appeal = found.status === 'APPEALED';
    assertQualified(found, roles, 'You may not claim this case');
    if (!appeal && !lead) {
      throw new NotQualifiedError('LEAD', 'Only leads choose a case outside the appeals queue; take the next one with claimNextCase');
    }
    if (found.assigneeId) {
      throw new InvalidTransitionError(found.assigneeId === user.id ? 'You already hold this case; renew your lease to keep it' : 'This case is claimed by another reviewer');
    }
    const step = appeal ? 'claimAppeal' : 'claim';
    transition(found.status, step);
    await assertMayTake(unit, found, roles, user.id, 'You');
    if (expectedVersion != null && expectedVersion !== found.version) throw new VersionConflictError(found.version);
    await assertUnderCap(ctx, unit, found, user.id);
    return lease(ctx, unit, found.id, step, user.id);
  });
}

/** The case's category and queue qualifications, held by `roles` (the caller's, or the reviewer a lead assigns). */
function assertQualified(found: Case, roles: readonly Role[], lead: string) {
  if (!canHandleCategory(roles, found.category)) throw notQualifiedFor(found.category, lead);
  if (!canWorkQueue(roles, found.queue)) {
    throw new NotQualifiedError(queueQualification(found.queue), `${lead}: the ${found.queue} queue needs ${queueQualification(found.queue)}`);
  }
}

/** An escalated case goes to a lead other than its escalator; an appeal never to its original decider. */
async function assertMayTake(unit: Unit, found: Case, roles: readonly Role[], reviewerId: string, who: 'You' | 'The reviewer') {
  if (found.escalationReason) {
    if (!roles.includes('LEAD')) throw new NotQualifiedError('LEAD', 'This case was escalated under the two-person rule: a lead must take it');
    if (found.escalatedById === reviewerId) throw new ForbiddenError(`${who} escalated this case: another lead must take it`);
  }
  if (found.status === 'APPEALED' && (await unit.tx.decision.count({ where: { caseId: found.id, decidedById: reviewerId } }))) {
    throw new ForbiddenError('The appeal must be handled by someone other than the original decider');
  }
}

/** The daily exposure cap of the reviewer who would take the case. */
async function assertUnderCap(ctx: ServiceContext, unit: Unit, found: Case, reviewerId: string) {
  if (isHighExposureCategory(found.category) && (await exposureToday(ctx, reviewerId, unit.tx)) >= ctx.settings.dailyExposureCap) {
    throw new ExposureCapReachedError(ctx.settings.dailyExposureCap);
  }
}

/**
 * A lead gives a waiting case to a named reviewer, with the lease claimNextCase would give them, under the same rules
 * as a claim checked against that reviewer's access as it stands now: the category's and queue's qualifications, an
 * escalated case to a lead other than its escalator, an appeal never to its decider, and the reviewer's exposure cap.
 */
export async function assignCase(ctx: ServiceContext, caseId: string, reviewerId: string, expectedVersion: number): Promise<ClaimResult> {
  requireUser(ctx);
  return inTransaction(ctx, async (unit) => {
    const { case: found } = await visibleCase(ctx, unit, caseId, { anyOf: ['LEAD'] });
    const record = await unit.tx.reviewer.findUnique({ where: { id: reviewerId }, select: { id: true, roles: true } });
    if (!record) throw new NotFoundError('Reviewer');
    const roles = await currentRoles(unit.tx, { id: record.id, roles: record.roles as Role[] });
    if (found.assigneeId) throw new InvalidTransitionError('This case is held by a reviewer: unassign it first');
    const step = found.status === 'APPEALED' ? 'claimAppeal' : 'claim';
    transition(found.status, step);
    if (expectedVersion !== found.version) throw new VersionConflictError(found.version);
    assertQualified(found, roles, 'The reviewer may not take this case');
    await assertMayTake(unit, found, roles, record.id, 'The reviewer');
    await assertUnderCap(ctx, unit, found, record.id);
    return lease(ctx, unit, found.id, step, record.id, 'case.assigned');
  });
}

/**
 * The reviewer holding a case hands it to the leads, at any review step, saying why: it goes back to its queue where
 * only a lead other than the escalator may take it (as with the two-person rule), the reason on the case for them.
 */
export async function escalateCase(ctx: ServiceContext, caseId: string, reason: string): Promise<Case> {
  const user = requireUser(ctx);
  const note = reason.trim();
  if (!note) throw new ValidationError([{ path: 'reason', message: 'say why the case needs a lead' }]);
  if (note.length > 2000) throw new ValidationError([{ path: 'reason', message: 'must be at most 2000 characters' }]);
  return inTransaction(ctx, async (unit) => {
    const { case: found } = await requireCaseAccess(ctx, unit, caseId, 'work');
    const status = transition(found.status, found.status === 'APPEALED' ? 'releaseAppeal' : 'release');
    const updated = await unit.tx.case.update({
      where: { id: found.id },
      data: { status, assigneeId: null, leaseExpiresAt: null, escalationReason: 'REVIEWER_REQUEST', escalationNote: note, escalatedAt: unit.now, escalatedById: user.id, version: { increment: 1 } },
    });
    unit.audit({
      action: 'case.escalated',
      entityType: 'Case',
      entityId: found.id,
      caseId: found.id,
      // The reason may describe the content: its length only, like a note's.
      changes: { reason: 'REVIEWER_REQUEST', noteLength: note.length, status: { from: found.status, to: status }, assigneeId: { from: found.assigneeId, to: null } },
    });
    unit.publish({ kind: 'RELEASED', queue: found.queue, caseId: found.id, category: found.category });
    return updated;
  });
}

/** A lead hands a held case back to its queue. */
export async function unassignCase(ctx: ServiceContext, caseId: string): Promise<Case> {
  requireUser(ctx);
  return inTransaction(ctx, async (unit) => {
    const { case: found } = await visibleCase(ctx, unit, caseId, { anyOf: ['LEAD'] });
    if (!found.assigneeId) throw new InvalidTransitionError('This case is not assigned');
    return unassign(unit, found, 'case.unassigned');
  });
}

/**
 * The most urgent claimable case. SKIP LOCKED lets concurrent claimers pass over each other's picks, so no case goes
 * to two reviewers. The original decider never gets its own case's appeal; a case escalated under the two-person rule
 * goes to leads only, and never back to the one who escalated it.
 *
 * With `take`, the pick is the claim itself, in one statement: `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)
 * RETURNING`, with the claim row (counted towards exposure) inserted from what it returns; then the unit's audit event
 * and live event, as `lease` writes them. (claimNextCase's common case takes the same pick in the claim statement of
 * src/services/claim-statement.ts, audit event included; this unit is its fallback.) Without it, a peek: the id of such a case, if one waits (for the exposure cap's
 * and the missing qualification's errors).
 */
async function pickCase(unit: Unit, queue: QueueName, categories: Category[], appeals: boolean, userId: string, lead: boolean): Promise<string | null>;
async function pickCase(unit: Unit, queue: QueueName, categories: Category[], appeals: boolean, userId: string, lead: boolean, take: { ctx: ServiceContext }): Promise<ClaimResult | null>;
async function pickCase(unit: Unit, queue: QueueName, categories: Category[], appeals: boolean, userId: string, lead: boolean, take?: { ctx: ServiceContext }): Promise<ClaimResult | string | null> {
  const from = appeals ? 'APPEALED' : 'OPEN';
  const claimable = claimableSql(queue, userId)(categories, appeals, lead);
  if (!take) return (await unit.tx.$queryRaw<Array<{ id: string }>>(claimable))[0]?.id ?? null;
  const status = transition(from, appeals ? 'claimAppeal' : 'claim');
  const leaseExpiresAt = new Date(unit.now.getTime() + take.ctx.settings.leaseMinutes * 60_000);
  const [updated] = await unit.tx.$queryRaw<Case[]>`
    WITH taken AS (
      UPDATE "Case" SET "status" = ${status}::"CaseStatus", "assigneeId" = ${userId}, "leaseExpiresAt" = ${leaseExpiresAt},
        "version" = "version" + 1, "updatedAt" = ${unit.now}
      WHERE "id" = (${claimable} FOR UPDATE SKIP LOCKED)
      RETURNING *),
    claimed AS (
      INSERT INTO "CaseClaim" ("id", "caseId", "reviewerId", "category", "claimedAt")
      SELECT gen_random_uuid(), t."id", ${userId}, t."category", ${unit.now} FROM taken t)
    SELECT * FROM taken`;
  if (!updated) return null;
  unit.audit({
    action: 'case.claimed',
    entityType: 'Case',
    entityId: updated.id,
    caseId: updated.id,
    changes: { status: { from, to: status }, assigneeId: { to: userId }, leaseExpiresAt: { to: leaseExpiresAt } },
  });
  unit.publish({ kind: 'CLAIMED', queue: updated.queue, caseId: updated.id, category: updated.category });
  return { case: updated, leaseExpiresAt };
}

/**
 * The query that finds the most urgent case `userId` may claim in `queue` among `categories` (see pickCase). It reads the
 * partial index Case_claimable_idx (migration 20261129173700): the status is a literal so that the planner matches it.
 */
export const claimableSql = (queue: QueueName, userId: string): ClaimableSql => (categories, appeals, lead) => Prisma.sql`
    SELECT c."id" FROM "Case" c
    WHERE c."queue" = ${queue}::"QueueName" AND c."status" = ${Prisma.raw(appeals ? `'APPEALED'` : `'OPEN'`)} AND c."assigneeId" IS NULL
      AND c."category"::text = ANY(${categories}::text[])
      AND (c."escalationReason" IS NULL OR (${lead} AND c."escalatedById" IS DISTINCT FROM ${userId}))
      AND (${!appeals} OR NOT EXISTS (
        SELECT 1 FROM "Decision" d WHERE d."caseId" = c."id" AND d."decidedById" = ${userId}))
    ORDER BY c."priority" ASC, c."slaDueAt" ASC, c."createdAt" ASC
    LIMIT 1`;

async function lease(ctx: ServiceContext, unit: Unit, caseId: string, step: 'claim' | 'claimAppeal', reviewerId: string, action = 'case.claimed'): Promise<ClaimResult> {
  const current = await unit.tx.case.findUniqueOrThrow({ where: { id: caseId } });
  const status = transition(current.status, step);
  const leaseExpiresAt = new Date(unit.now.getTime() + ctx.settings.leaseMinutes * 60_000);
  const updated = await unit.tx.case.update({
    where: { id: caseId },
    data: { status, assigneeId: reviewerId, leaseExpiresAt, version: { increment: 1 } },
  });
  await unit.tx.caseClaim.create({ data: { caseId, reviewerId, category: current.category, claimedAt: unit.now } });
  unit.audit({
    action,
    entityType: 'Case',
    entityId: caseId,
    caseId,
    changes: { status: { from: current.status, to: status }, assigneeId: { to: reviewerId }, leaseExpiresAt: { to: leaseExpiresAt } },
  });
  unit.publish({ kind: 'CLAIMED', queue: updated.queue, caseId, category: updated.category });
  return { case: updated, leaseExpiresAt };
}

/** Hands a claimed case back to its queue. Leads may release anyone's claim. */
export async function releaseCase(ctx: ServiceContext, caseId: string): Promise<Case> {
  requireUser(ctx);
  return inTransaction(ctx, async (unit) => (await releaseWithin(ctx, unit, caseId, { whenFree: 'refuse' }))!);
}

/**
 * releaseCase's step within a unit of work (also each case of a bulk release): the release guard, then the release.
 * A waiting case nobody holds is refused (`whenFree: 'refuse'`) or left as it is, answering null (`'skip'`: a bulk
 * release retried). `expectedVersion`, when given, must be the case's version.
 */
export async function releaseWithin(ctx: ServiceContext, unit: Unit, caseId: string, options: { whenFree: 'refuse' | 'skip'; expectedVersion?: number | null }): Promise<Case | null> {
  const { case: found } = await requireCaseAccess(ctx, unit, caseId, 'release');
  if (options.whenFree === 'skip' && !found.assigneeId && (found.status === 'OPEN' || found.status === 'APPEALED')) return null;
  if (options.expectedVersion != null && options.expectedVersion !== found.version) throw new VersionConflictError(found.version);
  return unassign(unit, found, 'case.released');
}

/** Extends the caller's lease by the configured lease length from now. */
export async function renewLease(ctx: ServiceContext, caseId: string): Promise<ClaimResult> {
  requireUser(ctx);
  return inTransaction(ctx, async (unit) => {
    await requireCaseAccess(ctx, unit, caseId, 'renew');
    const leaseExpiresAt = new Date(unit.now.getTime() + ctx.settings.leaseMinutes * 60_000);
    const updated = await unit.tx.case.update({ where: { id: caseId }, data: { leaseExpiresAt } });
    unit.audit({ action: 'case.lease_renewed', entityType: 'Case', entityId: caseId, caseId, changes: { leaseExpiresAt: { to: leaseExpiresAt } } });
    return { case: updated, leaseExpiresAt };
  });
}

/** Hands a case back to its queue (`extra` joins the audited changes, e.g. why). Exported for the access guard. */
export async function unassign(unit: Unit, found: Case, action: string, extra: Record<string, unknown> = {}): Promise<Case> {
  const status = transition(found.status, found.status === 'APPEALED' ? 'releaseAppeal' : 'release');
  const updated = await unit.tx.case.update({
    where: { id: found.id },
    data: { status, assigneeId: null, leaseExpiresAt: null, version: { increment: 1 } },
  });
  unit.audit({
    action,
    entityType: 'Case',
    entityId: found.id,
    caseId: found.id,
    changes: { status: { from: found.status, to: status }, assigneeId: { from: found.assigneeId, to: null }, ...extra },
  });
  unit.publish({ kind: 'RELEASED', queue: found.queue, caseId: found.id, category: found.category });
  return updated;
}

/**
 * Returns cases whose lease has lapsed to their queue. Safe on every instance at once: each expired case is locked
 * with SKIP LOCKED, so exactly one instance releases it.
 */
export async function expireLeases(ctx: ServiceContext, limit = 100): Promise<number> {
  const due = await ctx.prisma.case.count({ where: { assigneeId: { not: null }, leaseExpiresAt: { lte: ctx.now() } } });
  if (due === 0) return 0;
  return inTransaction(ctx, async (unit) => {
    const rows = await unit.tx.$queryRaw<Array<{ id: string }>>`
      SELECT "id" FROM "Case"
      WHERE "assigneeId" IS NOT NULL AND "leaseExpiresAt" <= ${unit.now}
      ORDER BY "leaseExpiresAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    for (const { id } of rows) {
      const found = await unit.tx.case.findUniqueOrThrow({ where: { id } });
      await unassign(unit, found, 'case.lease_expired');
    }
    // Another instance took them all: roll back this empty unit rather than write an empty history entry.
    if (rows.length === 0) throw new NoChange(0);
    return rows.length;
  });
}
