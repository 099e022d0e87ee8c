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
  /** Appeals already lodged against the decision. */
  priorAppeals: number;
  decisionReversed: boolean;
}

export type AppealRefusal =
  | { code: 'WINDOW_CLOSED'; message: string }
  | { code: 'NOT_APPEALABLE'; message: string }
  | { code: 'ALREADY_APPEALED'; message: string };

/** Null when the appeal may be lodged, else why not. */
export function appealRefusal(request: AppealRequest): AppealRefusal | null {
  if (request.priorAppeals > 0) return { code: 'ALREADY_APPEALED', message: 'This decision has already been appealed' };
  if (request.decisionReversed) return { code: 'NOT_APPEALABLE', message: 'This decision has already been reversed' };
  if (request.now.getTime() > request.appealableUntil.getTime()) {
    return { code: 'WINDOW_CLOSED', message: 'The appeal window for this decision has closed' };
  }
  const noAction = request.decisionActions.every((a) => a === 'NO_ACTION');
  if (request.appellantKind === 'AFFECTED_ACCOUNT' && noAction) {
    return { code: 'NOT_APPEALABLE', message: 'No enforcement action was taken against the account' };
  }
  if (request.appellantKind === 'NOTIFIER' && !noAction) {
    return { code: 'NOT_APPEALABLE', message: 'A notifier may appeal only a decision to take no action' };
  }
  return null;
}

/** The appeal is decided by someone other than the original decider. */
export const mayDecideAppeal = (originalDeciderId: string, appealDeciderId: string): boolean =>
  originalDeciderId !== appealDeciderId;

/** What an overturn does: enforcement is lifted; a no-action decision overturned on a notifier's appeal is reopened. */
export function overturnEffect(actions: readonly EnforcementAction[]): 'REVERSE_ENFORCEMENT' | 'REOPEN_CASE' {
  return actions.every((a) => a === 'NO_ACTION') ? 'REOPEN_CASE' : 'REVERSE_ENFORCEMENT';
}
