// A unit of work: one database transaction that must write at least one audit event, with queue events and other
// side effects released only after it commits. A rolled-back unit publishes nothing.
import type { Tx } from '../db/database.js';
import { appendAudit, type AuditEntry } from './audit.js';
import type { QueueEvent, ServiceContext } from './context.js';

export interface Unit {
  tx: Tx;
  now: Date;
  audit(entry: AuditEntry): void;
  publish(event: Omit<QueueEvent, 'at'>): void;
  afterCommit(effect: () => void): void;
}

/** Thrown by a unit that found nothing to change: the transaction rolls back and the unit returns `value`. */
export class NoChange<T> extends Error {
  constructor(readonly value: T) {
    super('no change');
  }
}

export interface UnitOptions {
  /** For bulk work (bank imports): how long the transaction may run; 30 s otherwise. */
  timeoutMs?: number;
}

export async function inTransaction<T>(ctx: ServiceContext, work: (unit: Unit) => Promise<T>, options: UnitOptions = {}): Promise<T> {
  const events: QueueEvent[] = [];
  const effects: Array<() => void> = [];
  let result: T;
  try {
    result = await runUnit(ctx, work, events, effects, options.timeoutMs ?? 30_000);
  } catch (error) {
    if (error instanceof NoChange) return error.value as T;
    throw error;
  }
  const committedAt = new Date().toISOString();
  for (const event of events) ctx.events.publish({ ...event, committedAt });
  for (const effect of effects) effect();
  return result;
}

function runUnit<T>(ctx: ServiceContext, work: (unit: Unit) => Promise<T>, events: QueueEvent[], effects: Array<() => void>, timeout: number) {
  return ctx.prisma.$transaction(
    async (tx) => {
      const now = ctx.now();
      const entries: AuditEntry[] = [];
      const value = await work({
        tx,
        now,
        audit: (entry) => entries.push(entry),
        publish: (event) => events.push({ ...event, at: now.toISOString() }),
        afterCommit: (effect) => effects.push(effect),
      });
      if (entries.length === 0) throw new Error('Every state change must write an audit event');
      if (!ctx.settings.skipAuditForBenchmark) await appendAudit(tx, entries, { actor: ctx.actor, requestId: ctx.requestId, at: now });
      return value;
    },
    { maxWait: 15_000, timeout },
  );
}
