// Duplicates: a lead closes a case as a duplicate of another case, which stands for it. The case leaves its queue
// without a decision of its own (workflow step `closeAsDuplicate`), and names the case it duplicates.
import type { Case } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { InvalidTransitionError, NotFoundError, ValidationError, VersionConflictError } from './errors.js';
import { maySeeCase, visibleCase } from './access.js';
import type { Unit } from './transaction.js';
import { isUuid } from './validation.js';
import { duplicateClosureRefusal, type Role } from '../policy/index.js';
import { transition } from './workflow.js';

/**
 * Within a unit of work: closes a waiting or held case (leads) as a duplicate of `duplicateOfId`, handing back any
 * lease on it. Answers null, writing nothing, when the case is already closed as a duplicate of that case (a retry).
 * The case it duplicates must exist, be visible to the lead, and not itself be closed as a duplicate (name the case
 * that stands for both). The policy decides what may be closed as a duplicate at all (duplicateClosureRefusal: the same
 * category, never a case with legal obligations or a child at immediate risk), and a case other cases name as their
 * original is not itself closed as one (no chains): each refused with InvalidTransitionError. `expectedVersion`, when
 * given, must be the case's version.
 */
export async function closeAsDuplicateWithin(ctx: ServiceContext, unit: Unit, caseId: string, duplicateOfId: string, expectedVersion?: number | null): Promise<Case | null> {
  const { case: found, roles } = await visibleCase(ctx, unit, caseId, { anyOf: ['LEAD'] });
  if (found.id === duplicateOfId) throw new ValidationError([{ path: 'duplicateOfId', message: 'a case cannot be a duplicate of itself' }]);
  if (found.status === 'CLOSED' && found.duplicateOfId === duplicateOfId) return null;
  const status = transition(found.status, 'closeAsDuplicate');
  if (expectedVersion != null && expectedVersion !== found.version) throw new VersionConflictError(found.version);
  // The original is locked against its own close as a duplicate (FOR SHARE: closes naming the same original still run
  // side by side), so a close naming it and a close of it never both commit: no chain, whichever comes first.
  const lockedOriginal = isUuid(duplicateOfId) ? await unit.tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Case" WHERE "id" = ${duplicateOfId}::uuid FOR SHARE` : [];
  const original = lockedOriginal.length
    ? await unit.tx.case.findUnique({ where: { id: duplicateOfId }, select: { id: true, category: true, duplicateOfId: true } })
    : null;
  if (!original || !maySeeCase(roles, original.category)) throw new NotFoundError('The case it duplicates');
  if (original.duplicateOfId) {
    throw new ValidationError([{ path: 'duplicateOfId', message: 'that case is itself closed as a duplicate: name the case that stands for both' }]);
  }
  const refusal = duplicateClosureRefusal(found, original);
  if (refusal) throw new InvalidTransitionError(refusal);
  // No chains: a case that stands for others stays the one they name.
  const standsFor = await unit.tx.case.findFirst({ where: { duplicateOfId: found.id }, select: { id: true } });
  if (standsFor) throw new InvalidTransitionError('Other cases name this case as their original: it cannot itself be closed as a duplicate');
  const updated = await unit.tx.case.update({
    where: { id: found.id },
    data: {
      status,
      closedAt: unit.now,
      duplicateOfId: original.id,
      assigneeId: null,
      leaseExpiresAt: null,
      escalationReason: null,
      escalatedAt: null,
      escalatedById: null,
      escalationNote: null,
      version: { increment: 1 },
    },
  });
  unit.audit({
    action: 'case.closed_as_duplicate',
    entityType: 'Case',
    entityId: found.id,
    caseId: found.id,
    changes: { status: { from: found.status, to: status }, duplicateOfId: original.id, assigneeId: { from: found.assigneeId, to: null } },
  });
  unit.publish({ kind: 'RESOLVED', queue: found.queue, caseId: found.id, category: found.category });
  return updated;
}

/** Checked before a bulk close touches any case: the case named as the original exists and the caller may see it. */
export async function assertDuplicateTarget(ctx: ServiceContext, roles: readonly Role[], duplicateOfId: string): Promise<void> {
  const original = isUuid(duplicateOfId)
    ? await ctx.prisma.case.findUnique({ where: { id: duplicateOfId }, select: { category: true, duplicateOfId: true } })
    : null;
  if (!original || !maySeeCase(roles, original.category)) throw new NotFoundError('The case it duplicates');
  if (original.duplicateOfId) {
    throw new ValidationError([{ path: 'duplicateOfId', message: 'that case is itself closed as a duplicate: name the case that stands for both' }]);
  }
}
