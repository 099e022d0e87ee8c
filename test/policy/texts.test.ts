// The words the policy module produces, and the small rules behind them: statements of reasons (DSA Art. 17) as a
// platform user reads them, appeal statements, the reporter's guidance, validation messages, the appeal window, who is
// qualified for what, and action sets. The texts are written out here in full, so a change to any of them is a
// visible, reviewed change to what users and reviewers read.
import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  InvalidAssessmentError,
  NO_CASE_FACTS,
  QUEUE_NAMES,
  TABLE_FINGERPRINTS,
  appealRefusal,
  appealStatement,
  appealableUntil,
  canHandleCategory,
  canWorkQueue,
  categoryQualification,
  decisionOutcome,
  decisionStatement,
  handledCategories,
  intakeGuidance,
  isHighExposureCategory,
  normalizeActions,
  overturnEffect,
  plainQuote,
  queueQualification,
  recommend,
  sameActions,
  validateAssessment,
  type AssessmentFactors,
  type CaseFacts,
  type Category,
  type EnforcementAction,
  type Recommendation,
  type Role,
} from '../../src/policy/index.js';

const FIRST_REPORTED = new Date('2026-01-05T10:00:00Z');
const APPEALABLE_UNTIL = new Date('2026-07-06T12:00:00Z');
const NO_FACTS: CaseFacts = { requestedByDepicted: false, childAtImmediateRiskReported: false };
const VERSION = recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, NO_FACTS).policyVersion;

interface Scenario {
  factors: AssessmentFactors;
  actions: EnforcementAction[];
  facts?: CaseFacts;
  reportCount?: number;
  knownHashMatch?: boolean;
  justification?: string | null;
  /** A recommendation stored before grounds were recorded. */
  withoutGrounds?: boolean;
}

function statement(s: Scenario) {
  let recommendation: Recommendation = recommend(s.factors, s.facts ?? NO_FACTS);
  if (s.withoutGrounds) {
    const { grounds: _grounds, ...rest } = recommendation;
    recommendation = rest as Recommendation;
  }
  const outcome = decisionOutcome(s.factors.category, recommendation, s.actions);
  return decisionStatement({
    actions: s.actions,
    category: s.factors.category,
    recommendation,
    outcome,
    justification: s.justification ?? null,
    reportCount: s.reportCount ?? 1,
    firstReportedAt: FIRST_REPORTED,
    knownHashMatch: s.knownHashMatch ?? false,
    policyVersion: recommendation.policyVersion,
    appealableUntil: APPEALABLE_UNTIL,
  });
}

/** The ground with each quoted clause shown by its id alone (the quotes are checked verbatim elsewhere). */
const ids = (text: string) => text.replace(/ \(“[^”]*”\)/g, '');

const ALTERCATION: AssessmentFactors = { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true };
const CSE: AssessmentFactors = { category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL', promotesExploitation: false };
const CSE_UNDETERMINED: AssessmentFactors = { ...CSE, ageAssessment: 'UNDETERMINED' };
const PCAM_SEVERE: AssessmentFactors = { category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'NUDE', severity: 'SEVERE', context: 'ABUSIVE' };

const HUMAN = 'The decision was taken by a human reviewer. The policy rules engine recommended an outcome; no fully automated decision was made.';
const REDRESS = `You can appeal this decision until 2026-07-06T12:00:00.000Z (“If you believe we made a mistake, you can submit an appeal.”). You may also refer it to a certified out-of-court dispute settlement body (DSA Art. 21) or seek judicial redress.`;
const facts = (notices: string, ...rest: string[]) =>
  [`The decision was taken in response to ${notices} received through the platform's reporting channels, the first on 2026-01-05.`, ...rest].join(' ');
const ENFORCED = 'These measures apply on the whole platform and stay in place unless reversed on appeal.';
const LADDER_1 = "The platform's enforcement practice (its enforcement ladder, not policy text): LADDER-1 Permanent suspension for child sexual exploitation: An account that shared material found to be child sexual exploitation is permanently suspended.";
const AS_ALTERCATION = 'A trained reviewer assessed the content as media of minors in physical altercation under the Child Safety policy.';
const AS_CSE = 'A trained reviewer assessed the content as child sexual exploitation under the Child Safety policy.';
const CSE_NOT_DETERMINED = 'A trained reviewer assessed the case under child sexual exploitation but could not determine the age of the person depicted.';

describe('statement of reasons for a decision', () => {
  it('a removal as recommended: what was done, one notice, the clauses, human decision, redress; no reasons needed', () => {
    const s = statement({ factors: ALTERCATION, actions: ['REMOVE_CONTENT'], justification: 'placeholder justification' });
    expect(s).toEqual({
      decision: `The content was removed. ${ENFORCED}`,
      facts: facts('1 notice', AS_ALTERCATION),
      automatedMeans: HUMAN,
      ground: expect.any(String),
      redress: REDRESS,
    });
    // Followed the recommendation: the decider's reasons are not part of the ground.
    expect(ids(s.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; MPA-1; MPA-2; MPA-4.`);
    expect(s.ground).toContain('; MPA-4 (“the content is excessively graphic.”).');
  });

  it('exploitation removed and the account suspended after a hash match, on two notices', () => {
    const s = statement({ factors: CSE, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], reportCount: 2, knownHashMatch: true });
    expect(s.decision).toBe(`The content was removed; the account was permanently suspended. ${ENFORCED}`);
    expect(s.facts).toBe(facts('2 notices', AS_CSE));
    expect(s.automatedMeans).toBe(
      'Automated hash matching identified the media as matching known material; a human reviewer assessed the case and took the decision, with a recommendation from the policy rules engine.',
    );
    expect(ids(s.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; CSE-1; CSE-2; CSE-3; CS-4. ${LADDER_1}`);
  });

  it('an adult depicted: closed as out of scope, citing why the policy does not apply', () => {
    const s = statement({ factors: { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, actions: ['NO_ACTION'] });
    expect(s.decision).toBe('The report was closed as out of scope: the person depicted was assessed as an adult, so the Child Safety policy does not apply, and no action was taken under it.');
    expect(s.facts).toBe(facts('1 notice', 'A trained reviewer assessed the person depicted as an adult.'));
    expect(ids(s.ground)).toBe(`Child Safety policy, version ${VERSION}: the policy applies to minors only: CS-3.`);
  });

  it('no action on exploitation, deviating: the recommendation named, no clause relied on, the reasons given', () => {
    const s = statement({ factors: CSE, actions: ['NO_ACTION'], justification: 'placeholder justification' });
    expect(s.decision).toBe('No action was taken: the content and the account stay as they were.');
    expect(s.facts).toBe(facts('1 notice', AS_CSE, 'The decision differs from the outcome the policy rules recommended (removal of the content; permanent suspension of the account).'));
    expect(ids(s.ground)).toBe(`Child Safety policy, version ${VERSION}: no clause was relied on to act; the assessment rests on CS-1; CS-3. The decider's reasons: placeholder justification`);
  });

  it('a label and a strike instead of removal, on three notices: each action and each recommended one in words', () => {
    const s = statement({ factors: PCAM_SEVERE, actions: ['SENSITIVE_MEDIA_LABEL', 'ACCOUNT_STRIKE'], justification: 'placeholder justification', reportCount: 3 });
    expect(s.decision).toBe(`The content was placed behind a sensitive-media label; a strike was recorded against the account. ${ENFORCED}`);
    expect(s.facts).toBe(
      facts(
        '3 notices',
        'A trained reviewer assessed the content as physical child abuse media under the Child Safety policy.',
        'The decision differs from the outcome the policy rules recommended (removal of the content; a strike against the account).',
      ),
    );
    expect(ids(s.ground)).toMatch(new RegExp(`^Child Safety policy, version ${VERSION.replace(/\./g, '\\.')}: CS-1; CS-3; PCAM-4\\. The platform's enforcement practice \\(its enforcement ladder, not policy text\\): LADDER-2 .*\\. The decider's reasons: placeholder justification$`));
  });

  it('every action and every recommendation has its own words', () => {
    const s = statement({ factors: { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, actions: ['NO_ACTION', 'SENSITIVE_MEDIA_LABEL', 'REMOVE_CONTENT', 'ACCOUNT_STRIKE', 'SUSPEND_ACCOUNT'] });
    expect(s.decision).toContain('out of scope');
    const inScope = statement({ factors: ALTERCATION, actions: ['NO_ACTION', 'SENSITIVE_MEDIA_LABEL', 'ACCOUNT_STRIKE', 'SUSPEND_ACCOUNT'], justification: 'placeholder justification' });
    expect(inScope.decision).toBe(
      `No action was taken; the content was placed behind a sensitive-media label; a strike was recorded against the account; the account was permanently suspended. ${ENFORCED}`,
    );
    const recommendedNothing = statement({ factors: { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, actions: ['REMOVE_CONTENT'], justification: 'placeholder justification' });
    expect(recommendedNothing.facts).toContain('The decision differs from the outcome the policy rules recommended (no action).');
    const recommendedLabel = statement({ factors: { ...PCAM_SEVERE, context: 'NEWSWORTHY', nudity: 'FULLY_CLOTHED', severity: 'MODERATE' }, actions: ['REMOVE_CONTENT'], justification: 'placeholder justification' });
    expect(recommendedLabel.facts).toContain('The decision differs from the outcome the policy rules recommended (a sensitive-media label).');
  });

  it('an undetermined age decided by a lead who removes: the finding, and for exploitation its clauses and obligations', () => {
    const cse = statement({ factors: CSE_UNDETERMINED, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], justification: 'placeholder justification' });
    const finding = 'The assessing reviewer could not determine the age of the person depicted; a lead decided the case and, in removing the content, found the person depicted to be an apparent minor';
    expect(cse.facts).toBe(facts('1 notice', CSE_NOT_DETERMINED, `${finding} and the content to be child sexual exploitation.`, 'The decision differs from the outcome the policy rules recommended (no action).'));
    expect(ids(cse.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; CSE-1; CSE-3. ${LADDER_1} The decider's reasons: placeholder justification`);
    // Removal alone names no suspension ladder step.
    expect(ids(statement({ factors: CSE_UNDETERMINED, actions: ['REMOVE_CONTENT'] }).ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; CSE-1; CSE-3.`);
    // Abuse media: the finding without exploitation, the general clauses, no ladder.
    const pcam = statement({ factors: { category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'UNDETERMINED' }, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] });
    expect(pcam.facts).toBe(
      facts('1 notice', 'A trained reviewer assessed the case under physical child abuse media but could not determine the age of the person depicted.', `${finding}.`, 'The decision differs from the outcome the policy rules recommended (no action).'),
    );
    expect(ids(pcam.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3.`);
    // A confirmed immediate risk adds its obligation to the ground.
    const risk = statement({ factors: { ...CSE_UNDETERMINED, childAtImmediateRisk: true }, facts: { ...NO_FACTS, childAtImmediateRiskReported: true }, actions: ['REMOVE_CONTENT'] });
    expect(ids(risk.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; CSE-1; CSE-3; RISK-1.`);
    // Left up: no finding.
    const left = statement({ factors: CSE_UNDETERMINED, actions: ['NO_ACTION'] });
    expect(left.facts).toBe(facts('1 notice', CSE_NOT_DETERMINED));
    expect(ids(left.ground)).toBe(`Child Safety policy, version ${VERSION}: no clause was relied on to act; the assessment rests on CS-3.`);
  });

  it('a recommendation stored before grounds were recorded: its whole rationale when followed, no clause otherwise', () => {
    const followed = statement({ factors: ALTERCATION, actions: ['REMOVE_CONTENT'], withoutGrounds: true });
    expect(ids(followed.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; MPA-1; MPA-2; MPA-4.`);
    const deviated = statement({ factors: ALTERCATION, actions: ['SENSITIVE_MEDIA_LABEL'], withoutGrounds: true, justification: 'placeholder justification' });
    expect(deviated.ground).toBe(`Child Safety policy, version ${VERSION}. The decider's reasons: placeholder justification`);
    // Departing from such a recommendation cites nothing: out of scope, or no action, the ground says so alone.
    expect(statement({ factors: { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, actions: ['REMOVE_CONTENT'], withoutGrounds: true }).ground).toBe(
      `Child Safety policy, version ${VERSION}: the policy applies to minors only.`,
    );
    expect(statement({ factors: ALTERCATION, actions: ['NO_ACTION'], withoutGrounds: true }).ground).toBe(`Child Safety policy, version ${VERSION}: no clause was relied on to act.`);
    // An escalated one that a lead decides by removing: the finding's clauses, no obligations recorded.
    const escalated = statement({ factors: CSE_UNDETERMINED, actions: ['REMOVE_CONTENT'], withoutGrounds: true });
    expect(ids(escalated.ground)).toBe(`Child Safety policy, version ${VERSION}: CS-1; CS-3; CSE-1; CSE-3.`);
  });
});

describe('statement of reasons for an appeal', () => {
  const base = { originalActions: ['REMOVE_CONTENT', 'ACCOUNT_STRIKE'] as EnforcementAction[], reason: 'placeholder reason', policyVersion: 'v-test' };
  const common = {
    facts: 'An appeal was reviewed by a reviewer who did not take the original decision. placeholder reason',
    automatedMeans: 'The appeal was decided by a human reviewer without automated means.',
    ground: 'Child Safety policy, version v-test.',
    redress: 'This appeal decision is final within the platform. You may refer it to a certified out-of-court dispute settlement body (DSA Art. 21) or seek judicial redress.',
  };
  it('rejected, reversed, or reopened', () => {
    expect(appealStatement({ ...base, outcome: 'UPHELD', effect: 'REVERSE_ENFORCEMENT' })).toEqual({
      ...common,
      decision: 'The appeal was rejected and the original decision stands: the content was removed; a strike was recorded against the account.',
    });
    expect(appealStatement({ ...base, outcome: 'OVERTURNED', effect: 'REVERSE_ENFORCEMENT' })).toEqual({
      ...common,
      decision: 'The appeal was upheld and the original decision reversed: the content was removed; a strike was recorded against the account — reversed.',
    });
    expect(appealStatement({ ...base, outcome: 'OVERTURNED', effect: 'REOPEN_CASE' })).toEqual({ ...common, decision: 'The appeal was upheld; the case has been reopened for a new assessment.' });
  });
});

describe("the reporter's guidance", () => {
  const ACK = 'Thank you. Your report has been received and will be reviewed by a specialist team.';
  const RISK = 'If you believe a child is at immediate risk of harm or death, please reach out to your local law enforcement.';
  const NCMEC =
    'Additionally, after reporting potential violations of our Child Sexual Exploitation policy to us, you can also notify the National Center for Missing & Exploited Children (NCMEC) by using their CyberTipLine portal or calling 1-800-843-5678. Note: it can be illegal to engage with content that violates our Child Sexual Exploitation policy. Please be sure to report the content right away and do not like, reply to, quote-post, screenshot, follow accounts who distribute, or otherwise engage with the content.';
  it('the acknowledgement, then the immediate-risk and exploitation advice where they apply, each a full sentence', () => {
    expect(intakeGuidance('MINOR_PHYSICAL_ALTERCATION', false)).toMatchObject({ message: ACK, advice: [], ncmecCyberTiplineUrl: null, ncmecPhone: null });
    expect(intakeGuidance('MINOR_PHYSICAL_ALTERCATION', true)).toMatchObject({ message: `${ACK} ${RISK}`, ncmecPhone: '1-800-843-5678' });
    expect(intakeGuidance('CHILD_SEXUAL_EXPLOITATION', false)).toMatchObject({ message: `${ACK} ${NCMEC}`, ncmecCyberTiplineUrl: 'https://report.cybertip.org/' });
    expect(intakeGuidance('CHILD_SEXUAL_EXPLOITATION', true).message).toBe(`${ACK} ${RISK} ${NCMEC}`);
  });

  it('a quote shows a link as its text, whatever the link', () => {
    expect(plainQuote('use their [portal](#) or [the form](https://example.org/a?b=c) now')).toBe('use their portal or the form now');
  });
});

describe('assessment validation messages', () => {
  const messages = (f: AssessmentFactors, facts?: CaseFacts) => validateAssessment(f, facts).map((e) => `${e.field}: ${e.message}`);
  it('name the field and what is wrong with it', () => {
    expect(messages({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NEWSWORTHY', excessivelyGraphic: false })).toEqual([
      'context: context for MINOR_PHYSICAL_ALTERCATION is one of ABUSIVE, NON_ABUSIVE',
    ]);
    expect(messages({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'NUDE', severity: 'EXTREME' as never, context: 'ABUSIVE' })).toEqual([
      'severity: severity for PHYSICAL_CHILD_ABUSE_MEDIA is one of LOW, MODERATE, SEVERE',
    ]);
    expect(messages({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true, promotesExploitation: true })).toEqual([
      'promotesExploitation: promotesExploitation applies to CHILD_SEXUAL_EXPLOITATION; assess the case under that category',
    ]);
    // Another category's factor, and a missing required one: both named (the contradiction does not end the check).
    expect(messages({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', severity: 'LOW', context: 'ABUSIVE', excessivelyGraphic: true })).toEqual([
      'excessivelyGraphic: excessivelyGraphic does not apply to PHYSICAL_CHILD_ABUSE_MEDIA',
      'nudity: nudity is required for PHYSICAL_CHILD_ABUSE_MEDIA',
    ]);
    // `false` to another category's yes/no question says nothing.
    expect(messages({ ...CSE, excessivelyGraphic: false })).toEqual([]);
    expect(messages({ category: 'MINOR_PHYSICAL_ALTERCATION' })).toEqual(['ageAssessment: ageAssessment is required for MINOR_PHYSICAL_ALTERCATION']);
    // A category that always needs an age needs one even for text or promotion.
    expect(messages({ category: 'MINOR_PHYSICAL_ALTERCATION', mediaKind: 'TEXT' })).toEqual([
      'mediaKind: mediaKind does not apply to MINOR_PHYSICAL_ALTERCATION',
      'ageAssessment: ageAssessment is required for MINOR_PHYSICAL_ALTERCATION',
    ]);
    expect(messages({ category: 'CHILD_SEXUAL_EXPLOITATION', mediaKind: 'REAL' })).toEqual([
      'ageAssessment: ageAssessment is required for a depiction; only promotion of exploitation, or exploitation in text, is judged without an age',
    ]);
    expect(messages({ category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR' })).toEqual([
      'mediaKind: mediaKind is required for CHILD_SEXUAL_EXPLOITATION unless promotesExploitation is true',
    ]);
    expect(messages({ ...ALTERCATION, reporterRelationConfirmed: true })).toEqual([
      'reporterRelationConfirmed: no report on this case says it comes from the depicted minor or an authorised representative',
    ]);
    expect(messages(ALTERCATION, { ...NO_FACTS, childAtImmediateRiskReported: true })).toEqual([
      'childAtImmediateRisk: a reporter said a child is at immediate risk: confirm it (true) or clear it (false, with a reason)',
    ]);
  });

  it('without case facts, nothing is claimed: no risk flag to confirm, no relation', () => {
    expect(NO_CASE_FACTS).toEqual({ requestedByDepicted: false, childAtImmediateRiskReported: false });
    expect(validateAssessment(ALTERCATION)).toEqual([]);
  });

  it('recommend refuses invalid answers with a named error whose message lists every problem', () => {
    let error: unknown;
    try {
      recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', mediaKind: 'TEXT' }, NO_FACTS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAssessmentError);
    expect((error as Error).name).toBe('InvalidAssessmentError');
    expect((error as Error).message).toBe('mediaKind does not apply to MINOR_PHYSICAL_ALTERCATION; ageAssessment is required for MINOR_PHYSICAL_ALTERCATION');
  });
});

describe('appeal rules', () => {
  const request = { appellantKind: 'AFFECTED_ACCOUNT' as const, decisionActions: ['REMOVE_CONTENT'] as EnforcementAction[], appealableUntil: new Date('2026-07-01T00:00:00Z'), now: new Date('2026-02-01T00:00:00Z'), priorAppeals: 0, decisionReversed: false };
  it('refusals say why, each with its code', () => {
    expect(appealRefusal(request)).toBeNull();
    expect(appealRefusal({ ...request, priorAppeals: 1 })).toEqual({ code: 'ALREADY_APPEALED', message: 'You have already appealed this decision' });
    expect(appealRefusal({ ...request, decisionReversed: true })).toEqual({ code: 'NOT_APPEALABLE', message: 'This decision has already been reversed' });
    expect(appealRefusal({ ...request, now: new Date('2026-07-01T00:00:00.001Z') })).toEqual({ code: 'WINDOW_CLOSED', message: 'The appeal window for this decision has closed' });
    // The last moment itself is still open.
    expect(appealRefusal({ ...request, now: request.appealableUntil })).toBeNull();
    expect(appealRefusal({ ...request, decisionActions: ['NO_ACTION'] })).toEqual({ code: 'NOT_APPEALABLE', message: 'No enforcement action was taken against the account' });
    // "No action" means no action at all: an action listed with NO_ACTION is enforcement.
    expect(appealRefusal({ ...request, decisionActions: ['NO_ACTION', 'REMOVE_CONTENT'] })).toBeNull();
  });

  it('what a successful appeal does: lift enforcement for the account, reopen when nothing was enforced or for a notifier', () => {
    expect(overturnEffect(['REMOVE_CONTENT'])).toBe('REVERSE_ENFORCEMENT');
    expect(overturnEffect(['REMOVE_CONTENT'], 'AFFECTED_ACCOUNT')).toBe('REVERSE_ENFORCEMENT');
    expect(overturnEffect(['REMOVE_CONTENT'], 'NOTIFIER')).toBe('REOPEN_CASE');
    expect(overturnEffect(['NO_ACTION'], 'AFFECTED_ACCOUNT')).toBe('REOPEN_CASE');
    expect(overturnEffect(['NO_ACTION', 'REMOVE_CONTENT'], 'AFFECTED_ACCOUNT')).toBe('REVERSE_ENFORCEMENT');
  });

  it('the window is six calendar months', () => {
    expect(appealableUntil(new Date('2026-05-15T08:30:00Z')).toISOString()).toBe('2026-11-15T08:30:00.000Z');
    expect(appealableUntil(new Date('2026-12-31T23:00:00Z')).toISOString()).toBe('2027-07-01T23:00:00.000Z');
  });
});

describe('qualifications', () => {
  it('each queue and category names the role it needs', () => {
    const queues = Object.fromEntries(QUEUE_NAMES.map((q) => [q, queueQualification(q)]));
    expect(queues).toEqual({
      IMMEDIATE_RISK: 'CHILD_SAFETY_SPECIALIST',
      CHILD_SEXUAL_EXPLOITATION: 'CHILD_SAFETY_SPECIALIST',
      PHYSICAL_CHILD_ABUSE_MEDIA: 'CHILD_SAFETY_SPECIALIST',
      MINOR_PHYSICAL_ALTERCATION: 'REVIEWER',
      APPEALS: 'APPEALS_REVIEWER',
    });
    expect(Object.fromEntries(CATEGORIES.map((c) => [c, categoryQualification(c)]))).toEqual({
      CHILD_SEXUAL_EXPLOITATION: 'CHILD_SAFETY_SPECIALIST',
      PHYSICAL_CHILD_ABUSE_MEDIA: 'CHILD_SAFETY_SPECIALIST',
      MINOR_PHYSICAL_ALTERCATION: 'REVIEWER',
    });
  });

  it('specialists and appeals reviewers are also reviewers; leads hold every qualification; nobody else', () => {
    const handled = (roles: Role[]) => handledCategories(roles);
    expect(handled(['REVIEWER'])).toEqual(['MINOR_PHYSICAL_ALTERCATION']);
    expect(handled(['APPEALS_REVIEWER'])).toEqual(['MINOR_PHYSICAL_ALTERCATION']);
    expect(handled(['CHILD_SAFETY_SPECIALIST'])).toEqual(['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION']);
    expect(handled(['LEAD'])).toEqual(['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION']);
    for (const role of ['ADMIN', 'ANALYST', 'PLATFORM', 'LAW_ENFORCEMENT_LIAISON'] as Role[]) expect(handled([role]), role).toEqual([]);
    expect(canWorkQueue(['APPEALS_REVIEWER'], 'APPEALS')).toBe(true);
    expect(canWorkQueue(['CHILD_SAFETY_SPECIALIST'], 'APPEALS')).toBe(false);
    expect(canWorkQueue(['CHILD_SAFETY_SPECIALIST'], 'MINOR_PHYSICAL_ALTERCATION')).toBe(true);
    expect(canHandleCategory(['APPEALS_REVIEWER'], 'CHILD_SEXUAL_EXPLOITATION')).toBe(false);
  });

  it('exposure counts exploitation and abuse media, not altercations', () => {
    expect(Object.fromEntries(CATEGORIES.map((c: Category) => [c, isHighExposureCategory(c)]))).toEqual({
      CHILD_SEXUAL_EXPLOITATION: true,
      PHYSICAL_CHILD_ABUSE_MEDIA: true,
      MINOR_PHYSICAL_ALTERCATION: false,
    });
  });
});

describe('action sets', () => {
  it('are sorted and de-duplicated; NO_ACTION only alone, and an empty set is NO_ACTION', () => {
    expect(normalizeActions(['SUSPEND_ACCOUNT', 'REMOVE_CONTENT', 'REMOVE_CONTENT'])).toEqual(['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
    expect(normalizeActions(['NO_ACTION', 'REMOVE_CONTENT'])).toEqual(['REMOVE_CONTENT']);
    expect(normalizeActions(['NO_ACTION'])).toEqual(['NO_ACTION']);
    expect(normalizeActions([])).toEqual(['NO_ACTION']);
    expect(sameActions(['SUSPEND_ACCOUNT', 'REMOVE_CONTENT'], ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'])).toBe(true);
    expect(sameActions([], ['NO_ACTION'])).toBe(true);
    expect(sameActions(['REMOVE_CONTENT'], ['SUSPEND_ACCOUNT'])).toBe(false);
  });
});

describe('policy versions', () => {
  it('each shipped version records the SHA-256 of its decision table, each different', () => {
    const prints = Object.values(TABLE_FINGERPRINTS);
    expect(prints.length).toBeGreaterThan(1);
    for (const p of prints) expect(p).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(prints).size).toBe(prints.length);
  });
});
