// Appeal rules (DSA Art. 20): a window of at least six months, who may appeal what, and an independent decider.
import type { AppellantKind, EnforcementAction } from './vocabulary.js';

export const APPEAL_WINDOW_MONTHS = 6;

/** The last moment an appeal is accepted: six calendar months after the decision (never fewer than 181 days). */
export function appealableUntil(decidedAt: Date): Date {
  const until = new Date(decidedAt.getTime());
  until.setUTCMonth(until.getUTCMonth() + APPEAL_WINDOW_MONTHS);
  const floor = decidedAt.getTime() + 181 * 24 * 3600 * 1000;
  return new Date(Math.max(until.getTime(), floor));
}

export interface AppealRequest {
  appellantKind: AppellantKind;
  decisionActions: readonly EnforcementAction[];
  appealableUntil: Date;
  now: Date;
  /** Appeals this appellant has already lodged against the decision (each appellant appeals a decision once). */
  priorAppeals: number;
  decisionReversed: boolean;
}

export type AppealRefusal =
  | { code: 'WINDOW_CLOSED'; message: string }
  | { code: 'NOT_APPEALABLE'; message: string }
  | { code: 'ALREADY_APPEALED'; message: string };

/** Null when the appeal may be lodged, else why not. */
export function appealRefusal(request: AppealRequest): AppealRefusal | null {
  if (request.priorAppeals > 0) return { code: 'ALREADY_APPEALED', message: 'You have already appealed this decision' };
  if (request.decisionReversed) return { code: 'NOT_APPEALABLE', message: 'This decision has already been reversed' };
  if (request.now.getTime() > request.appealableUntil.getTime()) {
    return { code: 'WINDOW_CLOSED', message: 'The appeal window for this decision has closed' };
  }
  const noAction = request.decisionActions.every((a) => a === 'NO_ACTION');
  if (request.appellantKind === 'AFFECTED_ACCOUNT' && noAction) {
    return { code: 'NOT_APPEALABLE', message: 'No enforcement action was taken against the account' };
  }
  // A notifier may appeal any decision on their notice: no action, or less than they asked for (a label instead of
  // removal included), DSA Art. 20(1).
  return null;
}

/** The appeal is decided by someone other than the original decider. */
export const mayDecideAppeal = (originalDeciderId: string, appealDeciderId: string): boolean =>
  originalDeciderId !== appealDeciderId;

/**
 * What a successful appeal does. The affected account's lifts the enforcement (the case closes). A notifier's says the
 * decision did too little, so the case is reopened for a new decision; whatever was applied stays until that decision.
 */
export function overturnEffect(actions: readonly EnforcementAction[], appellantKind: AppellantKind = 'AFFECTED_ACCOUNT'): 'REVERSE_ENFORCEMENT' | 'REOPEN_CASE' {
  return appellantKind === 'NOTIFIER' || actions.every((a) => a === 'NO_ACTION') ? 'REOPEN_CASE' : 'REVERSE_ENFORCEMENT';
}
