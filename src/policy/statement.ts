// Statements of reasons (DSA Art. 17) and the guidance a reporter reads after filing. Pure text assembly.
import { CLAUSES, cite, plainQuote, type ClauseCitation, type ClauseId } from './clauses.js';
import type { DecisionOutcome } from './decision.js';
import { sameActions, type Recommendation } from './recommend.js';
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

const RECOMMENDED_TEXT: Record<EnforcementAction, string> = {
  NO_ACTION: 'no action',
  SENSITIVE_MEDIA_LABEL: 'a sensitive-media label',
  REMOVE_CONTENT: 'removal of the content',
  ACCOUNT_STRIKE: 'a strike against the account',
  SUSPEND_ACCOUNT: 'permanent suspension of the account',
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
  /** The category the decision's assessment was made under. */
  category: Category;
  recommendation: Recommendation;
  /** What the decision actually taken rests on (decisionOutcome). */
  outcome: DecisionOutcome;
  /** The decider's written reasons, when given. */
  justification: string | null;
  reportCount: number;
  firstReportedAt: Date;
  /** A media hash matched a bank of known material. */
  knownHashMatch: boolean;
  policyVersion: string;
  appealableUntil: Date;
}

/**
 * The statement of reasons for the decision actually taken (DSA Art. 17(3)): (a) what was decided and how long it
 * lasts, (b) the facts and circumstances, notices included, (c) automated means, (d) the ground — the clauses that
 * support the decided actions, the ladder steps named as platform practice, and the decider's reasons when the
 * decision departs from the recommendation — and (e) redress.
 */
export function decisionStatement(input: DecisionStatementInput): StatementOfReasons {
  const { actions, recommendation, outcome } = input;
  const noAction = actions.every((a) => a === 'NO_ACTION');
  const deviates = !sameActions(actions, recommendation.actions);
  const notices = `${input.reportCount} notice${input.reportCount === 1 ? '' : 's'}`;

  const decision = !outcome.inScope
    ? 'The report was closed as out of scope: the person depicted was assessed as an adult, so the Child Safety policy ' +
      'does not apply, and no action was taken under it.'
    : noAction
      ? 'No action was taken: the content and the account stay as they were.'
      : `${capitalise(describeActions(actions))}. These measures apply on the whole platform and stay in place unless ` +
        'reversed on appeal.';

  const assessed = !outcome.inScope
    ? 'A trained reviewer assessed the person depicted as an adult.'
    : recommendation.escalate
      ? `A trained reviewer assessed the case under ${CATEGORY_TEXT[input.category]} but could not determine the age of the person depicted.`
      : `A trained reviewer assessed the content as ${CATEGORY_TEXT[input.category]} under the Child Safety policy.`;
  const facts = [
    `The decision was taken in response to ${notices} received through the platform's reporting channels, the first on ` +
      `${input.firstReportedAt.toISOString().slice(0, 10)}.`,
    assessed,
    outcome.finding,
    deviates ? `The decision differs from the outcome the policy rules recommended (${recommendation.actions.map((a) => RECOMMENDED_TEXT[a]).join('; ')}).` : null,
  ];

  const cited = outcome.ground.clauses.map((c) => `${c.clause} (“${plainQuote(c.quote)}”)`).join('; ');
  const policy = `Child Safety policy, version ${input.policyVersion}`;
  const ground = [
    !outcome.inScope
      ? `${policy}: the policy applies to minors only${cited ? `: ${cited}` : ''}.`
      : noAction
        ? `${policy}: no clause was relied on to act${cited ? `; the assessment rests on ${cited}` : ''}.`
        : `${policy}${cited ? `: ${cited}` : ''}.`,
    outcome.ground.ladder.length
      ? "The platform's enforcement practice (its enforcement ladder, not policy text): " +
        outcome.ground.ladder.map((s) => `${s.step} ${s.title}: ${s.practice}`).join(' ')
      : null,
    input.justification && (deviates || outcome.finding) ? `The decider's reasons: ${input.justification}` : null,
  ];

  return {
    decision,
    facts: facts.filter(Boolean).join(' '),
    automatedMeans: input.knownHashMatch
      ? 'Automated hash matching identified the media as matching known material; a human reviewer assessed the ' +
        'case and took the decision, with a recommendation from the policy rules engine.'
      : 'The decision was taken by a human reviewer. The policy rules engine recommended an outcome; no fully ' +
        'automated decision was made.',
    ground: ground.filter(Boolean).join(' '),
    redress:
      `You can appeal this decision until ${input.appealableUntil.toISOString()} (“${plainQuote(CLAUSES['APPEAL-1'].quote)}”). ` +
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

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const NCMEC_CYBERTIPLINE_URL = 'https://report.cybertip.org/';
/** The number the policy gives (NCMEC-1). */
export const NCMEC_PHONE = /\d-\d{3}-\d{3}-\d{4}/.exec(CLAUSES['NCMEC-1'].quote)![0];

export interface IntakeGuidance {
  childAtImmediateRisk: boolean;
  message: string;
  /** The clauses the message quotes, verbatim. */
  advice: ClauseCitation[];
  ncmecCyberTiplineUrl: string | null;
  ncmecPhone: string | null;
}

export const INTAKE_ACKNOWLEDGEMENT = 'Thank you. Your report has been received and will be reviewed by a specialist team.';

/** What the reporter reads after filing: an acknowledgement, then the policy's own advice, quoted from its clauses. */
export function intakeGuidance(category: Category, childAtImmediateRisk: boolean): IntakeGuidance {
  const exploitation = category === 'CHILD_SEXUAL_EXPLOITATION';
  const ids: ClauseId[] = [];
  if (childAtImmediateRisk) ids.push('RISK-1');
  if (exploitation) ids.push('NCMEC-1', 'REPORT-4', 'REPORT-2');
  const advice = cite(...ids);
  const sentence = (quote: string) => (/[.!?]$/.test(quote) ? quote : `${quote}.`);
  const ncmec = exploitation || childAtImmediateRisk;
  return {
    childAtImmediateRisk,
    message: [INTAKE_ACKNOWLEDGEMENT, ...advice.map((c) => sentence(plainQuote(c.quote)))].join(' '),
    advice,
    ncmecCyberTiplineUrl: ncmec ? NCMEC_CYBERTIPLINE_URL : null,
    ncmecPhone: ncmec ? NCMEC_PHONE : null,
  };
}
