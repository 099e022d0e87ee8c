// The design card's matrix, cell by cell, over the whole factor space of each category. The oracle below is written
// from DESIGN.md's table, independently of src/policy/recommend.ts.
import { describe, expect, it } from 'vitest';
import {
  ASSESSMENT_FORM,
  CATEGORIES,
  HARM_SEVERITIES,
  InvalidAssessmentError,
  MEDIA_KINDS,
  NUDITY,
  SHARING_CONTEXTS,
  validateAssessment,
  type FactorName,
  factorSpace,
  recommend,
  type AssessmentFactors,
  type CaseFacts,
  type EnforcementAction,
} from '../../src/policy/index.js';

function oracle(f: AssessmentFactors, facts: CaseFacts) {
  // Only the reviewer's finding counts: a reporter's flag must be confirmed (or cleared) by the assessment.
  const risk = f.childAtImmediateRisk === true;
  const minor = f.ageAssessment === 'CONFIRMED_MINOR' || f.ageAssessment === 'APPARENT_MINOR';
  // Promotion, and exploitation in text, need no age: promotion stands whoever is depicted; text about an adult does not.
  const cse = f.category === 'CHILD_SEXUAL_EXPLOITATION';
  const ageFree = cse && (f.promotesExploitation === true || (f.mediaKind === 'TEXT' && f.ageAssessment !== 'ADULT'));
  if (!minor && !ageFree) {
    if (f.ageAssessment === 'ADULT') return { inScope: false, escalate: false, actions: ['NO_ACTION'], ncmec: false, risk };
    return { inScope: true, escalate: true, actions: ['NO_ACTION'], ncmec: false, risk };
  }
  let actions: EnforcementAction[] = [];
  let ncmec = false;
  if (cse) {
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
    // A report from the minor or a representative counts once the reviewer has confirmed the relation.
    const requested = facts.requestedByDepicted && f.reporterRelationConfirmed === true;
    const remove = requested || f.context === 'ABUSIVE' || f.excessivelyGraphic === true;
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

  const altercation = { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false } as const;

  it('a reported immediate risk must be confirmed or cleared; only a confirmed one adds a referral', () => {
    const reported = { requestedByDepicted: false, childAtImmediateRiskReported: true };
    expect(() => recommend(altercation, reported)).toThrow(/confirm it \(true\) or clear it/);
    const cleared = recommend({ ...altercation, childAtImmediateRisk: false }, reported);
    expect(cleared.lawEnforcementReferralRequired).toBe(false);
    expect(cleared.rationale.map((c) => c.clause)).not.toContain('RISK-1');
    const confirmed = recommend({ ...altercation, childAtImmediateRisk: true }, reported);
    expect(confirmed.lawEnforcementReferralRequired).toBe(true);
    expect(confirmed.rationale.map((c) => c.clause)).toContain('RISK-1');
  });

  it('a claimed relation to the depicted minor forces removal only once confirmed', () => {
    const claimed = { requestedByDepicted: true, childAtImmediateRiskReported: false };
    expect(recommend(altercation, claimed).actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
    expect(recommend({ ...altercation, reporterRelationConfirmed: false }, claimed).actions).toEqual(['SENSITIVE_MEDIA_LABEL']);
    const confirmed = recommend({ ...altercation, reporterRelationConfirmed: true }, claimed);
    expect(confirmed.actions).toEqual(['REMOVE_CONTENT']);
    expect(confirmed.rationale.map((c) => c.clause)).toContain('MPA-3');
  });

  it('promotion, and exploitation in text, are judged without an age; depictions are not', () => {
    const none = { requestedByDepicted: false, childAtImmediateRiskReported: false };
    for (const f of [{ promotesExploitation: true }, { mediaKind: 'TEXT' as const }, { mediaKind: 'REAL' as const, promotesExploitation: true, ageAssessment: 'UNDETERMINED' as const }]) {
      const r = recommend({ category: 'CHILD_SEXUAL_EXPLOITATION', ...f }, none);
      expect(r, JSON.stringify(f)).toMatchObject({ inScope: true, escalate: false, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'], ncmecReportRequired: true });
      expect(r.rationale.map((c) => c.clause)).not.toContain('CS-3');
    }
    expect(recommend({ category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'ADULT', mediaKind: 'TEXT' }, none).inScope).toBe(false);
    expect(() => recommend({ category: 'CHILD_SEXUAL_EXPLOITATION', mediaKind: 'ILLUSTRATED' }, none)).toThrow(/ageAssessment is required for a depiction/);
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
  it('a relation is confirmed only where a report claims one', () => {
    expect(fails({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: false, reporterRelationConfirmed: true })).toEqual(['reporterRelationConfirmed']);
  });
  it('an age is required for every depiction', () => {
    expect(fails({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', nudity: 'NUDE', severity: 'LOW', context: 'ABUSIVE' })).toEqual(['ageAssessment']);
    expect(fails({ category: 'CHILD_SEXUAL_EXPLOITATION', mediaKind: 'REAL' })).toEqual(['ageAssessment']);
  });
  it('newsworthy is not a context the altercation clause weighs', () => {
    expect(fails({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NEWSWORTHY', excessivelyGraphic: false })).toEqual(['context']);
  });
  it('an adult or undetermined age needs no further factors', () => {
    expect(recommend({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'ADULT' }, facts).inScope).toBe(false);
    expect(recommend({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', ageAssessment: 'UNDETERMINED' }, facts).escalate).toBe(true);
  });
});

describe('the assessment form is the validator', () => {
  it('every value the form offers for a factor is accepted, and nothing else is', () => {
    for (const category of CATEGORIES) {
      const form = ASSESSMENT_FORM[category];
      const all: Record<FactorName, readonly unknown[]> = {
        mediaKind: MEDIA_KINDS,
        promotesExploitation: [true, false],
        nudity: NUDITY,
        severity: HARM_SEVERITIES,
        context: SHARING_CONTEXTS,
        excessivelyGraphic: [true, false],
      };
      for (const spec of form.factors) {
        for (const value of all[spec.name]) {
          // Every other factor gets the first value the form offers for it.
          const others = Object.fromEntries(form.factors.filter((o) => o.name !== spec.name).map((o) => [o.name, o.values[0]]));
          const errors = validateAssessment({ category, ageAssessment: 'CONFIRMED_MINOR', ...others, [spec.name]: value } as AssessmentFactors);
          expect(errors.length === 0, `${category} ${spec.name}=${String(value)}`).toBe(spec.values.includes(value as never));
        }
      }
    }
  });
});
