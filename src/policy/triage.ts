// Triage: how urgent a case is, which queue it waits in, and who may work that queue.
import type { Category, EnforcementAction, QueueName, Role } from './vocabulary.js';

export interface TriageSignals {
  category: Category;
  childAtImmediateRisk: boolean;
  distinctReporters: number;
  /**
   * A reviewer confirmed that a report came from the depicted minor or an authorised representative. A relation the
   * reporter only claims raises nothing: unconfirmed, the report counts as a bystander's.
   */
  requestedByDepicted: boolean;
  /** A media hash matched a bank of known material. */
  knownHashMatch: boolean;
  /**
   * Earlier cases about the reported account with a standing violating decision (one with any of `VIOLATING_ACTIONS`), counted
   * only in `repeatOffenceCategories(category)`. Absent or 0 when the report names no account.
   */
  priorViolations?: number;
}

export interface Triage {
  /** 0 (P0) is the most urgent. */
  priority: number;
  /** Why the priority was raised above what the report alone gives, for the case to show; null when it was not. */
  priorityReason: PriorityReason | null;
  slaMinutes: number;
  queue: QueueName;
  qualification: Role;
}

export const PRIORITY_LABELS = ['P0', 'P1', 'P2', 'P3'] as const;
export type PriorityLabel = (typeof PRIORITY_LABELS)[number];

/** Minutes from the first report to a decision, by priority. */
export const SLA_MINUTES: Record<number, number> = { 0: 15, 1: 60, 2: 12 * 60, 3: 24 * 60 };

const BASE_PRIORITY: Record<Category, number> = {
  CHILD_SEXUAL_EXPLOITATION: 1,
  PHYSICAL_CHILD_ABUSE_MEDIA: 2,
  MINOR_PHYSICAL_ALTERCATION: 3,
};

/** Distinct reporters at which priority rises one step, and another. */
export const REPORTER_ESCALATION_STEPS = [3, 10] as const;

/**
 * Repeat offences. The policy text says nothing about them (it judges each piece of content on its own), so this is
 * the platform's practice, like the enforcement ladder (src/policy/ladder.ts): an account with this many earlier cases
 * carrying a standing violating decision has its new cases raised one step (not above P1), and the case says why.
 */
export const REPEAT_OFFENCE_THRESHOLD = 2;

/**
 * Actions that find the content or the account violating: the content comes down or the account is sanctioned. A decision
 * with any of them counts towards the threshold while it is not reversed (the account history and intake count with
 * `hasSome` and `&&` over this list).
 */
export const VIOLATING_ACTIONS = ['REMOVE_CONTENT', 'ACCOUNT_STRIKE', 'SUSPEND_ACCOUNT'] as const satisfies readonly EnforcementAction[];

export const isRepeatOffender = (priorViolations: number): boolean => priorViolations >= REPEAT_OFFENCE_THRESHOLD;

/**
 * The categories whose earlier violations count towards raising a new case of `category`: those its handlers may see.
 * A case anyone qualified for altercations may work is never raised by exploitation or abuse-media decisions those
 * reviewers may not see, so neither its priority nor its reason tells them such cases exist.
 */
export const repeatOffenceCategories = (category: Category): Category[] => handledCategories([categoryQualification(category)]);

export interface PriorityReason {
  code: 'REPEAT_OFFENDER';
  /** The violations counted, at the time of the raise. */
  priorViolations: number;
  threshold: number;
}

/** The words the case shows for a priority reason. */
export const priorityReasonText = (r: PriorityReason): string =>
  `Raised one step: the reported account has ${r.priorViolations} earlier cases with a standing violating decision ` +
  `(repeat-offence threshold ${r.threshold}, platform practice)`;

export function triage(signals: TriageSignals): Triage {
  let priority = BASE_PRIORITY[signals.category];
  if (signals.knownHashMatch) priority = Math.min(priority, 1);
  // Only immediate risk reaches P0; the other signals raise a case at most to P1.
  const raise = () => (priority = Math.max(1, priority - 1));
  if (signals.requestedByDepicted) raise();
  for (const step of REPORTER_ESCALATION_STEPS) if (signals.distinctReporters >= step) raise();
  let priorityReason: PriorityReason | null = null;
  const prior = signals.priorViolations ?? 0;
  if (isRepeatOffender(prior)) {
    const before = priority;
    raise();
    if (priority < before) priorityReason = { code: 'REPEAT_OFFENDER', priorViolations: prior, threshold: REPEAT_OFFENCE_THRESHOLD };
  }
  if (signals.childAtImmediateRisk) priority = 0;
  if (priority === 0) priorityReason = null;
  const queue: QueueName = signals.childAtImmediateRisk ? 'IMMEDIATE_RISK' : signals.category;
  return { priority, priorityReason, slaMinutes: SLA_MINUTES[priority]!, queue, qualification: queueQualification(queue) };
}

/** The role a reviewer needs to take cases from a queue (leads may work every queue). */
export function queueQualification(queue: QueueName): Role {
  switch (queue) {
    case 'MINOR_PHYSICAL_ALTERCATION':
      return 'REVIEWER';
    case 'APPEALS':
      return 'APPEALS_REVIEWER';
    default:
      return 'CHILD_SAFETY_SPECIALIST';
  }
}

/** Exploitation and abuse media are handled only by child-safety specialists (and leads). */
export function categoryQualification(category: Category): Role {
  return category === 'MINOR_PHYSICAL_ALTERCATION' ? 'REVIEWER' : 'CHILD_SAFETY_SPECIALIST';
}

/** Roles that satisfy a qualification: specialists are also reviewers; leads hold every reviewing qualification. */
function satisfies(roles: readonly Role[], needed: Role): boolean {
  if (roles.includes('LEAD') || roles.includes(needed)) return true;
  return needed === 'REVIEWER' && (roles.includes('CHILD_SAFETY_SPECIALIST') || roles.includes('APPEALS_REVIEWER'));
}

export const canWorkQueue = (roles: readonly Role[], queue: QueueName): boolean =>
  satisfies(roles, queueQualification(queue));

export const canHandleCategory = (roles: readonly Role[], category: Category): boolean =>
  satisfies(roles, categoryQualification(category));

/** Categories whose cases (and case content) a holder of these roles may see. */
export const handledCategories = (roles: readonly Role[]): Category[] =>
  (['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION'] as const).filter((c) =>
    canHandleCategory(roles, c),
  );

/** Exposure to these categories counts towards a reviewer's daily cap. */
export const isHighExposureCategory = (category: Category): boolean => category !== 'MINOR_PHYSICAL_ALTERCATION';
