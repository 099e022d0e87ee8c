// What a decision rests on: the clauses that support the actions actually decided, the platform's enforcement ladder
// kept apart from the policy text, the two-person rule for declining enforcement on exploitation, and the outcomes
// (CyberTipline record, preservation hold) that follow the decision rather than the recommendation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLAUSES,
  ENFORCEMENT_LADDER,
  HARM_SEVERITIES,
  NUDITY,
  SHARING_CONTEXTS,
  decisionGround,
  decisionOutcome,
  decisionStatement,
  escalationReason,
  factorSpace,
  intakeGuidance,
  recommend,
  type AssessmentFactors,
  type CaseFacts,
  type EnforcementAction,
} from '../../src/policy/index.js';

const policyText = readFileSync(new URL('../../src/policy/child-safety-policy.txt', import.meta.url), 'utf8');
const noFacts: CaseFacts = { requestedByDepicted: false, childAtImmediateRiskReported: false };
const clausesOf = (r: { rationale: Array<{ clause: string }> }) => r.rationale.map((c) => c.clause);
const cse: AssessmentFactors = { category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' };
const undetermined: AssessmentFactors = { category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'UNDETERMINED' };

describe('clause citations match the outcome', () => {
  // A factor "decided" a cell when changing that factor alone changes the actions: then its clause is cited, and
  // otherwise it is not. Derived from recommend's own answers, so no list of cells is hard-coded here.
  const pcam = factorSpace('PHYSICAL_CHILD_ABUSE_MEDIA').filter(({ factors }) => factors.nudity);
  const variants = { nudity: NUDITY, severity: HARM_SEVERITIES, context: SHARING_CONTEXTS } as const;
  const clauseOf = { nudity: 'PCAM-2', severity: 'PCAM-3', context: 'PCAM-4' } as const;

  for (const factor of ['nudity', 'severity', 'context'] as const) {
    it(`physical child abuse media: ${clauseOf[factor]} (${factor}) is cited exactly when ${factor} decided the outcome`, () => {
      expect(pcam.length).toBeGreaterThan(50);
      for (const { factors, facts } of pcam) {
        const r = recommend(factors, facts);
        const decided = variants[factor].some((v) => recommend({ ...factors, [factor]: v }, facts).actions.join() !== r.actions.join());
        expect(clausesOf(r).includes(clauseOf[factor]), JSON.stringify(factors)).toBe(decided);
      }
    });
  }

  it('a label outcome cites the nudity and severity clauses that allow it', () => {
    const r = recommend({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'NEWSWORTHY' }, noFacts);
    expect(r.actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
    expect(clausesOf(r)).toEqual(expect.arrayContaining(['PCAM-2', 'PCAM-3', 'PCAM-4']));
  });

  it('altercation media cites the consideration that removed it, and only that', () => {
    const requested = recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false, reporterRelationConfirmed: true }, { ...noFacts, requestedByDepicted: true });
    expect(requested.actions).toEqual(['REMOVE_CONTENT']);
    expect(clausesOf(requested)).toContain('MPA-3');
    expect(clausesOf(requested)).not.toContain('MPA-4');
    const graphic = recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: true }, noFacts);
    expect(clausesOf(graphic)).toContain('MPA-4');
    expect(clausesOf(graphic)).not.toContain('MPA-3');
  });

  it('an adult-depicted case is out of scope and says so, citing why the policy does not apply', () => {
    const r = recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, noFacts);
    expect(r).toMatchObject({ inScope: false, actions: ['NO_ACTION'] });
    expect(clausesOf(r)).toEqual(['CS-3']);
  });
});

describe('the enforcement ladder is platform practice, apart from the policy text', () => {
  it('each step names the action it adds and the clause it builds on; none is quoted as policy text', () => {
    expect(Object.keys(ENFORCEMENT_LADDER).length).toBeGreaterThanOrEqual(3);
    for (const [id, step] of Object.entries(ENFORCEMENT_LADDER)) {
      expect(id in CLAUSES, id).toBe(false);
      expect(['SUSPEND_ACCOUNT', 'ACCOUNT_STRIKE', 'SENSITIVE_MEDIA_LABEL']).toContain(step.action);
      for (const clause of step.buildsOn) expect(Object.keys(CLAUSES)).toContain(clause);
      expect(policyText).not.toContain(step.practice);
    }
  });

  it('every suspension, strike and label in the decision table comes from a ladder step; removal never does', () => {
    for (const category of ['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION'] as const) {
      for (const { factors, facts } of factorSpace(category)) {
        const r = recommend(factors, facts);
        const fromLadder = new Set<EnforcementAction>(r.ladder.map((s) => s.action));
        for (const action of r.actions) {
          if (action === 'NO_ACTION' || action === 'REMOVE_CONTENT') expect(fromLadder.has(action)).toBe(false);
          else expect(fromLadder.has(action), `${action} in ${JSON.stringify(factors)}`).toBe(true);
        }
        expect([...fromLadder].every((a) => r.actions.includes(a))).toBe(true);
      }
    }
  });
});

describe('the ground of the decision actually taken', () => {
  it('the ground of a decision that follows the recommendation is the whole rationale', () => {
    const r = recommend(cse, noFacts);
    expect(decisionGround(r, r.actions).clauses.map((c) => c.clause)).toEqual(clausesOf(r));
  });

  it('a decision to take no action on exploitation cites none of the exploitation clauses', () => {
    const r = recommend(cse, noFacts);
    const ground = decisionGround(r, ['NO_ACTION']);
    expect(ground.clauses.map((c) => c.clause).filter((c) => c.startsWith('CSE'))).toEqual([]);
    expect(ground.ladder).toEqual([]);
  });

  it('a label instead of removal cites what supports the label, not the removal clauses', () => {
    const r = recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: false }, noFacts);
    expect(r.actions).toEqual(['REMOVE_CONTENT']);
    const ground = decisionGround(r, ['SENSITIVE_MEDIA_LABEL']);
    expect(ground.ladder).toEqual([]);
    expect(ground.clauses.map((c) => c.clause)).not.toContain('MPA-2');
  });
});

describe('two-person rule and outcomes that follow the decision', () => {
  const rCse = recommend(cse, noFacts);
  it('declining enforcement on exploitation (no action, or a label alone) needs a lead', () => {
    expect(escalationReason(rCse, ['NO_ACTION'])).toBe('DECLINED_ENFORCEMENT_ON_EXPLOITATION');
    expect(escalationReason(rCse, ['SENSITIVE_MEDIA_LABEL'])).toBe('DECLINED_ENFORCEMENT_ON_EXPLOITATION');
    expect(escalationReason(rCse, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'])).toBeNull();
    expect(escalationReason(rCse, ['REMOVE_CONTENT'])).toBeNull();
    expect(escalationReason(recommend(undetermined, noFacts), ['NO_ACTION'])).toBe('AGE_UNDETERMINED');
    const label = recommend({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false }, noFacts);
    expect(escalationReason(label, ['NO_ACTION'])).toBeNull();
  });

  it('the CyberTipline record and the hold follow a decision that removes exploitation, not the recommendation', () => {
    expect(decisionOutcome('CHILD_SEXUAL_EXPLOITATION', rCse, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'])).toMatchObject({ decidedAsExploitation: true, ncmecReportRequired: true, preserveEvidenceDays: 365 });
    expect(decisionOutcome('CHILD_SEXUAL_EXPLOITATION', rCse, ['NO_ACTION'])).toMatchObject({ decidedAsExploitation: false, ncmecReportRequired: false, preserveEvidenceDays: 0 });
    expect(decisionOutcome('CHILD_SEXUAL_EXPLOITATION', rCse, ['SENSITIVE_MEDIA_LABEL']).ncmecReportRequired).toBe(false);
  });

  it('removal on an escalated, age-undetermined exploitation case finds an apparent minor: record, hold and the CSE ground', () => {
    const r = recommend(undetermined, noFacts);
    expect(r.ncmecReportRequired).toBe(false);
    const outcome = decisionOutcome('CHILD_SEXUAL_EXPLOITATION', r, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
    expect(outcome).toMatchObject({ decidedAsExploitation: true, ncmecReportRequired: true, preserveEvidenceDays: 365 });
    expect(outcome.finding).toMatch(/apparent minor/);
    expect(outcome.ground.clauses.map((c) => c.clause)).toEqual(expect.arrayContaining(['CS-3', 'CSE-1']));
    expect(outcome.ground.ladder.map((s) => s.action)).toEqual(['SUSPEND_ACCOUNT']);
    expect(decisionOutcome('CHILD_SEXUAL_EXPLOITATION', r, ['NO_ACTION']).ncmecReportRequired).toBe(false);
    // Removal of escalated abuse media finds a minor too, but files nothing: only exploitation is reported.
    const pcam = decisionOutcome('PHYSICAL_CHILD_ABUSE_MEDIA', recommend({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'UNDETERMINED' }, noFacts), ['REMOVE_CONTENT']);
    expect(pcam.ncmecReportRequired).toBe(false);
  });
});

describe('statement of reasons', () => {
  const base = { category: 'CHILD_SEXUAL_EXPLOITATION' as const, reportCount: 2, firstReportedAt: new Date('2026-01-02T00:00:00Z'), knownHashMatch: false, policyVersion: 'v', appealableUntil: new Date('2026-07-02T00:00:00Z') };
  const statementFor = (factors: AssessmentFactors, actions: EnforcementAction[], justification: string | null = null) => {
    const r = recommend(factors, noFacts);
    const outcome = decisionOutcome(factors.category, r, actions);
    return decisionStatement({ ...base, category: factors.category, actions, recommendation: r, outcome, justification });
  };
  const fields = ['decision', 'facts', 'automatedMeans', 'ground', 'redress'] as const;

  it('no action on a case assessed as exploitation: no zero-tolerance text, and the decider\'s reasons as the ground', () => {
    const s = statementFor(cse, ['NO_ACTION'], 'placeholder justification');
    for (const f of fields) expect(s[f].length, f).toBeGreaterThan(10);
    expect(JSON.stringify(s)).not.toMatch(/zero tolerance/i);
    expect(s.decision).toMatch(/no action/i);
    expect(s.ground).toContain('placeholder justification');
    expect(s.facts).toMatch(/differs from .*recommend/i);
  });

  it('a decision that follows the recommendation cites its clauses and names the ladder as platform practice', () => {
    const s = statementFor(cse, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
    expect(s.ground).toContain(CLAUSES['CSE-1'].quote);
    expect(s.ground).toMatch(/platform.*practice/i);
    expect(s.ground).toContain(ENFORCEMENT_LADDER['LADDER-1'].practice);
    expect(s.decision).toMatch(/removed/);
    expect(s.decision).toMatch(/until|unless/i); // how long the measures last (Art. 17(3)(a))
    expect(s.facts).toMatch(/2 notices/);
  });

  it('a lead\'s removal on an escalated exploitation case states the finding it rests on', () => {
    const s = statementFor(undetermined, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], 'placeholder finding');
    expect(s.facts).toMatch(/apparent minor/);
    expect(s.ground).toContain(CLAUSES['CSE-1'].quote);
  });

  it('an adult-depicted case is closed as out of scope, with its own statement', () => {
    const s = statementFor({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, ['NO_ACTION']);
    expect(s.decision).toMatch(/closed/i);
    expect(s.decision).toMatch(/does not apply|out of scope/i);
    expect(JSON.stringify(s)).not.toMatch(/routed|elsewhere/i);
    expect(s.ground).toContain(CLAUSES['CS-3'].quote);
  });
});

describe('reporter guidance lives in the clauses', () => {
  const render = (quote: string) => quote.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
  it('after the acknowledgement, every sentence is a clause quoted from the policy', () => {
    for (const [category, risk] of [['CHILD_SEXUAL_EXPLOITATION', true], ['CHILD_SEXUAL_EXPLOITATION', false], ['MINOR_PHYSICAL_ALTERCATION', true]] as const) {
      const g = intakeGuidance(category, risk);
      expect(g.advice.length).toBeGreaterThan(0);
      for (const c of g.advice) {
        expect(policyText).toContain(c.quote);
        expect(g.message).toContain(render(c.quote));
      }
      const rest = g.advice.reduce((m, c) => m.replace(render(c.quote), ''), g.message);
      expect(rest.replace(/\s+\.?/g, ' ').trim()).toBe('Thank you. Your report has been received and will be reviewed by a specialist team.');
    }
  });
  it('the NCMEC phone number is the one the policy gives', () => {
    expect(CLAUSES['NCMEC-1'].quote).toContain(intakeGuidance('CHILD_SEXUAL_EXPLOITATION', false).ncmecPhone!);
  });
});
