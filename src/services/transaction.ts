// A unit of work: one database transaction that must write at least one audit event, with queue events and other
// side effects released only after it commits. A rolled-back unit publishes nothing. Its events carry what their
// delivery would otherwise read: the case as committed, and the reviewer-access generation the unit committed under.
import type { Tx } from '../db/database.js';
import { appendAudit, type AuditEntry } from './audit.js';
import { snapshotCases } from './case-snapshot.js';
import type { QueueEvent, ServiceContext } from './context.js';

export interface Unit {
  tx: Tx;
  now: Date;
  audit(entry: AuditEntry): void;
  publish(event: Omit<QueueEvent, 'at' | 'snapshot' | 'accessGeneration'>): void;
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
  const committed = { accessGeneration: undefined as number | undefined };
  try {
    result = await runUnit(ctx, work, events, effects, options.timeoutMs ?? 30_000, committed);
  } catch (error) {
    if (error instanceof NoChange) return error.value as T;
    throw error;
  }
  if (committed.accessGeneration !== undefined) ctx.accessWatch?.observe(committed.accessGeneration);
  await releaseCommitted(ctx, events, effects);
  return result;
}

/**
 * What a unit releases once its transaction has committed: its queue events, stamped with the commit time, then its
 * other effects. Also used by units written as one SQL statement (src/services/intake-statement.ts).
 */
export async function releaseCommitted(ctx: ServiceContext, events: QueueEvent[], effects: Array<() => void> = []): Promise<void> {
  const committedAt = new Date().toISOString();
  for (const event of events) ctx.events.publish({ ...event, committedAt });
  for (const effect of effects) effect();
  // In-process deliveries of those events run on promise jobs alone, up to their socket writes. Yielding once to the
  // event loop lets all of them run before the writer's own response goes on, rather than interleaved with it, so
  // subscribers receive the event sooner and the writer waits only for that. With Redis the events leave through it,
  // and the yield costs one turn of the loop.
  if (events.length) await new Promise((resolve) => setImmediate(resolve));
}

function runUnit<T>(
  ctx: ServiceContext,
  work: (unit: Unit) => Promise<T>,
  events: QueueEvent[],
  effects: Array<() => void>,
  timeout: number,
  committed: { accessGeneration: number | undefined },
) {
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
      // After every write of the unit, so each event carries the case as it commits.
      const snapshots = events.length ? await snapshotCases(tx, [...new Set(events.map((e) => e.caseId))]) : new Map();
      for (const event of events) event.snapshot = snapshots.get(event.caseId);
      const { accessGeneration } = await appendAudit(tx, entries, { actor: ctx.actor, requestId: ctx.requestId, at: now });
      for (const event of events) event.accessGeneration = accessGeneration;
      committed.accessGeneration = accessGeneration;
      return value;
    },
    { maxWait: 15_000, timeout },
  );
}
