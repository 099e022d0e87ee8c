// The decision matrix. `recommend` is the only place that turns an assessment into enforcement and obligations.
import { cite, type ClauseCitation, type ClauseId } from './clauses.js';
import type { AssessmentFactors, CaseFacts } from './assessment.js';
import { judgedOnFactors, validateAssessment, type FactorError } from './assessment.js';
import { ENFORCEMENT_ACTIONS, isMinor, type EnforcementAction } from './vocabulary.js';
import { POLICY_VERSION } from './version.js';

export const EVIDENCE_PRESERVATION_DAYS = 365;

export interface Recommendation {
  /** False when the person depicted is an adult: this policy does not apply and the case is routed elsewhere. */
  inScope: boolean;
  /** True when the age of a person depicted cannot be determined: a lead decides, and no enforcement is recommended meanwhile. */
  escalate: boolean;
  /** Canonical order (mildest first); `['NO_ACTION']` when nothing is to be enforced. */
  actions: EnforcementAction[];
  ncmecReportRequired: boolean;
  lawEnforcementReferralRequired: boolean;
  /** Days to preserve evidence; 0 when no hold is required. */
  preserveEvidenceDays: number;
  rationale: ClauseCitation[];
  policyVersion: string;
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
  const actions = new Set<EnforcementAction>();
  const clauses: ClauseId[] = [];
  let inScope = true;
  let escalate = false;
  let ncmec = false;

  if (!judgedOnFactors(factors)) {
    if (factors.ageAssessment === 'ADULT') {
      inScope = false;
    } else {
      // A depiction whose age cannot be determined: a lead decides.
      escalate = true;
      clauses.push('CS-3');
    }
  } else {
    // Promotion, and exploitation in text, are judged without an age: CS-3 is cited only when a minor was assessed.
    clauses.push('CS-1');
    if (factors.ageAssessment && isMinor(factors.ageAssessment)) clauses.push('CS-3');
    switch (factors.category) {
      case 'CHILD_SEXUAL_EXPLOITATION': {
        // Zero tolerance: any media kind or promotion, whatever the intent.
        actions.add('REMOVE_CONTENT').add('SUSPEND_ACCOUNT');
        ncmec = true;
        clauses.push('CSE-1');
        if (factors.mediaKind) clauses.push('CSE-2');
        if (factors.promotesExploitation) clauses.push('CSE-4');
        clauses.push('CSE-3', 'CS-4');
        break;
      }
      case 'PHYSICAL_CHILD_ABUSE_MEDIA': {
        const keepBehindLabel =
          factors.context === 'NEWSWORTHY' && factors.nudity === 'FULLY_CLOTHED' && factors.severity !== 'SEVERE';
        actions.add(keepBehindLabel ? 'SENSITIVE_MEDIA_LABEL' : 'REMOVE_CONTENT');
        if (factors.context === 'ABUSIVE') actions.add('ACCOUNT_STRIKE');
        clauses.push('PCAM-1');
        if (factors.nudity !== 'FULLY_CLOTHED') clauses.push('PCAM-2');
        if (factors.context === 'NEWSWORTHY') clauses.push('PCAM-3');
        clauses.push('PCAM-4');
        if (!keepBehindLabel && factors.context !== 'ABUSIVE') clauses.push('CS-2', 'CS-4');
        break;
      }
      case 'MINOR_PHYSICAL_ALTERCATION': {
        const remove = requestedByDepicted || factors.context === 'ABUSIVE' || factors.excessivelyGraphic === true;
        actions.add(remove ? 'REMOVE_CONTENT' : 'SENSITIVE_MEDIA_LABEL');
        clauses.push('MPA-1');
        if (requestedByDepicted) clauses.push('MPA-3');
        clauses.push('MPA-2');
        if (factors.excessivelyGraphic) clauses.push('MPA-4');
        break;
      }
    }
  }
  if (immediateRisk) clauses.push('RISK-1');

  return {
    inScope,
    escalate,
    actions: normalizeActions(actions),
    ncmecReportRequired: ncmec,
    lawEnforcementReferralRequired: immediateRisk,
    preserveEvidenceDays: ncmec ? EVIDENCE_PRESERVATION_DAYS : 0,
    rationale: cite(...new Set(clauses)),
    policyVersion: POLICY_VERSION,
  };
}
