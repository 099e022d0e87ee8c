// Law-enforcement referrals: created once per case when a report or an assessment says a child is at immediate risk.
import type { Unit } from './transaction.js';

/** How long the liaison team has to act on a referral. */
export const REFERRAL_DUE_MINUTES = 60;

export async function ensureReferral(unit: Unit, caseId: string, source: 'REPORT' | 'ASSESSMENT'): Promise<void> {
  const existing = await unit.tx.lawEnforcementReferral.findUnique({ where: { caseId }, select: { id: true } });
  if (existing) return;
  const referral = await unit.tx.lawEnforcementReferral.create({
    data: { caseId, source, createdAt: unit.now, dueAt: new Date(unit.now.getTime() + REFERRAL_DUE_MINUTES * 60_000) },
  });
  unit.audit({
    action: 'referral.created',
    entityType: 'LawEnforcementReferral',
    entityId: referral.id,
    caseId,
    changes: { source, dueAt: referral.dueAt },
  });
}
