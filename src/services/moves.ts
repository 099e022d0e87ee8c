// Moves: a lead sends a case to another queue or priority, with a reason kept in the audit log.
import type { Case } from '../generated/prisma/client.js';
import { PRIORITY_LABELS, SLA_MINUTES, type QueueName } from '../policy/index.js';
import type { ServiceContext } from './context.js';
import { InvalidTransitionError, ValidationError } from './errors.js';
import { visibleCase } from './access.js';
import { requireUser } from './claims.js';
import { inTransaction } from './transaction.js';

export type PriorityLabel = (typeof PRIORITY_LABELS)[number];

export interface MoveInput {
  queue?: QueueName | null;
  priority?: PriorityLabel | null;
  reason: string;
}

/**
 * Moves an open or held case to another queue, priority, or both (leads). The appeals queue is entered and left by
 * appeals only. A new priority sets the SLA it carries from the case's creation. Whoever holds the case keeps it.
 */
export async function moveCase(ctx: ServiceContext, caseId: string, input: MoveInput): Promise<Case> {
  requireUser(ctx);
  const reason = input.reason.trim();
  const issues = [
    ...(!reason ? [{ path: 'reason', message: 'say why the case moves' }] : []),
    ...(reason.length > 2000 ? [{ path: 'reason', message: 'must be at most 2000 characters' }] : []),
    ...(input.queue == null && input.priority == null ? [{ path: 'queue', message: 'give a queue, a priority, or both' }] : []),
    ...(input.queue === 'APPEALS' ? [{ path: 'queue', message: 'only an appeal sends a case to the appeals queue' }] : []),
  ];
  if (issues.length) throw new ValidationError(issues);
  return inTransaction(ctx, async (unit) => {
    const { case: found } = await visibleCase(ctx, unit, caseId, { anyOf: ['LEAD'] });
    if (found.status !== 'OPEN' && found.status !== 'IN_REVIEW') {
      throw new InvalidTransitionError(found.status === 'APPEALED' ? 'An appeal stays in the appeals queue until it is decided' : `A ${found.status} case is not in a queue`);
    }
    const queue = input.queue ?? found.queue;
    const priority = input.priority != null ? PRIORITY_LABELS.indexOf(input.priority) : found.priority;
    if (queue === found.queue && priority === found.priority) throw new ValidationError([{ path: 'queue', message: 'the case is already there' }]);
    const slaDueAt = priority === found.priority ? found.slaDueAt : new Date(found.createdAt.getTime() + SLA_MINUTES[priority]! * 60_000);
    const updated = await unit.tx.case.update({ where: { id: found.id }, data: { queue, priority, slaDueAt, version: { increment: 1 } } });
    unit.audit({
      action: 'case.moved',
      entityType: 'Case',
      entityId: found.id,
      caseId: found.id,
      changes: { queue: { from: found.queue, to: queue }, priority: { from: found.priority, to: priority }, slaDueAt: { from: found.slaDueAt, to: slaDueAt }, reason },
    });
    unit.publish({ kind: 'UPDATED', queue, caseId: found.id, category: found.category });
    // Subscribers of the queue it left see it go.
    if (queue !== found.queue) unit.publish({ kind: 'UPDATED', queue: found.queue, caseId: found.id, category: found.category });
    return updated;
  });
}
