// What the platform must carry out: every decision that takes action, and every reversal, in audit order. The audit
// sequence number is the cursor, so the platform resumes exactly where it stopped and never misses a reversal.
import type { PrismaClient } from '../db/database.js';
import type { EnforcementAction } from '../policy/index.js';

export const ENFORCEMENT_KINDS = ['APPLY', 'REVERSE'] as const;
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
}

export interface EnforcementPage {
  items: EnforcementInstruction[];
  /** Pass as `after` for the next page. */
  cursor: number;
  hasMore: boolean;
}

const KIND_OF_ACTION: Record<string, EnforcementKind> = { 'decision.made': 'APPLY', 'decision.reversed': 'REVERSE' };

export async function enforcementFeed(prisma: PrismaClient, after: number, first: number): Promise<EnforcementPage> {
  const events = await prisma.auditEvent.findMany({
    where: { action: { in: Object.keys(KIND_OF_ACTION) }, seq: { gt: BigInt(after) } },
    orderBy: { seq: 'asc' },
    take: first,
    select: { seq: true, at: true, action: true, entityId: true },
  });
  const decisions = new Map(
    (
      await prisma.decision.findMany({
        where: { id: { in: events.map((e) => e.entityId) } },
        select: { id: true, actions: true, case: { select: { contentId: true, contentUrl: true, reportedAccountId: true } } },
      })
    ).map((d) => [d.id, d]),
  );
  const items = events.flatMap((e): EnforcementInstruction[] => {
    const decision = decisions.get(e.entityId);
    // A decision to take no action asks nothing of the platform.
    if (!decision || decision.actions.every((a) => a === 'NO_ACTION')) return [];
    return [{ seq: Number(e.seq), at: e.at, kind: KIND_OF_ACTION[e.action]!, decisionId: decision.id, ...decision.case, actions: decision.actions }];
  });
  return { items, cursor: events.length ? Number(events[events.length - 1]!.seq) : after, hasMore: events.length === first };
}
