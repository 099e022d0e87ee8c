// The design card's matrix, cell by cell, over the whole factor space of each category. The oracle below is written
// from DESIGN.md's table, independently of src/policy/recommend.ts.
import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  InvalidAssessmentError,
  factorSpace,
  recommend,
  type AssessmentFactors,
  type CaseFacts,
  type EnforcementAction,
} from '../../src/policy/index.js';

function oracle(f: AssessmentFactors, facts: CaseFacts) {
  const risk = f.childAtImmediateRisk === true || facts.childAtImmediateRiskReported;
  if (f.ageAssessment === 'ADULT') return { inScope: false, escalate: false, actions: ['NO_ACTION'], ncmec: false, risk };
  if (f.ageAssessment === 'UNDETERMINED') return { inScope: true, escalate: true, actions: ['NO_ACTION'], ncmec: false, risk };
  let actions: EnforcementAction[] = [];
  let ncmec = false;
  if (f.category === 'CHILD_SEXUAL_EXPLOITATION') {
    actions = ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'];
    ncmec = true;
  } else if (f.category === 'PHYSICAL_CHILD_ABUSE_MEDIA') {
    // Rows of the table; a case matching several rows gets every action they name.
    const rows: Array<[boolean, EnforcementAction[]]> = [
      [f.nudity === 'NUDE' || f.nudity === 'PARTIALLY_CLOTHED', ['REMOVE_CONTENT']],
      [f.context === 'ABUSIVE', ['REMOVE_CONTENT', 'ACCOUNT_STRIKE']],
      [f.context === 'NON_ABUSIVE', ['REMOVE_CONTENT']],
      [f.context === 'NEWSWORTHY' && f.nudity === 'FULLY_CLOTHED' && (f.severity === 'LOW' || f.severity === 'MODERATE'), ['SENSITIVE_MEDIA_LABEL']],
      [f.context === 'NEWSWORTHY' && f.severity === 'SEVERE', ['REMOVE_CONTENT']],
    ];
    actions = [...new Set(rows.filter(([applies]) => applies).flatMap(([, a]) => a))];
  } else {
    const remove = facts.requestedByDepicted || f.context === 'ABUSIVE' || f.excessivelyGraphic === true;
    actions = [remove ? 'REMOVE_CONTENT' : 'SENSITIVE_MEDIA_LABEL'];
  }
  return { inScope: true, escalate: false, actions, ncmec, risk };
}

describe('decision matrix, every combination', () => {
  for (const category of CATEGORIES) {
    const space = factorSpace(category);
    it(`${category}: ${space.length} combinations match the design table`, () => {
      expect(space.length).toBeGreaterThan(7);
      for (const { factors, facts } of space) {
        const want = oracle(factors, facts);
        const got = recommend(factors, facts);
        const label = JSON.stringify({ factors, facts });
        expect(got.inScope, label).toBe(want.inScope);
        expect(got.escalate, label).toBe(want.escalate);
        expect([...got.actions].sort(), label).toEqual([...want.actions].sort());
        expect(got.ncmecReportRequired, label).toBe(want.ncmec);
        expect(got.preserveEvidenceDays, label).toBe(want.ncmec ? 365 : 0);
        expect(got.lawEnforcementReferralRequired, label).toBe(want.risk);
      }
    });
  }

  it('PCAM label cell: newsworthy, fully clothed, moderate harm is kept behind a label', () => {
    const r = recommend(
      { category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'APPARENT_MINOR', nudity: 'FULLY_CLOTHED', severity: 'MODERATE', context: 'NEWSWORTHY' },
      { requestedByDepicted: false, childAtImmediateRiskReported: false },
    );
    expect(r.actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
  });

  it('an immediate risk reported at intake adds a referral even when the assessment is silent', () => {
    const r = recommend(
      { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false },
      { requestedByDepicted: false, childAtImmediateRiskReported: true },
    );
    expect(r.lawEnforcementReferralRequired).toBe(true);
    expect(r.rationale.map((c) => c.clause)).toContain('RISK-1');
  });
});

describe('assessment validation names the field', () => {
  const facts = { requestedByDepicted: false, childAtImmediateRiskReported: false };
  const fails = (f: AssessmentFactors): string[] => {
    try {
      recommend(f, facts);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidAssessmentError);
      return (error as InvalidAssessmentError).errors.map((e) => e.field);
    }
    throw new Error('expected a validation error');
  };
  it('nudity is required for physical child abuse media', () => {
    expect(fails({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', severity: 'LOW', context: 'ABUSIVE' })).toEqual(['nudity']);
  });
  it('exploitation needs a media kind unless the content promotes exploitation', () => {
    expect(fails({ category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR' })).toEqual(['mediaKind']);
  });
  it('factors of another category are contradictions', () => {
    expect(fails({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: false, nudity: 'NUDE' })).toEqual(['nudity']);
    expect(fails({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'CONFIRMED_MINOR', nudity: 'NUDE', severity: 'LOW', context: 'ABUSIVE', promotesExploitation: true })).toEqual(['promotesExploitation']);
  });
  it('newsworthy is not a context the altercation clause weighs', () => {
    expect(fails({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NEWSWORTHY', excessivelyGraphic: false })).toEqual(['context']);
  });
  it('an adult or undetermined age needs no further factors', () => {
    expect(recommend({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'ADULT' }, facts).inScope).toBe(false);
    expect(recommend({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'UNDETERMINED' }, facts).escalate).toBe(true);
  });
});
