// Properties that must hold for every input, checked with fast-check.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AGE_ASSESSMENTS,
  CATEGORIES,
  ENFORCEMENT_ACTIONS,
  HARM_SEVERITIES,
  InvalidAssessmentError,
  MEDIA_KINDS,
  NUDITY,
  SHARING_CONTEXTS,
  recommend,
  type AssessmentFactors,
  type EnforcementAction,
  type Recommendation,
} from '../../src/policy/index.js';

const policyText = readFileSync(new URL('../../src/policy/child-safety-policy.txt', import.meta.url), 'utf8');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const factorsArb: fc.Arbitrary<AssessmentFactors> = fc.record({
  category: fc.constantFrom(...CATEGORIES),
  ageAssessment: maybe(fc.constantFrom(...AGE_ASSESSMENTS)),
  mediaKind: maybe(fc.constantFrom(...MEDIA_KINDS)),
  promotesExploitation: maybe(fc.boolean()),
  nudity: maybe(fc.constantFrom(...NUDITY)),
  severity: maybe(fc.constantFrom(...HARM_SEVERITIES)),
  context: maybe(fc.constantFrom(...SHARING_CONTEXTS)),
  excessivelyGraphic: maybe(fc.boolean()),
  childAtImmediateRisk: maybe(fc.boolean()),
  reporterRelationConfirmed: maybe(fc.boolean()),
});
const factsArb = fc.record({ requestedByDepicted: fc.boolean(), childAtImmediateRiskReported: fc.boolean() });

/** The recommendation, or null when the input is rejected as invalid (only that error is acceptable). */
function tryRecommend(f: AssessmentFactors, facts: { requestedByDepicted: boolean; childAtImmediateRiskReported: boolean }) {
  try {
    return recommend(f, facts);
  } catch (error) {
    if (!(error instanceof InvalidAssessmentError)) throw error;
    return null;
  }
}

const strength = (actions: EnforcementAction[]) => Math.max(...actions.map((a) => ENFORCEMENT_ACTIONS.indexOf(a)));
const removes = (r: Recommendation) => r.actions.includes('REMOVE_CONTENT');

describe('policy properties', () => {
  it('CSE in scope ⇒ remove + suspend + NCMEC + 365-day preservation, whatever else', () => {
    fc.assert(
      fc.property(factorsArb, factsArb, (f, facts) => {
        const r = tryRecommend({ ...f, category: 'CHILD_SEXUAL_EXPLOITATION', nudity: undefined, severity: undefined, context: undefined, excessivelyGraphic: undefined }, facts);
        if (!r || !r.inScope || r.escalate) return;
        expect(r.actions).toEqual(expect.arrayContaining(['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']));
        expect(r.ncmecReportRequired).toBe(true);
        expect(r.preserveEvidenceDays).toBe(365);
      }),
      { numRuns: 2000 },
    );
  });

  it('immediate risk ⇒ a law-enforcement referral, always', () => {
    fc.assert(
      fc.property(factorsArb, factsArb, (f, facts) => {
        const r = tryRecommend({ ...f, childAtImmediateRisk: true }, facts);
        if (r) expect(r.lawEnforcementReferralRequired).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('every in-scope outcome cites a clause quoted verbatim from the policy text', () => {
    fc.assert(
      fc.property(factorsArb, factsArb, (f, facts) => {
        const r = tryRecommend(f, facts);
        if (!r || !r.inScope) return;
        expect(r.rationale.length).toBeGreaterThan(0);
        for (const c of r.rationale) expect(policyText).toContain(c.quote);
      }),
      { numRuns: 2000 },
    );
  });

  it('raising severity or adding nudity never yields a weaker action', () => {
    const severityUp = fc.constantFrom(['LOW', 'MODERATE'], ['LOW', 'SEVERE'], ['MODERATE', 'SEVERE']) as fc.Arbitrary<['LOW' | 'MODERATE', 'MODERATE' | 'SEVERE']>;
    const nudityUp = fc.constantFrom(['FULLY_CLOTHED', 'PARTIALLY_CLOTHED'], ['FULLY_CLOTHED', 'NUDE'], ['PARTIALLY_CLOTHED', 'NUDE']) as fc.Arbitrary<['FULLY_CLOTHED' | 'PARTIALLY_CLOTHED', 'PARTIALLY_CLOTHED' | 'NUDE']>;
    fc.assert(
      fc.property(
        fc.constantFrom('CONFIRMED_MINOR', 'APPARENT_MINOR' as const),
        fc.constantFrom(...NUDITY),
        fc.constantFrom(...HARM_SEVERITIES),
        fc.constantFrom(...SHARING_CONTEXTS),
        severityUp,
        nudityUp,
        (ageAssessment, nudity, severity, context, [s0, s1], [n0, n1]) => {
          const facts = { requestedByDepicted: false, childAtImmediateRiskReported: false };
          const base = { category: 'PHYSICAL_CHILD_ABUSE_MEDIA' as const, ageAssessment, context };
          const lowSev = recommend({ ...base, nudity, severity: s0 }, facts);
          const highSev = recommend({ ...base, nudity, severity: s1 }, facts);
          expect(strength(highSev.actions)).toBeGreaterThanOrEqual(strength(lowSev.actions));
          if (removes(lowSev)) expect(removes(highSev)).toBe(true);
          const lessNude = recommend({ ...base, nudity: n0, severity }, facts);
          const moreNude = recommend({ ...base, nudity: n1, severity }, facts);
          expect(strength(moreNude.actions)).toBeGreaterThanOrEqual(strength(lessNude.actions));
          if (removes(lessNude)) expect(removes(moreNude)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an unconfirmed claim to be the depicted minor changes nothing a bystander report would not', () => {
    fc.assert(
      fc.property(factorsArb, (f) => {
        const unconfirmed = { ...f, reporterRelationConfirmed: false };
        const claimed = tryRecommend(unconfirmed, { requestedByDepicted: true, childAtImmediateRiskReported: false });
        const bystander = tryRecommend({ ...f, reporterRelationConfirmed: undefined }, { requestedByDepicted: false, childAtImmediateRiskReported: false });
        expect(JSON.stringify(claimed)).toBe(JSON.stringify(bystander));
      }),
      { numRuns: 2000 },
    );
  });

  it('same input ⇒ same output', () => {
    fc.assert(
      fc.property(factorsArb, factsArb, (f, facts) => {
        expect(JSON.stringify(tryRecommend(structuredClone(f), { ...facts }))).toBe(JSON.stringify(tryRecommend(f, facts)));
      }),
      { numRuns: 1000 },
    );
  });

  it('intent never softens a CSE outcome: every context and flag gives the same actions', () => {
    const outcomes = new Set<string>();
    for (const mediaKind of MEDIA_KINDS)
      for (const promotesExploitation of [false, true])
        outcomes.add(recommend({ category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind, promotesExploitation }, { requestedByDepicted: true, childAtImmediateRiskReported: false }).actions.join());
    expect([...outcomes]).toEqual(['REMOVE_CONTENT,SUSPEND_ACCOUNT']);
  });
});
