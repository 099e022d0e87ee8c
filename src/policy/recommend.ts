// The decision matrix. `recommend` is the only place that turns an assessment into enforcement and obligations.
import { cite, type ClauseCitation, type ClauseId } from './clauses.js';
import type { AssessmentFactors, CaseFacts } from './assessment.js';
import { judgedOnFactors, validateAssessment, type FactorError } from './assessment.js';
import { ladderStep, type LadderCitation, type LadderStepId } from './ladder.js';
import { ENFORCEMENT_ACTIONS, isMinor, type EnforcementAction } from './vocabulary.js';
import { POLICY_VERSION } from './version.js';

export const EVIDENCE_PRESERVATION_DAYS = 365;

export interface Recommendation {
  /** False when the person depicted is an adult: this policy does not apply and the case is closed as out of scope. */
  inScope: boolean;
  /** True when the age of a person depicted cannot be determined: a lead decides, and no enforcement is recommended meanwhile. */
  escalate: boolean;
  /** Canonical order (mildest first); `['NO_ACTION']` when nothing is to be enforced. */
  actions: EnforcementAction[];
  ncmecReportRequired: boolean;
  lawEnforcementReferralRequired: boolean;
  /** Days to preserve evidence; 0 when no hold is required. */
  preserveEvidenceDays: number;
  /** The policy clauses relied on (quoted from the policy text). */
  rationale: ClauseCitation[];
  /** The enforcement-ladder steps (platform practice, not policy text) behind suspensions, strikes and labels. */
  ladder: LadderCitation[];
  /** What supports what: lets a decision cite the ground of the actions actually decided. */
  grounds: RecommendationGrounds;
  policyVersion: string;
}

export interface RecommendationGrounds {
  /** Clauses behind the finding itself (scope, age), cited whatever is decided. */
  finding: ClauseId[];
  /** The clauses that support each recommended action. */
  actions: Partial<Record<EnforcementAction, ClauseId[]>>;
  /** The ladder step behind each action the policy text does not name. */
  ladder: Partial<Record<EnforcementAction, LadderStepId>>;
  /** Clauses behind obligations that stand whatever is decided (a law-enforcement referral). */
  obligations: ClauseId[];
}

export class InvalidAssessmentError extends Error {
  override name = 'InvalidAssessmentError';
  constructor(readonly errors: FactorError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** Sorts and de-duplicates actions; an empty set means NO_ACTION. */
export function normalizeActions(actions: Iterable<EnforcementAction>): EnforcementAction[] {
  const set = new Set(actions);
  if (set.size > 1) set.delete('NO_ACTION');
  if (set.size === 0) set.add('NO_ACTION');
  return ENFORCEMENT_ACTIONS.filter((a) => set.has(a));
}

export function sameActions(a: Iterable<EnforcementAction>, b: Iterable<EnforcementAction>): boolean {
  return normalizeActions(a).join() === normalizeActions(b).join();
}

/** Throws InvalidAssessmentError (naming each field) when the answers are missing or contradictory. */
export function recommend(factors: AssessmentFactors, facts: CaseFacts): Recommendation {
  const errors = validateAssessment(factors, facts);
  if (errors.length > 0) throw new InvalidAssessmentError(errors);

  // A reporter's flag is a reason to look, not a finding: the assessing reviewer confirms or clears it.
  const immediateRisk = factors.childAtImmediateRisk === true;
  // A self-declared relation to the depicted minor counts only once the reviewer has confirmed it.
  const requestedByDepicted = facts.requestedByDepicted && factors.reporterRelationConfirmed === true;
  const grounds: RecommendationGrounds = { finding: [], actions: {}, ladder: {}, obligations: [] };
  // Each action with the clauses that support it: a clause is cited for the factor that decided the outcome.
  const support = (action: EnforcementAction, ...clauses: Array<ClauseId | false | null | undefined>) => {
    grounds.actions[action] = [...(grounds.actions[action] ?? []), ...clauses.filter((c): c is ClauseId => !!c)];
  };
  let inScope = true;
  let escalate = false;
  let ncmec = false;

  if (!judgedOnFactors(factors)) {
    if (factors.ageAssessment === 'ADULT') {
      // The policy applies to minors only: the case is closed as out of scope.
      inScope = false;
    } else {
      // A depiction whose age cannot be determined: a lead decides.
      escalate = true;
    }
    grounds.finding.push('CS-3');
  } else {
    // Promotion, and exploitation in text, are judged without an age: CS-3 is cited only when a minor was assessed.
    grounds.finding.push('CS-1');
    if (factors.ageAssessment && isMinor(factors.ageAssessment)) grounds.finding.push('CS-3');
    switch (factors.category) {
      case 'CHILD_SEXUAL_EXPLOITATION': {
        // Zero tolerance: any media kind or promotion, whatever the intent.
        support('REMOVE_CONTENT', 'CSE-1', factors.mediaKind && 'CSE-2', factors.promotesExploitation && 'CSE-4', 'CSE-3', 'CS-4');
        support('SUSPEND_ACCOUNT', 'CSE-1');
        grounds.ladder.SUSPEND_ACCOUNT = 'LADDER-1';
        ncmec = true;
        break;
      }
      case 'PHYSICAL_CHILD_ABUSE_MEDIA': {
        const newsworthy = factors.context === 'NEWSWORTHY';
        const keepBehindLabel = newsworthy && factors.nudity === 'FULLY_CLOTHED' && factors.severity !== 'SEVERE';
        if (keepBehindLabel) {
          // Nudity (fully clothed), severity (below severe) and context (newsworthy) together let it stay.
          support('SENSITIVE_MEDIA_LABEL', 'PCAM-2', 'PCAM-3', 'PCAM-4');
          grounds.ladder.SENSITIVE_MEDIA_LABEL = 'LADDER-3';
        } else {
          // In a newsworthy context nudity decides unless the harm is severe, and severity decides for a clothed child.
          const nudityDecided = newsworthy && factors.severity !== 'SEVERE';
          const severityDecided = newsworthy && factors.nudity === 'FULLY_CLOTHED';
          const goodIntent = factors.context !== 'ABUSIVE';
          support('REMOVE_CONTENT', 'PCAM-1', nudityDecided && 'PCAM-2', severityDecided && 'PCAM-3', 'PCAM-4', goodIntent && 'CS-2', goodIntent && 'CS-4');
        }
        if (factors.context === 'ABUSIVE') {
          support('ACCOUNT_STRIKE', 'PCAM-4');
          grounds.ladder.ACCOUNT_STRIKE = 'LADDER-2';
        }
        break;
      }
      case 'MINOR_PHYSICAL_ALTERCATION': {
        const abusive = factors.context === 'ABUSIVE';
        const graphic = factors.excessivelyGraphic === true;
        if (requestedByDepicted || abusive || graphic) {
          support('REMOVE_CONTENT', 'MPA-1', requestedByDepicted && 'MPA-3', abusive && 'MPA-2', graphic && 'MPA-4');
        } else {
          support('SENSITIVE_MEDIA_LABEL', 'MPA-1', 'MPA-2');
          grounds.ladder.SENSITIVE_MEDIA_LABEL = 'LADDER-4';
        }
        break;
      }
    }
  }
  if (immediateRisk) grounds.obligations.push('RISK-1');

  const actions = normalizeActions(Object.keys(grounds.actions) as EnforcementAction[]);
  const ground = groundOf(grounds, actions);
  return {
    inScope,
    escalate,
    actions,
    ncmecReportRequired: ncmec,
    lawEnforcementReferralRequired: immediateRisk,
    preserveEvidenceDays: ncmec ? EVIDENCE_PRESERVATION_DAYS : 0,
    rationale: ground.clauses,
    ladder: ground.ladder,
    grounds,
    policyVersion: POLICY_VERSION,
  };
}

/**
 * The clauses and ladder steps behind a set of actions: the finding's clauses, each action's supporting clauses (an
 * action the recommendation did not name has none: the decider's justification is its ground), and the obligations'.
 */
export function groundOf(grounds: RecommendationGrounds, actions: readonly EnforcementAction[]): { clauses: ClauseCitation[]; ladder: LadderCitation[] } {
  const ordered = normalizeActions(actions);
  const ids = [...grounds.finding, ...ordered.flatMap((a) => grounds.actions[a] ?? []), ...grounds.obligations];
  const ladder = ordered.flatMap((a) => (grounds.ladder[a] ? [ladderStep(grounds.ladder[a])] : []));
  return { clauses: cite(...new Set(ids)), ladder };
}
