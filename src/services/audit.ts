// The tamper-evident audit history. Each event's hash is SHA-256(previous hash ‖ canonical JSON of the event), from a
// genesis of 64 zeros. Appends lock the single chain-head row, so the chain stays linear under concurrent writers on
// PGlite and on a PostgreSQL server; sequence numbers come from the head, so they have no gaps.
import { createHash } from 'node:crypto';
import type { PrismaClient, Tx } from '../db/database.js';
import { canonicalJson } from './canonical-json.js';
import type { Actor } from './context.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  caseId?: string | null;
  /** Redacted: identifiers, enums, counts and timestamps only; never free text or reporter contact. */
  changes?: Record<string, unknown>;
  policyVersion?: string | null;
}

export interface AuditBody {
  seq: number;
  at: Date;
  actorKind: string;
  actorId: string | null;
  actorRoles: string[];
  action: string;
  entityType: string;
  entityId: string;
  caseId: string | null;
  changes: unknown;
  policyVersion: string | null;
  requestId: string | null;
}

export const hashEvent = (prevHash: string, body: AuditBody): string =>
  createHash('sha256').update(prevHash).update(canonicalJson(body)).digest('hex');

/**
 * An event's canonical JSON up to its sequence number, for writers that take the number from the chain head inside
 * one SQL statement. `seq` sorts last among the body's keys, so the canonical JSON is exactly
 * `prefix ‖ seq ‖ '}'`, and the hash `sha256(prev ‖ prefix ‖ seq ‖ '}')` (the SQL in src/services/intake-statement.ts).
 */
export function canonicalPrefix(body: Omit<AuditBody, 'seq'>): string {
  const withoutSeq = canonicalJson(body);
  const last = Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] !== undefined).sort().at(-1)!;
  if (!('seq' > last)) throw new Error('the audit body has a key that sorts after seq');
  return `${withoutSeq.slice(0, -1)},"seq":`;
}

export function actorFields(actor: Actor) {
  switch (actor.kind) {
    case 'USER':
      return { actorKind: 'USER', actorId: actor.id, actorRoles: [...actor.roles] };
    case 'ANONYMOUS':
      return { actorKind: 'ANONYMOUS_REPORTER', actorId: null, actorRoles: [] };
    case 'SYSTEM':
      return { actorKind: 'SYSTEM', actorId: actor.id, actorRoles: [] };
  }
}

/**
 * Appends entries to the chain inside the caller's transaction, and returns the reviewer-access generation the unit
 * commits under. A trigger moves the generation with every change to a reviewer's access, on the same head row that
 * every unit locks here until it commits; so a unit's value counts exactly the access changes committed before it
 * (or made by the unit itself), and any later one counts higher.
 */
export async function appendAudit(
  tx: Tx,
  entries: AuditEntry[],
  meta: { actor: Actor; requestId: string | null; at: Date },
): Promise<{ accessGeneration: number }> {
  if (entries.length === 0) throw new Error('Every state change must write an audit event');
  const [head] = await tx.$queryRaw<Array<{ seq: bigint; hash: string; accessGeneration: bigint }>>`
    SELECT "seq", "hash", "accessGeneration" FROM "AuditChainHead" WHERE "id" = 1 FOR UPDATE`;
  if (!head) throw new Error('audit chain head is missing');
  let seq = Number(head.seq);
  let prevHash = head.hash;
  const rows = entries.map((entry) => {
    seq += 1;
    const body: AuditBody = {
      seq,
      at: meta.at,
      ...actorFields(meta.actor),
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      caseId: entry.caseId ?? null,
      changes: entry.changes ?? {},
      policyVersion: entry.policyVersion ?? null,
      requestId: meta.requestId,
    };
    const hash = hashEvent(prevHash, body);
    const row = { ...body, seq: BigInt(seq), changes: body.changes as object, prevHash, hash };
    prevHash = hash;
    return row;
  });
  await tx.auditEvent.createMany({ data: rows });
  await tx.auditChainHead.update({ where: { id: 1 }, data: { seq: BigInt(seq), hash: prevHash } });
  return { accessGeneration: Number(head.accessGeneration) };
}

export interface ChainVerification {
  ok: boolean;
  checkedEvents: number;
  /** The first sequence number at which the chain does not verify (a changed, missing or moved event). */
  firstBrokenSeq: number | null;
  headHash: string;
}

/** Walks the whole chain in sequence order, recomputing every hash; `observe` sees each verified event's hash. */
export async function verifyAuditChain(
  prisma: PrismaClient,
  batchSize = 5000,
  observe?: (seq: number, hash: string) => void,
): Promise<ChainVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let after: bigint | undefined;
  for (;;) {
    const events = await prisma.auditEvent.findMany({
      where: after === undefined ? {} : { seq: { gt: after } },
      orderBy: { seq: 'asc' },
      take: batchSize,
    });
    for (const e of events) {
      const body: AuditBody = {
        seq: Number(e.seq),
        at: e.at,
        actorKind: e.actorKind,
        actorId: e.actorId,
        actorRoles: e.actorRoles,
        action: e.action,
        entityType: e.entityType,
        entityId: e.entityId,
        caseId: e.caseId,
        changes: e.changes,
        policyVersion: e.policyVersion,
        requestId: e.requestId,
      };
      if (body.seq !== expectedSeq || e.prevHash !== prevHash || hashEvent(prevHash, body) !== e.hash) {
        return { ok: false, checkedEvents: checked, firstBrokenSeq: expectedSeq, headHash: prevHash };
      }
      observe?.(body.seq, e.hash);
      prevHash = e.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (events.length < batchSize) break;
    after = events[events.length - 1]!.seq;
  }
  // Events cut from the end of the chain: the head remembers how far it reached.
  const head = await prisma.auditChainHead.findUnique({ where: { id: 1 } });
  if (head && (Number(head.seq) !== checked || head.hash !== prevHash)) {
    return { ok: false, checkedEvents: checked, firstBrokenSeq: expectedSeq, headHash: prevHash };
  }
  return { ok: true, checkedEvents: checked, firstBrokenSeq: null, headHash: prevHash };
}
