// The platform's enforcement ladder: consequences the policy text does not spell out. The policy says what is removed
// ("zero tolerance", "we will remove most instances", what "we may consider"); it names no suspension, no strike and
// no label. Those are this platform's practice, kept in this one table, cited in statements of reasons as practice and
// never quoted as policy text. Changing a step changes the decision table, so it needs a new policy version.
import type { ClauseId } from './clauses.js';
import type { EnforcementAction } from './vocabulary.js';

export interface LadderStep {
  title: string;
  /** The action the step adds to what the policy decides. */
  action: Extract<EnforcementAction, 'SUSPEND_ACCOUNT' | 'ACCOUNT_STRIKE' | 'SENSITIVE_MEDIA_LABEL'>;
  /** When the step applies, in the platform's words. */
  practice: string;
  /** The policy clauses whose finding the step follows. */
  buildsOn: ClauseId[];
}

export const ENFORCEMENT_LADDER = {
  'LADDER-1': {
    title: 'Permanent suspension for child sexual exploitation',
    action: 'SUSPEND_ACCOUNT',
    practice: 'An account that shared material found to be child sexual exploitation is permanently suspended.',
    buildsOn: ['CSE-1'],
  },
  'LADDER-2': {
    title: 'A strike for abuse media shared in an abusive context',
    action: 'ACCOUNT_STRIKE',
    practice:
      'Physical child abuse media shared in an abusive context (glorifying, mocking or promoting the abuse) records a ' +
      'strike against the account that shared it, on top of the removal.',
    buildsOn: ['PCAM-4'],
  },
  'LADDER-3': {
    title: 'A sensitive-media label on abuse media the policy lets stay',
    action: 'SENSITIVE_MEDIA_LABEL',
    practice:
      'Physical child abuse media the policy does not remove (newsworthy, the child fully clothed, harm below severe) ' +
      'stays behind a sensitive-media label.',
    buildsOn: ['PCAM-2', 'PCAM-3', 'PCAM-4'],
  },
  'LADDER-4': {
    title: 'A sensitive-media label on altercation media the policy lets stay',
    action: 'SENSITIVE_MEDIA_LABEL',
    practice:
      'Media of minors in physical altercation the policy does not remove (non-abusive, not excessively graphic, no ' +
      'request from the minor or a representative) stays behind a sensitive-media label, to raise awareness.',
    buildsOn: ['MPA-1', 'MPA-2'],
  },
} as const satisfies Record<string, LadderStep>;

export type LadderStepId = keyof typeof ENFORCEMENT_LADDER;

export interface LadderCitation {
  step: LadderStepId;
  title: string;
  action: LadderStep['action'];
  practice: string;
}

export const ladderStep = (id: LadderStepId): LadderCitation => {
  const { title, action, practice } = ENFORCEMENT_LADDER[id];
  return { step: id, title, action, practice };
};

/**
 * Strikes are recorded per reported account (one per decision that records one) and shown to reviewers on that
 * account's later cases. The ladder does not turn a number of strikes into a suspension by itself: a reviewer who sees
 * repeat offences may decide more, with a written justification, like any other deviation.
 */
export const STRIKE_PRACTICE =
  'Strikes are recorded per reported account and shown on its later cases; a reviewer weighs repeat offences and may ' +
  'decide more than the table, with a written justification. A strike stops counting when its decision is reversed on appeal.';
