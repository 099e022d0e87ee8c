// Properties that must hold for every input, checked with fast-check.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
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
  factorSpace,
  isMinor,
  recommend,
  validateAssessment,
  type AssessmentFactors,
  type CaseFacts,
  type Category,
  type EnforcementAction,
  type Recommendation,
} from '../../src/policy/index.js';

const policyText = readFileSync(new URL('../../src/policy/child-safety-policy.txt', import.meta.url), 'utf8');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

// Random answers, mostly invalid: only for checking that invalid input is refused with the typed error.
const randomFactorsArb: fc.Arbitrary<AssessmentFactors> = fc.record({
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
const randomFactsArb = fc.record({ requestedByDepicted: fc.boolean(), childAtImmediateRiskReported: fc.boolean() });

/**
 * Valid assessments by construction: a row of the policy's own factor space (src/policy/table.ts, every valid
 * combination of the answers each category asks), with the facts a case may carry, and with questions the category
 * does not ask either left out, answered null ("not assessed") or, for yes/no questions, answered false.
 */
const FALSE_ELSEWHERE = ['promotesExploitation', 'excessivelyGraphic'] as const;
const UNASKED = ['mediaKind', 'promotesExploitation', 'nudity', 'severity', 'context', 'excessivelyGraphic'] as const;
function validArb(rows: Array<{ factors: AssessmentFactors; facts: CaseFacts }>): fc.Arbitrary<{ factors: AssessmentFactors; facts: CaseFacts }> {
  return fc
    .record({
      row: fc.constantFrom(...rows),
      riskReported: fc.boolean(),
      requested: fc.boolean(),
      unasked: fc.constantFrom('absent', 'null', 'false'),
      riskAsNull: fc.boolean(),
    })
    .map(({ row, riskReported, requested, unasked, riskAsNull }) => {
      const factors: AssessmentFactors = { ...row.factors };
      for (const field of UNASKED) {
        if (field in factors) continue;
        if (unasked === 'null') factors[field] = null;
        if (unasked === 'false' && (FALSE_ELSEWHERE as readonly string[]).includes(field)) (factors as unknown as Record<string, unknown>)[field] = false;
      }
      if (riskAsNull && factors.childAtImmediateRisk === false) factors.childAtImmediateRisk = null;
      // Whether the depicted person asked for removal is a fact of the case; the factor space varies it where it
      // matters (altercations), and any case may carry it.
      const facts: CaseFacts = {
        requestedByDepicted: factors.category === 'MINOR_PHYSICAL_ALTERCATION' ? row.facts.requestedByDepicted : requested,
        childAtImmediateRiskReported: riskReported,
      };
      return { factors, facts };
    });
}
const ALL_ROWS = CATEGORIES.flatMap((c) => factorSpace(c));
const rowsOf = (category: Category) => factorSpace(category);

/** How many generated cases reached each property's assertions, reported after the file. */
const reached = new Map<string, number>();
const count = (name: string) => reached.set(name, (reached.get(name) ?? 0) + 1);
afterAll(() => {
  console.info(`policy properties, cases that reached the assertions: ${[...reached].map(([k, v]) => `${k} ${v}`).join(', ')}`);
});

/** The recommendation, or null when the input is rejected as invalid (only that error is acceptable). */
function tryRecommend(f: AssessmentFactors, facts: CaseFacts) {
  try {
    return recommend(f, facts);
  } catch (error) {
    if (!(error instanceof InvalidAssessmentError)) throw error;
    return null;
  }
}

/** A generated valid case: validation finds nothing wrong, and recommend does not throw. */
function validCase(factors: AssessmentFactors, facts: CaseFacts) {
  expect(validateAssessment(factors)).toEqual([]);
  return recommend(factors, facts);
}

const strength = (actions: EnforcementAction[]) => Math.max(...actions.map((a) => ENFORCEMENT_ACTIONS.indexOf(a)));
const removes = (r: Recommendation) => r.actions.includes('REMOVE_CONTENT');

describe('policy properties', () => {
  it('CSE in scope ⇒ remove + suspend + NCMEC + 365-day preservation, whatever else', () => {
    const minors = rowsOf('CHILD_SEXUAL_EXPLOITATION').filter((row) => isMinor(row.factors.ageAssessment));
    fc.assert(
      fc.property(validArb(minors), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('cse');
        expect(r).toMatchObject({ inScope: true, escalate: false });
        expect(r.actions).toEqual(expect.arrayContaining(['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']));
        expect(r.ncmecReportRequired).toBe(true);
        expect(r.preserveEvidenceDays).toBe(365);
      }),
      { numRuns: 2000 },
    );
    expect(reached.get('cse')).toBe(2000);
  });

  it('immediate risk ⇒ a law-enforcement referral, always', () => {
    // Risk assessed by the reviewer, or reported by someone: every category, age and answer.
    const arb = validArb(ALL_ROWS).chain((c) =>
      fc.constantFrom<[boolean, boolean]>([true, false], [false, true], [true, true]).map(([assessed, reported]) => ({
        factors: { ...c.factors, childAtImmediateRisk: assessed ? true : c.factors.childAtImmediateRisk },
        facts: { ...c.facts, childAtImmediateRiskReported: reported || c.facts.childAtImmediateRiskReported },
      })),
    );
    fc.assert(
      fc.property(arb, ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('immediate-risk');
        expect(r.lawEnforcementReferralRequired).toBe(true);
        expect(r.rationale.map((c) => c.clause)).toContain('RISK-1');
      }),
      { numRuns: 2000 },
    );
    expect(reached.get('immediate-risk')).toBe(2000);
  });

  it('no risk assessed or reported ⇒ no referral', () => {
    const arb = validArb(ALL_ROWS.filter((row) => row.factors.childAtImmediateRisk !== true)).map((c) => ({ ...c, facts: { ...c.facts, childAtImmediateRiskReported: false } }));
    fc.assert(
      fc.property(arb, ({ factors, facts }) => {
        count('no-risk');
        expect(validCase(factors, facts).lawEnforcementReferralRequired).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(reached.get('no-risk')).toBe(2000);
  });

  it('invalid or contradictory answers are refused with InvalidAssessmentError, never another error', () => {
    let refused = 0;
    fc.assert(
      fc.property(randomFactorsArb, randomFactsArb, (f, facts) => {
        count('random-input');
        if (tryRecommend(f, facts) === null) refused += 1;
      }),
      { numRuns: 2000 },
    );
    // Most random answers are invalid: the check is exercised on both sides.
    expect(refused).toBeGreaterThan(500);
    expect(refused).toBeLessThan(2000);
  });

  it('every in-scope outcome cites a clause quoted verbatim from the policy text', () => {
    const inScope = ALL_ROWS.filter((row) => row.factors.ageAssessment !== 'ADULT');
    fc.assert(
      fc.property(validArb(inScope), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('clauses');
        expect(r.inScope).toBe(true);
        expect(r.rationale.length).toBeGreaterThan(0);
        for (const c of r.rationale) expect(policyText).toContain(c.quote);
      }),
      { numRuns: 2000 },
    );
    expect(reached.get('clauses')).toBe(2000);
  });

  it('an adult depicted ⇒ out of scope, nothing enforced under this policy', () => {
    const adults = ALL_ROWS.filter((row) => row.factors.ageAssessment === 'ADULT');
    fc.assert(
      fc.property(validArb(adults), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('adult');
        expect(r).toMatchObject({ inScope: false, escalate: false, actions: ['NO_ACTION'], ncmecReportRequired: false, preserveEvidenceDays: 0 });
      }),
      { numRuns: 1000 },
    );
    expect(reached.get('adult')).toBe(1000);
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
          count('monotonic');
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
    expect(reached.get('monotonic')).toBe(1000);
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
      fc.property(validArb(ALL_ROWS), ({ factors, facts }) => {
        count('deterministic');
        expect(JSON.stringify(validCase(structuredClone(factors), { ...facts }))).toBe(JSON.stringify(recommend(factors, facts)));
      }),
      { numRuns: 1000 },
    );
    expect(reached.get('deterministic')).toBe(1000);
  });

  it('intent never softens a CSE outcome: every context and flag gives the same actions', () => {
    const outcomes = new Set<string>();
    for (const mediaKind of MEDIA_KINDS)
      for (const promotesExploitation of [false, true])
        outcomes.add(recommend({ category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind, promotesExploitation }, { requestedByDepicted: true, childAtImmediateRiskReported: false }).actions.join());
    expect([...outcomes]).toEqual(['REMOVE_CONTENT,SUSPEND_ACCOUNT']);
  });
});
