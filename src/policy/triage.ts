// Triage: how urgent a case is, which queue it waits in, and who may work that queue.
import type { Category, QueueName, Role } from './vocabulary.js';

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
}

export interface Triage {
  /** 0 (P0) is the most urgent. */
  priority: number;
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

export function triage(signals: TriageSignals): Triage {
  let priority = BASE_PRIORITY[signals.category];
  if (signals.knownHashMatch) priority = Math.min(priority, 1);
  // Only immediate risk reaches P0; the other signals raise a case at most to P1.
  const raise = () => (priority = Math.max(1, priority - 1));
  if (signals.requestedByDepicted) raise();
  for (const step of REPORTER_ESCALATION_STEPS) if (signals.distinctReporters >= step) raise();
  if (signals.childAtImmediateRisk) priority = 0;
  const queue: QueueName = signals.childAtImmediateRisk ? 'IMMEDIATE_RISK' : signals.category;
  return { priority, slaMinutes: SLA_MINUTES[priority]!, queue, qualification: queueQualification(queue) };
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
