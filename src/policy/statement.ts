// Statements of reasons (DSA Art. 17) and the guidance a reporter reads after filing. Pure text assembly.
import { CLAUSES, type ClauseCitation } from './clauses.js';
import type { Category, EnforcementAction } from './vocabulary.js';

export interface StatementOfReasons {
  /** What was decided. */
  decision: string;
  /** The facts and circumstances relied on. */
  facts: string;
  /** Whether automated means were used, and how. */
  automatedMeans: string;
  /** The policy clause(s) relied on. */
  ground: string;
  /** How to seek redress. */
  redress: string;
}

const ACTION_TEXT: Record<EnforcementAction, string> = {
  NO_ACTION: 'no action was taken',
  SENSITIVE_MEDIA_LABEL: 'the content was placed behind a sensitive-media label',
  REMOVE_CONTENT: 'the content was removed',
  ACCOUNT_STRIKE: 'a strike was recorded against the account',
  SUSPEND_ACCOUNT: 'the account was permanently suspended',
};

const CATEGORY_TEXT: Record<Category, string> = {
  CHILD_SEXUAL_EXPLOITATION: 'child sexual exploitation',
  PHYSICAL_CHILD_ABUSE_MEDIA: 'physical child abuse media',
  MINOR_PHYSICAL_ALTERCATION: 'media of minors in physical altercation',
};

export const describeActions = (actions: readonly EnforcementAction[]): string =>
  actions.map((a) => ACTION_TEXT[a]).join('; ');

export interface DecisionStatementInput {
  actions: readonly EnforcementAction[];
  category: Category;
  inScope: boolean;
  reportCount: number;
  firstReportedAt: Date;
  /** A media hash matched a bank of known material. */
  knownHashMatch: boolean;
  rationale: readonly ClauseCitation[];
  policyVersion: string;
  appealableUntil: Date;
}

export function decisionStatement(input: DecisionStatementInput): StatementOfReasons {
  const scope = input.inScope
    ? `assessed by a trained reviewer as ${CATEGORY_TEXT[input.category]} under the Child Safety policy`
    : 'assessed by a trained reviewer as depicting an adult, so the Child Safety policy does not apply';
  return {
    decision: `${capitalise(describeActions(input.actions))}.`,
    facts:
      `The content was reported ${input.reportCount} time${input.reportCount === 1 ? '' : 's'}, first on ` +
      `${input.firstReportedAt.toISOString().slice(0, 10)}, and ${scope}.`,
    automatedMeans: input.knownHashMatch
      ? 'Automated hash matching identified the media as matching known material; a human reviewer assessed the ' +
        'case and took the decision, with a recommendation from the policy rules engine.'
      : 'The decision was taken by a human reviewer. The policy rules engine recommended an outcome; no fully ' +
        'automated decision was made.',
    ground: groundText(input.rationale, input.policyVersion),
    redress:
      `You can appeal this decision until ${input.appealableUntil.toISOString()} (${CLAUSES['APPEAL-1'].quote}). ` +
      'You may also refer it to a certified out-of-court dispute settlement body (DSA Art. 21) or seek judicial redress.',
  };
}

export interface AppealStatementInput {
  outcome: 'UPHELD' | 'OVERTURNED';
  originalActions: readonly EnforcementAction[];
  reason: string;
  effect: 'REVERSE_ENFORCEMENT' | 'REOPEN_CASE';
  policyVersion: string;
}

export function appealStatement(input: AppealStatementInput): StatementOfReasons {
  const decision =
    input.outcome === 'UPHELD'
      ? `The appeal was rejected and the original decision stands: ${describeActions(input.originalActions)}.`
      : input.effect === 'REVERSE_ENFORCEMENT'
        ? `The appeal was upheld and the original decision reversed: ${describeActions(input.originalActions)} — reversed.`
        : 'The appeal was upheld; the case has been reopened for a new assessment.';
  return {
    decision,
    facts: `An appeal was reviewed by a reviewer who did not take the original decision. ${input.reason}`,
    automatedMeans: 'The appeal was decided by a human reviewer without automated means.',
    ground: `Child Safety policy, version ${input.policyVersion}.`,
    redress:
      'This appeal decision is final within the platform. You may refer it to a certified out-of-court dispute ' +
      'settlement body (DSA Art. 21) or seek judicial redress.',
  };
}

function groundText(rationale: readonly ClauseCitation[], policyVersion: string): string {
  const cited = rationale.map((c) => `${c.clause} (“${c.quote}”)`).join('; ');
  return `Child Safety policy, version ${policyVersion}${cited ? `: ${cited}` : ''}.`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const NCMEC_CYBERTIPLINE_URL = 'https://report.cybertip.org/';
export const NCMEC_PHONE = '1-800-843-5678';

export interface IntakeGuidance {
  childAtImmediateRisk: boolean;
  message: string;
  ncmecCyberTiplineUrl: string | null;
  ncmecPhone: string | null;
}

/** What the reporter reads after filing; advice quoted from the policy. */
export function intakeGuidance(category: Category, childAtImmediateRisk: boolean): IntakeGuidance {
  const parts = ['Thank you. Your report has been received and will be reviewed by a specialist team.'];
  if (childAtImmediateRisk) parts.push(CLAUSES['RISK-1'].quote);
  const exploitation = category === 'CHILD_SEXUAL_EXPLOITATION';
  if (exploitation) {
    parts.push(
      'You can also notify the National Center for Missing & Exploited Children (NCMEC) through its CyberTipline ' +
        `or by calling ${NCMEC_PHONE}.`,
      'It can be illegal to engage with this content. Do not like, reply to, quote-post, screenshot, follow ' +
        'accounts who distribute, or otherwise engage with the content.',
    );
  }
  const ncmec = exploitation || childAtImmediateRisk;
  return {
    childAtImmediateRisk,
    message: parts.join(' '),
    ncmecCyberTiplineUrl: ncmec ? NCMEC_CYBERTIPLINE_URL : null,
    ncmecPhone: ncmec ? NCMEC_PHONE : null,
  };
}
