// What the platform must carry out: every decision that takes action, and every reversal, in audit order. The audit
// sequence number is the cursor, so the platform resumes exactly where it stopped and never misses a reversal.
// Evidence holds ride the same feed: PRESERVE (with the hold's expiry) comes no later than the removal it protects
// — in the same item list and before the APPLY when the deciding transaction created the hold — and RELEASE when the
// hold ends. The service itself never stores media; the platform keeps the evidence.
import type { PrismaClient } from '../db/database.js';
import type { EnforcementAction } from '../policy/index.js';

export const ENFORCEMENT_KINDS = ['APPLY', 'REVERSE', 'PRESERVE', 'RELEASE'] as const;
export type EnforcementKind = (typeof ENFORCEMENT_KINDS)[number];

export interface EnforcementInstruction {
  seq: number;
  at: Date;
  kind: EnforcementKind;
  decisionId: string;
  contentId: string;
  contentUrl: string | null;
  reportedAccountId: string | null;
  actions: EnforcementAction[];
  /** PRESERVE and RELEASE: the preservation hold, and (PRESERVE) until when the evidence must be kept. */
  holdId: string | null;
  preserveUntil: Date | null;
}

export interface EnforcementPage {
  items: EnforcementInstruction[];
  /** Pass as `after` for the next page. */
  cursor: number;
  hasMore: boolean;
}

const KIND_OF_ACTION: Record<string, EnforcementKind> = {
  'decision.made': 'APPLY',
  'decision.reversed': 'REVERSE',
  'preservation.hold_created': 'PRESERVE',
  'preservation.hold_released': 'RELEASE',
};

export async function enforcementFeed(prisma: PrismaClient, after: number, first: number): Promise<EnforcementPage> {
  const events = await prisma.auditEvent.findMany({
    where: { action: { in: Object.keys(KIND_OF_ACTION) }, seq: { gt: BigInt(after) } },
    orderBy: { seq: 'asc' },
    take: first,
    select: { seq: true, at: true, action: true, entityId: true },
  });
  const isHold = (action: string) => action.startsWith('preservation.');
  const holdSelect = { id: true, createdAt: true, expiresAt: true, ncmecReport: { select: { decisionId: true } } } as const;
  const holds = new Map(
    (await prisma.preservationHold.findMany({ where: { id: { in: events.filter((e) => isHold(e.action)).map((e) => e.entityId) } }, select: holdSelect })).map((h) => [h.id, h]),
  );
  const decisionIds = [...new Set([...events.filter((e) => !isHold(e.action)).map((e) => e.entityId), ...[...holds.values()].flatMap((h) => (h.ncmecReport ? [h.ncmecReport.decisionId] : []))])];
  const decisions = new Map(
    (
      await prisma.decision.findMany({
        where: { id: { in: decisionIds } },
        select: { id: true, actions: true, decidedAt: true, case: { select: { contentId: true, contentUrl: true, reportedAccountId: true } } },
      })
    ).map((d) => [d.id, d]),
  );
  // Holds the deciding transaction created (same clock reading as the decision) go out with its APPLY, before it.
  const decidedWith = new Map<string, Array<{ id: string; expiresAt: Date }>>();
  const madeHere = events.filter((e) => e.action === 'decision.made').map((e) => e.entityId);
  if (madeHere.length) {
    for (const hold of await prisma.preservationHold.findMany({ where: { ncmecReport: { decisionId: { in: madeHere } } }, select: holdSelect })) {
      const decision = decisions.get(hold.ncmecReport!.decisionId);
      if (decision && hold.createdAt.getTime() === decision.decidedAt.getTime()) {
        decidedWith.set(decision.id, [...(decidedWith.get(decision.id) ?? []), { id: hold.id, expiresAt: hold.expiresAt }]);
      }
    }
  }
  const items = events.flatMap((e): EnforcementInstruction[] => {
    const kind = KIND_OF_ACTION[e.action]!;
    if (isHold(e.action)) {
      const hold = holds.get(e.entityId);
      const decision = hold?.ncmecReport ? decisions.get(hold.ncmecReport.decisionId) : undefined;
      if (!hold || !decision) return [];
      // Already delivered with the decision that created it.
      if (kind === 'PRESERVE' && hold.createdAt.getTime() === decision.decidedAt.getTime()) return [];
      return [{ seq: Number(e.seq), at: e.at, kind, decisionId: decision.id, ...decision.case, actions: [], holdId: hold.id, preserveUntil: kind === 'PRESERVE' ? hold.expiresAt : null }];
    }
    const decision = decisions.get(e.entityId);
    // A decision to take no action asks nothing of the platform.
    if (!decision || decision.actions.every((a) => a === 'NO_ACTION')) return [];
    const apply = { seq: Number(e.seq), at: e.at, kind, decisionId: decision.id, ...decision.case, actions: decision.actions, holdId: null, preserveUntil: null };
    const preserve = kind === 'APPLY' ? (decidedWith.get(decision.id) ?? []) : [];
    return [...preserve.map((h) => ({ ...apply, kind: 'PRESERVE' as const, actions: [], holdId: h.id, preserveUntil: h.expiresAt })), apply];
  });
  return { items, cursor: events.length ? Number(events[events.length - 1]!.seq) : after, hasMore: events.length === first };
}
