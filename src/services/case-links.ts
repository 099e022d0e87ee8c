// Case links: staff who may work two cases say they are about the same incident or account (beyond the automatic fold
// by content id and hash), with a reason, and may take that back. A link is one row per pair, audited on both cases.
// A lead may apply the standing decision on a case to its linked cases in one step: each gets its own decision through
// the same code as decideCase (src/services/decisions.ts), in its own transaction, so one refusal stops nothing else.
import type { Case, CaseLink } from '../generated/prisma/client.js';
import { canHandleCategory, type EnforcementAction } from '../policy/index.js';
import type { Tx } from '../db/database.js';
import type { ServiceContext } from './context.js';
import { DomainError, ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError, VersionConflictError } from './errors.js';
import { currentRoles, maySeeCase, visibleCase, type CaseAccess } from './access.js';
import { requireUser } from './claims.js';
import { recordDecision } from './decisions.js';
import { inTransaction, type Unit } from './transaction.js';
import { transition } from './workflow.js';
import { isUuid } from './validation.js';

export const MAX_LINK_REASON_LENGTH = 2000;
/** How many linked cases one application of a decision may name (or find). */
export const MAX_LINKED_CASES = 100;

function reasonText(value: string | null | undefined, required: boolean): string | null {
  const trimmed = (value ?? '').trim();
  if (!trimmed && required) throw new ValidationError([{ path: 'reason', message: 'say why the cases are linked' }]);
  if (trimmed.length > MAX_LINK_REASON_LENGTH) throw new ValidationError([{ path: 'reason', message: `must be at most ${MAX_LINK_REASON_LENGTH} characters` }]);
  return trimmed || null;
}

/** The pair as stored: the lower id first. */
const ordered = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);

/**
 * Locks both cases, in id order so two units on one pair never deadlock, and checks that the caller may work on both
 * now. A missing case and one the caller may not see are refused alike (`NotFoundError`).
 */
async function workablePair(ctx: ServiceContext, unit: Unit, caseId: string, linkedCaseId: string): Promise<{ from: CaseAccess; to: CaseAccess }> {
  const [low, high] = ordered(caseId.toLowerCase(), linkedCaseId.toLowerCase());
  const first = await visibleCase(ctx, unit, low);
  const second = await visibleCase(ctx, unit, high);
  for (const access of [first, second]) {
    if (!canHandleCategory(access.roles, access.case.category)) throw new ForbiddenError(`You are not qualified to work on ${access.case.category} cases`);
  }
  return first.case.id === caseId.toLowerCase() ? { from: first, to: second } : { from: second, to: first };
}

function refuseSelfLink(caseId: string, linkedCaseId: string): void {
  if (caseId.toLowerCase() === linkedCaseId.toLowerCase()) throw new ValidationError([{ path: 'linkedCaseId', message: 'a case cannot be linked to itself' }]);
}

/** Audits a link step on both cases and publishes an update to each one's queue. */
function recordOnBoth(unit: Unit, action: 'case.linked' | 'case.unlinked', linkId: string, from: Case, to: Case, reason: string | null): void {
  for (const [one, other] of [
    [from, to],
    [to, from],
  ] as const) {
    unit.audit({ action, entityType: 'CaseLink', entityId: linkId, caseId: one.id, changes: { linkId, linkedCaseId: other.id, reason } });
    unit.publish({ kind: 'UPDATED', queue: one.queue, caseId: one.id, category: one.category });
  }
}

/** Links two cases the caller may work on (any status), with a reason. The same pair from either side is one link. */
export async function linkCases(ctx: ServiceContext, caseId: string, linkedCaseId: string, reason: string): Promise<{ link: CaseLink; caseId: string; linkedCaseId: string }> {
  const user = requireUser(ctx);
  const why = reasonText(reason, true)!;
  refuseSelfLink(caseId, linkedCaseId);
  return inTransaction(ctx, async (unit) => {
    const { from, to } = await workablePair(ctx, unit, caseId, linkedCaseId);
    const [low, high] = ordered(from.case.id, to.case.id);
    if (await unit.tx.caseLink.findUnique({ where: { caseId_linkedCaseId: { caseId: low, linkedCaseId: high } } })) {
      throw new InvalidTransitionError('These cases are already linked');
    }
    const link = await unit.tx.caseLink.create({ data: { caseId: low, linkedCaseId: high, reason: why, createdById: user.id, createdAt: unit.now } });
    recordOnBoth(unit, 'case.linked', link.id, from.case, to.case, why);
    return { link, caseId: from.case.id, linkedCaseId: to.case.id };
  });
}

/** Removes the link between two cases the caller may work on; the reason, when given, is kept in the audit log. */
export async function unlinkCases(ctx: ServiceContext, caseId: string, linkedCaseId: string, reason?: string | null): Promise<{ caseId: string; linkedCaseId: string }> {
  requireUser(ctx);
  const why = reasonText(reason, false);
  refuseSelfLink(caseId, linkedCaseId);
  return inTransaction(ctx, async (unit) => {
    const { from, to } = await workablePair(ctx, unit, caseId, linkedCaseId);
    const [low, high] = ordered(from.case.id, to.case.id);
    const link = await unit.tx.caseLink.findUnique({ where: { caseId_linkedCaseId: { caseId: low, linkedCaseId: high } } });
    if (!link) throw new NotFoundError('Case link');
    await unit.tx.caseLink.delete({ where: { id: link.id } });
    recordOnBoth(unit, 'case.unlinked', link.id, from.case, to.case, why);
    return { caseId: from.case.id, linkedCaseId: to.case.id };
  });
}

/** The ids of the cases linked to this one, oldest link first. */
export async function linkedCaseIds(db: Pick<Tx, 'caseLink'>, caseId: string): Promise<string[]> {
  const links = await db.caseLink.findMany({
    where: { OR: [{ caseId }, { linkedCaseId: caseId }] },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { caseId: true, linkedCaseId: true },
  });
  return links.map((l) => (l.caseId === caseId ? l.linkedCaseId : l.caseId));
}

export interface LinkedCaseTarget {
  caseId: string;
  /** When given, the case must still be at this version. */
  expectedVersion?: number | null;
}

export interface LinkedDecisionResult {
  caseId: string;
  decisionId: string | null;
  error: DomainError | null;
}

/**
 * Applies the standing decision on a case to the cases linked to it (leads): to those named, or to every linked case.
 * Each gets its own decision with the same actions and justification, under the source decision's assessment, through
 * decideCase's code (policy checks, CyberTipline record and hold, strike, referral, audit event, live event), each in
 * its own transaction. A linked case of another category, one not waiting for review or under review by the lead,
 * one held by someone else, or one past its expected version is refused, and the others go on. The step as a whole
 * is audited on the source case.
 */
export async function applyDecisionToLinkedCases(
  ctx: ServiceContext,
  input: { caseId: string; linkedCases?: LinkedCaseTarget[] | null },
): Promise<{ caseId: string; decisionId: string; results: LinkedDecisionResult[] }> {
  const user = requireUser(ctx);
  const named = input.linkedCases ?? null;
  const issues = [
    ...(named && named.length > MAX_LINKED_CASES ? [{ path: 'linkedCases', message: `name at most ${MAX_LINKED_CASES} cases` }] : []),
    ...(named && new Set(named.map((t) => t.caseId.toLowerCase())).size !== named.length ? [{ path: 'linkedCases', message: 'name each case once' }] : []),
    ...(named ?? []).flatMap((t, i) => (isUuid(t.caseId) ? [] : [{ path: `linkedCases.${i}.caseId`, message: 'must be a case id' }])),
    ...(named ?? []).flatMap((t, i) => (t.expectedVersion != null && !(Number.isInteger(t.expectedVersion) && t.expectedVersion >= 1) ? [{ path: `linkedCases.${i}.expectedVersion`, message: 'must be a positive integer' }] : [])),
  ];
  if (issues.length) throw new ValidationError(issues);

  // The source is read, not locked: its decision is what is applied, and each linked case's unit locks that case.
  const roles = await currentRoles(ctx.prisma as unknown as Tx, user);
  const source = isUuid(input.caseId) ? await ctx.prisma.case.findUnique({ where: { id: input.caseId } }) : null;
  if (!source || !maySeeCase(roles, source.category)) throw new NotFoundError('Case');
  if (!roles.includes('LEAD')) throw new ForbiddenError('This step needs one of: LEAD');
  const decision = await ctx.prisma.decision.findFirst({ where: { caseId: source.id }, orderBy: { decidedAt: 'desc' } });
  if (!decision || decision.reversedAt) throw new InvalidTransitionError('The case has no standing decision to apply');
  const assessment = await ctx.prisma.assessment.findUniqueOrThrow({ where: { id: decision.assessmentId } });

  const linked = await linkedCaseIds(ctx.prisma, source.id);
  if (!named && linked.length > MAX_LINKED_CASES) {
    throw new ValidationError([{ path: 'linkedCases', message: `the case has ${linked.length} linked cases: name at most ${MAX_LINKED_CASES} of them` }]);
  }
  const targets: LinkedCaseTarget[] = named ?? linked.map((caseId) => ({ caseId }));
  const appliedFrom = { caseId: source.id, decisionId: decision.id };

  const results: LinkedDecisionResult[] = [];
  for (const target of targets) {
    try {
      if (!linked.includes(target.caseId.toLowerCase())) throw new NotFoundError('Linked case');
      const made = await inTransaction(ctx, async (unit) => {
        const { case: found, roles: now } = await visibleCase(ctx, unit, target.caseId, { notFound: 'Linked case', anyOf: ['LEAD'] });
        if (found.category !== decision.category) {
          throw new InvalidTransitionError(`The decision on a ${decision.category} case does not cover a ${found.category} case`);
        }
        const status = transition(found.status, 'decideLinked');
        if (found.assigneeId && found.assigneeId !== user.id) throw new InvalidTransitionError('This case is claimed by another reviewer');
        if (target.expectedVersion != null && found.version !== target.expectedVersion) throw new VersionConflictError(found.version);
        const recorded = await recordDecision(ctx, unit, {
          found,
          status,
          roles: now,
          userId: user.id,
          assessment,
          actions: decision.actions as EnforcementAction[],
          justification: decision.justification,
          appliedFrom,
        });
        // recordDecision refuses (throws) rather than escalating a decision applied from a linked case.
        if ('escalated' in recorded) throw new InvalidTransitionError('A lead must decide this case');
        return recorded.decision;
      });
      results.push({ caseId: target.caseId, decisionId: made.id, error: null });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({ caseId: target.caseId, decisionId: null, error });
    }
  }
  // The step as a whole, on the source case: which cases were decided and which refused, and why.
  await inTransaction(ctx, async (unit) => {
    unit.audit({
      action: 'decision.applied_to_linked_cases',
      entityType: 'Decision',
      entityId: decision.id,
      caseId: source.id,
      changes: {
        decisionId: decision.id,
        applied: results.filter((r) => r.decisionId).map((r) => ({ caseId: r.caseId, decisionId: r.decisionId })),
        refused: results.filter((r) => r.error).map((r) => ({ caseId: r.caseId, code: r.error!.code })),
      },
    });
  });
  return { caseId: source.id, decisionId: decision.id, results };
}
