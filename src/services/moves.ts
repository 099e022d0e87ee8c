// Moves: a lead sends a case to another queue or priority, with a reason kept in the audit log.
import type { Case } from '../generated/prisma/client.js';
import { PRIORITY_LABELS, SLA_MINUTES, type QueueName } from '../policy/index.js';
import type { ServiceContext } from './context.js';
import { InvalidTransitionError, ValidationError, VersionConflictError } from './errors.js';
import { releaseIfUnqualified, visibleCase } from './access.js';
import { requireUser } from './claims.js';
import { inTransaction, type Unit } from './transaction.js';

export type PriorityLabel = (typeof PRIORITY_LABELS)[number];

export interface MoveInput {
  queue?: QueueName | null;
  priority?: PriorityLabel | null;
  reason: string;
}

/** The move as checked before any case is read: a reason, and a queue, a priority or both. */
export function checkedMove(input: MoveInput): { queue: QueueName | null; priority: PriorityLabel | null; reason: string } {
  const reason = input.reason.trim();
  const issues = [
    ...(!reason ? [{ path: 'reason', message: 'say why the case moves' }] : []),
    ...(reason.length > 2000 ? [{ path: 'reason', message: 'must be at most 2000 characters' }] : []),
    ...(input.queue == null && input.priority == null ? [{ path: 'queue', message: 'give a queue, a priority, or both' }] : []),
    ...(input.queue === 'APPEALS' ? [{ path: 'queue', message: 'only an appeal sends a case to the appeals queue' }] : []),
  ];
  if (issues.length) throw new ValidationError(issues);
  return { queue: input.queue ?? null, priority: input.priority ?? null, reason };
}

/**
 * Moves an open or held case to another queue, priority, or both (leads). The appeals queue is entered and left by
 * appeals only. A new priority sets the SLA it carries from the case's creation. Whoever holds the case keeps it when
 * qualified for its new queue; otherwise the move hands it back (`case.released`, reason QUEUE_CHANGED).
 */
export async function moveCase(ctx: ServiceContext, caseId: string, input: MoveInput): Promise<Case> {
  requireUser(ctx);
  const move = checkedMove(input);
  return inTransaction(ctx, async (unit) => {
    const moved = await moveWithin(ctx, unit, caseId, move);
    if (!moved) throw new ValidationError([{ path: 'queue', message: 'the case is already there' }]);
    return moved;
  });
}

/**
 * moveCase's step within a unit of work (also each case of a bulk move): the lead's guard, the case's status, then
 * null when the case is already in that queue at that priority (nothing written); `expectedVersion`, when given, must
 * be the case's version.
 */
export async function moveWithin(ctx: ServiceContext, unit: Unit, caseId: string, move: ReturnType<typeof checkedMove>, expectedVersion?: number | null): Promise<Case | null> {
  const { case: found } = await visibleCase(ctx, unit, caseId, { anyOf: ['LEAD'] });
  if (found.status !== 'OPEN' && found.status !== 'IN_REVIEW') {
    throw new InvalidTransitionError(found.status === 'APPEALED' ? 'An appeal stays in the appeals queue until it is decided' : `A ${found.status} case is not in a queue`);
  }
  const queue = move.queue ?? found.queue;
  const priority = move.priority != null ? PRIORITY_LABELS.indexOf(move.priority) : found.priority;
  if (queue === found.queue && priority === found.priority) return null;
  if (expectedVersion != null && expectedVersion !== found.version) throw new VersionConflictError(found.version);
  const slaDueAt = priority === found.priority ? found.slaDueAt : new Date(found.createdAt.getTime() + SLA_MINUTES[priority]! * 60_000);
  const moved = await unit.tx.case.update({ where: { id: found.id }, data: { queue, priority, slaDueAt, version: { increment: 1 } } });
  unit.audit({
    action: 'case.moved',
    entityType: 'Case',
    entityId: found.id,
    caseId: found.id,
    changes: { queue: { from: found.queue, to: queue }, priority: { from: found.priority, to: priority }, slaDueAt: { from: found.slaDueAt, to: slaDueAt }, reason: move.reason },
  });
  unit.publish({ kind: 'UPDATED', queue, caseId: found.id, category: found.category });
  // Subscribers of the queue it left see it go.
  if (queue !== found.queue) unit.publish({ kind: 'UPDATED', queue: found.queue, caseId: found.id, category: found.category });
  // A holder not qualified for the new queue hands the case back in the same step (audited and published as a release).
  if (queue !== found.queue && (await releaseIfUnqualified(unit, moved, 'QUEUE_CHANGED'))) {
    return unit.tx.case.findUniqueOrThrow({ where: { id: found.id } });
  }
  return moved;
}
