// The case state machine: the one place that says which step may follow which.
import type { CaseStatus } from '../generated/prisma/enums.js';
import { InvalidTransitionError } from './errors.js';

export const TRANSITIONS = {
  claim: { from: ['OPEN'], to: 'IN_REVIEW' },
  claimAppeal: { from: ['APPEALED'], to: 'APPEALED' },
  release: { from: ['IN_REVIEW'], to: 'OPEN' },
  releaseAppeal: { from: ['APPEALED'], to: 'APPEALED' },
  assess: { from: ['IN_REVIEW'], to: 'IN_REVIEW' },
  decide: { from: ['IN_REVIEW'], to: 'DECIDED' },
  /** A lead applies the decision on a linked case to this one: waiting for review, or under review by that lead. */
  decideLinked: { from: ['OPEN', 'IN_REVIEW'], to: 'DECIDED' },
  // Each appellant may appeal the standing decision once: after another appellant's appeal was rejected (CLOSED), or
  // while another's is pending (APPEALED).
  appeal: { from: ['DECIDED', 'CLOSED', 'APPEALED'], to: 'APPEALED' },
  upholdAppeal: { from: ['APPEALED'], to: 'CLOSED' },
  /** An appeal decided while another appellant's is still pending: the case waits in the appeals queue for it. */
  nextAppeal: { from: ['APPEALED'], to: 'APPEALED' },
  reverseOnAppeal: { from: ['APPEALED'], to: 'CLOSED' },
  reopenOnAppeal: { from: ['APPEALED'], to: 'OPEN' },
  /**
   * A lead closes a waiting or held case as a duplicate of another case, which stands for it (its decision, if any, is
   * the other case's). Not a decision: nothing is enforced, and with no decision of its own there is nothing to appeal.
   */
  closeAsDuplicate: { from: ['OPEN', 'IN_REVIEW'], to: 'CLOSED' },
} as const satisfies Record<string, { from: readonly CaseStatus[]; to: CaseStatus }>;

export type Transition = keyof typeof TRANSITIONS;

const MESSAGES: Partial<Record<Transition, string>> = {
  claim: 'Only an open, unclaimed case can be claimed',
  decide: 'Only a case you have claimed and are reviewing can be decided',
  decideLinked: 'Only a case waiting for review or under review can be decided',
  assess: 'Only a case you have claimed and are reviewing can be assessed',
  appeal: 'Only a decided case can be appealed',
  release: 'Only a case under review can be released',
  closeAsDuplicate: 'Only a waiting or held case can be closed as a duplicate',
};

/** Returns the status the transition leads to, or throws a typed error naming the current status. */
export function transition(status: CaseStatus, step: Transition): CaseStatus {
  const rule = TRANSITIONS[step];
  if (!(rule.from as readonly CaseStatus[]).includes(status)) {
    throw new InvalidTransitionError(`${MESSAGES[step] ?? `Cannot ${step}`} (the case is ${status})`);
  }
  return rule.to;
}

/** Statuses in which new reports on the same content fold into the case. */
export const FOLDABLE_STATUSES: CaseStatus[] = ['OPEN', 'IN_REVIEW'];
