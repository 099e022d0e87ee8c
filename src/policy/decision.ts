// What a decision rests on, once a reviewer has chosen the actions: who must take it, what it finds, what it files
// and which clauses support it. The recommendation advises; these rules follow what was actually decided.
import { cite, type ClauseCitation } from './clauses.js';
import { ladderStep, type LadderCitation } from './ladder.js';
import { EVIDENCE_PRESERVATION_DAYS, groundOf, normalizeActions, type Recommendation } from './recommend.js';
import type { Category, EnforcementAction } from './vocabulary.js';

export const ESCALATION_REASONS = ['AGE_UNDETERMINED', 'DECLINED_ENFORCEMENT_ON_EXPLOITATION'] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/** Exploitation is enforced by taking the material down; anything that leaves it up declines enforcement. */
export const removesContent = (actions: readonly EnforcementAction[]): boolean => actions.includes('REMOVE_CONTENT');

/**
 * Why a lead must take this decision, or null when the reviewer who assessed the case may. An undetermined age is
 * decided by a lead; so is declining enforcement (no action, a label, anything without removal) on a case the policy
 * assessed as exploitation: a second person, senior, makes that call — a lead who did not make the assessment (the
 * service checks who assessed).
 */
export function escalationReason(recommendation: Recommendation, actions: readonly EnforcementAction[]): EscalationReason | null {
  if (recommendation.escalate) return 'AGE_UNDETERMINED';
  if (recommendation.ncmecReportRequired && !removesContent(actions)) return 'DECLINED_ENFORCEMENT_ON_EXPLOITATION';
  return null;
}

export interface DecisionGround {
  clauses: ClauseCitation[];
  ladder: LadderCitation[];
}

/** The clauses and ladder steps that support the actions decided (not those merely recommended). */
export function decisionGround(recommendation: Recommendation, actions: readonly EnforcementAction[]): DecisionGround {
  // Recommendations stored before grounds were recorded cite their whole rationale when followed, and nothing else.
  if (!recommendation.grounds) {
    const followed = normalizeActions(actions).join() === normalizeActions(recommendation.actions).join();
    return { clauses: followed ? recommendation.rationale : [], ladder: [] };
  }
  return groundOf(recommendation.grounds, actions);
}

export interface DecisionOutcome {
  /** The decision finds child sexual exploitation of a minor and enforces on it. */
  decidedAsExploitation: boolean;
  ncmecReportRequired: boolean;
  preserveEvidenceDays: number;
  inScope: boolean;
  /** What the decider found beyond the assessment, in words for the statement of reasons; null when nothing. */
  finding: string | null;
  ground: DecisionGround;
}

/**
 * The outcome of the decision actually taken on an assessment of `category`.
 *
 * A CyberTipline record and the one-year preservation hold follow a decision that removes content it finds to be
 * child sexual exploitation of a minor, whoever decides. On a case assessed as exploitation of a minor (or promotion
 * of it) that is any decision that removes the content. On an escalated case, where the assessing reviewer could not
 * determine the age, only a lead decides (see escalationReason); a lead who removes content under the exploitation
 * category thereby finds the person depicted an apparent minor (a lead who finds an adult assesses the case again as
 * ADULT, which closes it as out of scope), and the statement of reasons says so. A decision that leaves the content up
 * files nothing.
 */
export function decisionOutcome(category: Category, recommendation: Recommendation, actions: readonly EnforcementAction[]): DecisionOutcome {
  const removes = removesContent(actions);
  const leadFindsMinor = recommendation.escalate && removes;
  const decidedAsExploitation = removes && (recommendation.ncmecReportRequired || (leadFindsMinor && category === 'CHILD_SEXUAL_EXPLOITATION'));
  let ground = decisionGround(recommendation, actions);
  if (leadFindsMinor) {
    const finding = category === 'CHILD_SEXUAL_EXPLOITATION' ? (['CS-1', 'CS-3', 'CSE-1', 'CSE-3'] as const) : (['CS-1', 'CS-3'] as const);
    const obligations = recommendation.grounds?.obligations ?? [];
    const suspends = category === 'CHILD_SEXUAL_EXPLOITATION' && actions.includes('SUSPEND_ACCOUNT');
    ground = { clauses: cite(...new Set([...finding, ...obligations])), ladder: suspends ? [ladderStep('LADDER-1')] : [] };
  }
  return {
    decidedAsExploitation,
    ncmecReportRequired: decidedAsExploitation,
    preserveEvidenceDays: decidedAsExploitation ? EVIDENCE_PRESERVATION_DAYS : 0,
    inScope: recommendation.inScope,
    finding: leadFindsMinor
      ? `The assessing reviewer could not determine the age of the person depicted; a lead decided the case and, in removing the content, found the person depicted to be an apparent minor${decidedAsExploitation ? ' and the content to be child sexual exploitation' : ''}.`
      : null,
    ground,
  };
}

/**
 * Categories whose decisions carry legal obligations: a decision that enforces on child sexual exploitation files a
 * CyberTipline record and holds the evidence for a year (recommend: ncmecReportRequired, EVIDENCE_PRESERVATION_DAYS).
 * A case in one of these is decided on its own, never closed as a duplicate (which files and preserves nothing).
 */
export const CATEGORIES_WITH_LEGAL_OBLIGATIONS: readonly Category[] = ['CHILD_SEXUAL_EXPLOITATION'];

/**
 * Why `duplicate` may not be closed as a duplicate of `original`, or null when it may. A duplicate has no decision of
 * its own: the original stands for it, so it must be about the same kind of harm (the same category). A case whose
 * decision carries legal obligations, or one that reports a child at immediate risk, is never closed as a duplicate:
 * it must be decided (a lead can apply a decision to linked cases in one step).
 */
export function duplicateClosureRefusal(
  duplicate: { category: Category; childAtImmediateRisk: boolean },
  original: { category: Category },
): string | null {
  if (CATEGORIES_WITH_LEGAL_OBLIGATIONS.includes(duplicate.category)) {
    return `A ${duplicate.category} case carries legal obligations (a CyberTipline record, evidence preservation) and must be decided, not closed as a duplicate`;
  }
  if (duplicate.childAtImmediateRisk) return 'A case reporting a child at immediate risk must be decided, not closed as a duplicate';
  if (duplicate.category !== original.category) {
    return `A case may be closed as a duplicate only of a case in the same category (this one is ${duplicate.category}, that one ${original.category})`;
  }
  return null;
}
