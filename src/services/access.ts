// Who may act on a case: one guard for every case-scoped write. It reads the caller's access as their reviewer record
// stands now and the case as it stands now, both locked inside the transaction that writes, so a role withdrawn or a
// category changed by a folded report is in force for the very next step, whatever the caller's token still says.
import type { Case } from '../generated/prisma/client.js';
import { canHandleCategory, canWorkQueue, queueQualification, type Category, type Role } from '../policy/index.js';
import type { Tx } from '../db/database.js';
import type { ServiceContext } from './context.js';
import { ForbiddenError, InvalidTransitionError, NotFoundError } from './errors.js';
import { grantedRoles } from './reviewers.js';
import { requireUser, unassign } from './claims.js';
import type { Unit } from './transaction.js';
import { isUuid } from './validation.js';

/** Roles that may read any case (not act on it): the oversight roles. */
const OVERSIGHT: readonly Role[] = ['LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'];

/** Whether these roles may see a case of this category: those who may handle it, and oversight. */
export const maySeeCase = (roles: readonly Role[], category: Category): boolean =>
  roles.some((r) => OVERSIGHT.includes(r)) || canHandleCategory(roles, category);

/**
 * Whether these roles may hold (work on) this case: its category's qualification, its queue's (a case of a child at
 * immediate risk needs a specialist whatever its category), and for an appeal the appeals one. The same
 * qualifications a claim or an assignment asks for, so nobody keeps a case they could not take.
 */
export const mayHoldCase = (roles: readonly Role[], c: Pick<Case, 'category' | 'status' | 'queue'>): boolean =>
  canHandleCategory(roles, c.category) && canWorkQueue(roles, c.queue) && (c.status !== 'APPEALED' || canWorkQueue(roles, 'APPEALS'));

/**
 * The roles this user may use now: their token's roles less what an admin has withdrawn, none when suspended or when
 * they have no reviewer record. The record is read FOR SHARE, so an access change commits wholly before this unit
 * (and is seen) or after it (and sees what this unit wrote).
 */
export async function currentRoles(tx: Tx, user: { id: string; roles: Role[] }): Promise<Role[]> {
  const rows = await tx.$queryRaw<Array<{ revokedRoles: string[]; suspended: boolean }>>`
    SELECT "revokedRoles", "suspendedAt" IS NOT NULL AS "suspended" FROM "Reviewer" WHERE "id" = ${user.id} FOR SHARE`;
  const row = rows[0];
  return grantedRoles(user.roles, row ? { revokedRoles: row.revokedRoles as Role[], suspended: row.suspended } : undefined) ?? [];
}

export interface CaseAccess {
  case: Case;
  /** The caller's roles as they stand in this transaction. */
  roles: Role[];
  userId: string;
}

export interface CaseAccessOptions {
  /** What a refusal calls "not found" (an appeal's case answers as the appeal). */
  notFound?: string;
  /** Roles the step needs besides the case's qualification (any one of them). */
  anyOf?: readonly Role[];
}

/**
 * Locks the case and checks that the caller may work on it now. A case that does not exist and a case the caller may
 * not see are refused alike (`NotFoundError`), so a refusal never tells whether a hidden case exists.
 */
export async function caseAccess(ctx: ServiceContext, unit: Unit, caseId: string, options: CaseAccessOptions = {}): Promise<CaseAccess> {
  const access = await visibleCase(ctx, unit, caseId, options);
  if (!mayHoldCase(access.roles, access.case)) {
    const { category, queue } = access.case;
    if (canHandleCategory(access.roles, category) && !canWorkQueue(access.roles, queue)) {
      throw new ForbiddenError(`You are not qualified to work on this case: the ${queue} queue needs ${queueQualification(queue)}`);
    }
    throw new ForbiddenError(`You are not qualified to work on ${category} cases`);
  }
  return access;
}

/**
 * Locks the case and checks that the caller may see it now and holds one of `anyOf`, not yet that they may work on
 * it. Missing and hidden cases are refused alike (`NotFoundError`).
 */
export async function visibleCase(ctx: ServiceContext, unit: Unit, caseId: string, options: CaseAccessOptions = {}): Promise<CaseAccess> {
  const user = requireUser(ctx);
  const roles = await currentRoles(unit.tx, user);
  const notFound = () => new NotFoundError(options.notFound ?? 'Case');
  if (!isUuid(caseId)) throw notFound();
  const locked = await unit.tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Case" WHERE "id" = ${caseId}::uuid FOR UPDATE`;
  const found = locked.length ? await unit.tx.case.findUnique({ where: { id: caseId } }) : null;
  if (!found || !maySeeCase(roles, found.category)) throw notFound();
  if (options.anyOf && !options.anyOf.some((r) => roles.includes(r))) {
    throw new ForbiddenError(`This step needs one of: ${options.anyOf.join(', ')}`);
  }
  return { case: found, roles, userId: user.id };
}

/** The caller holds a live lease on the case. */
export function requireLiveLease(access: CaseAccess, unit: Unit): Case {
  const found = access.case;
  if (found.assigneeId !== access.userId) {
    throw new InvalidTransitionError(found.assigneeId ? 'This case is claimed by another reviewer' : 'Claim this case before working on it');
  }
  if (!found.leaseExpiresAt || found.leaseExpiresAt.getTime() <= unit.now.getTime()) {
    throw new InvalidTransitionError('Your claim on this case has expired; claim it again');
  }
  return found;
}

/** `release` needs the claim or a lead; every other step a live lease of the caller's own. */
export type CaseStep = 'assess' | 'decide' | 'renew' | 'release' | 'work';

/** Who may decide an appeal (besides holding its case's qualification). */
export const APPEAL_DECIDERS: readonly Role[] = ['APPEALS_REVIEWER', 'LEAD'];

/**
 * The guard every case-scoped write calls inside its transaction: the caller may see and work on the case now, and
 * holds its lease (to release: holds it, or is a lead). Returns the locked case and the caller's current roles.
 */
export async function requireCaseAccess(ctx: ServiceContext, unit: Unit, caseId: string, step: CaseStep, options: CaseAccessOptions = {}): Promise<CaseAccess> {
  const access = await caseAccess(ctx, unit, caseId, options);
  if (step === 'release') {
    const found = access.case;
    if (found.assigneeId !== access.userId && !access.roles.includes('LEAD')) {
      throw new InvalidTransitionError(found.assigneeId ? 'This case is claimed by another reviewer' : 'This case is not claimed');
    }
  } else {
    requireLiveLease(access, unit);
  }
  return access;
}

export type ReleaseReason = 'CATEGORY_CHANGED' | 'ACCESS_WITHDRAWN' | 'QUEUE_CHANGED';

/**
 * Within the unit that changed a case or a reviewer's access: if the case's holder may no longer hold it, hands it
 * back to its queue (audited as `case.released` with the reason, published after commit). Returns whether it did.
 * The holder must hold what a claim or an assignment would ask for now (`mayHoldCase`): the case's category, its
 * queue (after a move, or a fold that put a child at immediate risk) and, for an appeal, the appeals qualification.
 */
export async function releaseIfUnqualified(unit: Unit, found: Case, reason: ReleaseReason, holderRoles?: Role[]): Promise<boolean> {
  if (!found.assigneeId) return false;
  let roles = holderRoles;
  if (!roles) {
    const holder = await unit.tx.reviewer.findUnique({ where: { id: found.assigneeId }, select: { roles: true, revokedRoles: true, suspendedAt: true } });
    roles = grantedRoles((holder?.roles ?? []) as Role[], holder ? { revokedRoles: holder.revokedRoles as Role[], suspended: holder.suspendedAt !== null } : undefined) ?? [];
  }
  if (mayHoldCase(roles, found)) return false;
  await unassign(unit, found, 'case.released', { reason });
  return true;
}

/** Within an access change: hands back every case the reviewer holds that their access no longer allows. */
export async function releaseWithdrawnLeases(unit: Unit, reviewerId: string, roles: Role[]): Promise<number> {
  const held = await unit.tx.$queryRaw<Array<{ id: string }>>`
    SELECT "id" FROM "Case" WHERE "assigneeId" = ${reviewerId} ORDER BY "id" FOR UPDATE`;
  let released = 0;
  for (const { id } of held) {
    const found = await unit.tx.case.findUniqueOrThrow({ where: { id } });
    if (await releaseIfUnqualified(unit, found, 'ACCESS_WITHDRAWN', roles)) released++;
  }
  return released;
}
