// Properties that must hold for every input, checked with fast-check. Each property runs on valid cases built from
// the policy's own tables, so every generated case reaches its assertions; the count per property is asserted and
// printed after the file.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AGE_ASSESSMENTS,
  ASSESSMENT_FORM,
  CATEGORIES,
  ENFORCEMENT_ACTIONS,
  FACTOR_NAMES,
  HARM_SEVERITIES,
  InvalidAssessmentError,
  MEDIA_KINDS,
  NO_CASE_FACTS,
  NUDITY,
  SHARING_CONTEXTS,
  factorSpace,
  isMinor,
  recommend,
  validateAssessment,
  type AssessmentFactors,
  type CaseFacts,
  type EnforcementAction,
  type FactorName,
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

interface PolicyCase {
  factors: AssessmentFactors;
  facts: CaseFacts;
}
/** One key per case whatever the order of its fields (absent and undefined alike). */
const keyOf = ({ factors, facts }: PolicyCase) => JSON.stringify([factors, facts], (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/**
 * Every valid case, built from the policy's tables rather than guessed. Per category: each age the factor space uses
 * (src/policy/table.ts), crossed with each set of answers it uses (and none); each finding on immediate risk (true,
 * false, not assessed as null or absent) and on the reporter's relation; every combination of the case facts
 * (the keys of NO_CASE_FACTS); and questions left unanswered either absent, null, or — for yes/no questions
 * (ASSESSMENT_FORM offers only true/false) — false. The validator keeps what it accepts: its rules (a reporter's
 * risk flag must be confirmed or cleared, a relation may be confirmed only when a report claims one, promotion and
 * text need no age, …) shape the set without being repeated here. The reason that must accompany a cleared flag is
 * checked by the assessment service (src/services/assessments.ts), not by the policy, and does not appear here.
 */
function buildCases(): { valid: PolicyCase[]; rejected: PolicyCase[] } {
  const factKeys = Object.keys(NO_CASE_FACTS) as Array<keyof CaseFacts>;
  const factCombos: CaseFacts[] = factKeys.reduce<CaseFacts[]>(
    (combos, key) => combos.flatMap((c) => [{ ...c, [key]: false }, { ...c, [key]: true }]),
    [{ ...NO_CASE_FACTS }],
  );
  const yesNo = new Set<FactorName>(
    Object.values(ASSESSMENT_FORM).flatMap((form) => form.factors.filter((f) => f.values.every((v) => typeof v === 'boolean')).map((f) => f.name)),
  );
  const findings = [true, false, null, undefined] as const;
  const valid = new Map<string, PolicyCase>();
  const rejected = new Map<string, PolicyCase>();
  for (const category of CATEGORIES) {
    const rows = factorSpace(category);
    const asked = ASSESSMENT_FORM[category].factors.map((f) => f.name);
    const ages = [...new Set(rows.map((r) => r.factors.ageAssessment ?? null))];
    const answerSets = new Map<string, Partial<AssessmentFactors>>([['{}', {}]]);
    for (const row of rows) {
      const answers = Object.fromEntries(asked.filter((name) => row.factors[name] !== undefined).map((name) => [name, row.factors[name]]));
      answerSets.set(JSON.stringify(answers), answers);
    }
    for (const ageAssessment of ages)
      for (const answers of answerSets.values())
        for (const blank of ['absent', 'null', 'false'] as const)
          for (const childAtImmediateRisk of findings)
            for (const reporterRelationConfirmed of findings)
              for (const facts of factCombos) {
                const factors: AssessmentFactors = { category, ...answers };
                if (ageAssessment !== null) factors.ageAssessment = ageAssessment;
                else if (blank === 'null') factors.ageAssessment = null;
                for (const name of FACTOR_NAMES) {
                  if (name in factors) continue;
                  if (blank === 'null') factors[name] = null;
                  if (blank === 'false' && yesNo.has(name)) (factors as Record<FactorName, unknown>)[name] = false;
                }
                if (childAtImmediateRisk !== undefined) factors.childAtImmediateRisk = childAtImmediateRisk;
                if (reporterRelationConfirmed !== undefined) factors.reporterRelationConfirmed = reporterRelationConfirmed;
                const built = { factors, facts: { ...facts } };
                (validateAssessment(factors, facts).length === 0 ? valid : rejected).set(keyOf(built), built);
              }
  }
  return { valid: [...valid.values()], rejected: [...rejected.values()] };
}
const { valid: VALID, rejected: REJECTED } = buildCases();

/** Picks uniformly among the valid cases that satisfy `where`; the pool must be non-empty. */
function validArb(where: (c: PolicyCase) => boolean = () => true): fc.Arbitrary<PolicyCase> {
  const pool = VALID.filter(where);
  if (pool.length === 0) throw new Error('no valid case satisfies this property: the generator no longer covers it');
  return fc.nat({ max: pool.length - 1 }).map((i) => structuredClone(pool[i]!));
}

/**
 * Runs per property: 1,000 or 2,000 as written, capped by POLICY_PROPERTY_RUNS when it is set. Only the mutation
 * configuration sets it (vitest.mutation.config.ts), so that each mutant costs seconds; every generated case is
 * valid by construction, so each run still reaches its property's assertions.
 */
const RUN_CAP = Number(process.env.POLICY_PROPERTY_RUNS ?? Infinity);
if (!(RUN_CAP > 0)) throw new Error(`POLICY_PROPERTY_RUNS must be a positive number; got ${process.env.POLICY_PROPERTY_RUNS}`);
const runs = (n: number) => ({ numRuns: Math.min(n, RUN_CAP) });

/** How many generated cases reached each property's assertions, printed after the file and bounded below. */
const MIN_REACHED = Math.min(1000, RUN_CAP);
const reached = new Map<string, number>();
const count = (name: string) => reached.set(name, (reached.get(name) ?? 0) + 1);
const expectReached = (name: string) => expect(reached.get(name) ?? 0).toBeGreaterThanOrEqual(MIN_REACHED);
afterAll(() => {
  console.info(
    `policy properties: ${VALID.length} valid and ${REJECTED.length} rejected cases built; cases that reached the assertions: ${[...reached].map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
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
  expect(validateAssessment(factors, facts)).toEqual([]);
  return recommend(factors, facts);
}

/** The fields recommend names when it refuses the case (it must refuse it, with the typed error). */
function refusedFields(factors: AssessmentFactors, facts: CaseFacts): string[] {
  try {
    recommend(factors, facts);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAssessmentError);
    return (error as InvalidAssessmentError).errors.map((e) => e.field);
  }
  throw new Error(`accepted: ${JSON.stringify({ factors, facts })}`);
}

const strength = (actions: EnforcementAction[]) => Math.max(...actions.map((a) => ENFORCEMENT_ACTIONS.indexOf(a)));
const removes = (r: Recommendation) => r.actions.includes('REMOVE_CONTENT');
const minor = (f: AssessmentFactors) => !!f.ageAssessment && isMinor(f.ageAssessment);
/** Stated from the policy text, not from the code: exploitation is judged when a minor is assessed, when content promotes it, or when text is not about an adult. */
const cseInScope = (f: AssessmentFactors) => f.category === 'CHILD_SEXUAL_EXPLOITATION' && (minor(f) || f.promotesExploitation === true || (f.mediaKind === 'TEXT' && f.ageAssessment !== 'ADULT'));
/** In scope, by the same reading: a minor assessed, or exploitation judged without an age. */
const inScope = (f: AssessmentFactors) => minor(f) || cseInScope(f);

describe('policy properties', () => {
  it('the generator covers every category, every combination of case facts and every immediate-risk finding', () => {
    expect(VALID.length).toBeGreaterThan(5000);
    for (const category of CATEGORIES)
      for (const reported of [false, true])
        for (const claimed of [false, true])
          for (const finding of [true, false, null, undefined]) {
            const some = VALID.some(
              (c) => c.factors.category === category && c.facts.childAtImmediateRiskReported === reported && c.facts.requestedByDepicted === claimed && c.factors.childAtImmediateRisk === finding,
            );
            // A reported flag must be confirmed or cleared: "not assessed" is the only combination the validator refuses.
            expect([category, reported, claimed, finding, some]).toEqual([category, reported, claimed, finding, !(reported && (finding === null || finding === undefined))]);
          }
    // Every case factorSpace lists is valid and among the built ones.
    const keys = new Set(VALID.map(keyOf));
    const listed = CATEGORIES.flatMap((category) => factorSpace(category));
    expect(listed.filter((row) => !keys.has(keyOf(row)))).toEqual([]);
  });

  it('CSE in scope ⇒ remove + suspend + NCMEC + 365-day preservation, whatever else', () => {
    fc.assert(
      fc.property(validArb((c) => cseInScope(c.factors)), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('cse');
        expect(r).toMatchObject({ inScope: true, escalate: false });
        expect(r.actions).toEqual(expect.arrayContaining(['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']));
        expect(r.ncmecReportRequired).toBe(true);
        expect(r.preserveEvidenceDays).toBe(365);
      }),
      runs(2000),
    );
    expectReached('cse');
  });

  it('immediate risk ⇒ a law-enforcement referral, always', () => {
    // Assessed by the reviewer, whether or not a reporter flagged it: every category, age and answer.
    fc.assert(
      fc.property(validArb((c) => c.factors.childAtImmediateRisk === true), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('immediate-risk');
        expect(r.lawEnforcementReferralRequired).toBe(true);
        expect(r.rationale.map((c) => c.clause)).toContain('RISK-1');
      }),
      runs(2000),
    );
    expectReached('immediate-risk');
  });

  it('no immediate risk found ⇒ no referral, even when a reporter flagged it and the reviewer cleared it', () => {
    fc.assert(
      fc.property(validArb((c) => c.factors.childAtImmediateRisk !== true), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('no-risk');
        expect(r.lawEnforcementReferralRequired).toBe(false);
        expect(r.rationale.map((c) => c.clause)).not.toContain('RISK-1');
      }),
      runs(2000),
    );
    expectReached('no-risk');
    // The cleared flags alone, so that they are not a small share of the above.
    fc.assert(
      fc.property(validArb((c) => c.facts.childAtImmediateRiskReported && c.factors.childAtImmediateRisk === false), ({ factors, facts }) => {
        count('risk-cleared');
        expect(validCase(factors, facts).lawEnforcementReferralRequired).toBe(false);
      }),
      runs(1000),
    );
    expectReached('risk-cleared');
  });

  it("a reporter's immediate-risk flag left unanswered is refused, naming childAtImmediateRisk", () => {
    fc.assert(
      fc.property(validArb((c) => !c.facts.childAtImmediateRiskReported && c.factors.childAtImmediateRisk == null), ({ factors, facts }) => {
        validCase(factors, facts);
        count('risk-unanswered');
        expect(refusedFields(factors, { ...facts, childAtImmediateRiskReported: true })).toContain('childAtImmediateRisk');
      }),
      runs(1000),
    );
    expectReached('risk-unanswered');
  });

  it('a reporter relation confirmed where no report claims one is refused, naming reporterRelationConfirmed', () => {
    fc.assert(
      fc.property(validArb((c) => c.factors.reporterRelationConfirmed === true), ({ factors, facts }) => {
        validCase(factors, facts);
        count('relation-unclaimed');
        expect(refusedFields(factors, { ...facts, requestedByDepicted: false })).toContain('reporterRelationConfirmed');
      }),
      runs(1000),
    );
    expectReached('relation-unclaimed');
  });

  it('invalid or contradictory answers are refused with InvalidAssessmentError, never another error', () => {
    let refused = 0;
    fc.assert(
      fc.property(randomFactorsArb, randomFactsArb, (f, facts) => {
        count('random-input');
        if (tryRecommend(f, facts) === null) refused += 1;
      }),
      // Not capped: with fewer runs every random answer may be refused, and the check below needs both sides.
      { numRuns: 2000 },
    );
    // Most random answers are invalid: the check is exercised on both sides.
    expect(refused).toBeGreaterThan(500);
    expect(refused).toBeLessThan(2000);
    expectReached('random-input');
    // And every built case the validator rejects, each refused with the typed error naming a field.
    fc.assert(
      fc.property(fc.nat({ max: REJECTED.length - 1 }), (i) => {
        const { factors, facts } = REJECTED[i]!;
        count('rejected-built');
        expect(refusedFields(factors, facts).length).toBeGreaterThan(0);
      }),
      runs(2000),
    );
    expectReached('rejected-built');
  });

  it('every in-scope outcome cites a clause quoted verbatim from the policy text', () => {
    fc.assert(
      fc.property(validArb((c) => inScope(c.factors)), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('clauses');
        expect(r).toMatchObject({ inScope: true, escalate: false });
        expect(r.rationale.length).toBeGreaterThan(0);
        for (const c of r.rationale) expect(policyText).toContain(c.quote);
      }),
      runs(2000),
    );
    expectReached('clauses');
  });

  it('an adult depicted ⇒ out of scope, nothing enforced under this policy (promotion of exploitation aside)', () => {
    fc.assert(
      fc.property(validArb((c) => c.factors.ageAssessment === 'ADULT' && c.factors.promotesExploitation !== true), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('adult');
        expect(r).toMatchObject({ inScope: false, escalate: false, actions: ['NO_ACTION'], ncmecReportRequired: false, preserveEvidenceDays: 0 });
        for (const c of r.rationale) expect(policyText).toContain(c.quote);
      }),
      runs(1000),
    );
    expectReached('adult');
  });

  it('an undetermined age in a depiction ⇒ escalated to a lead, nothing enforced meanwhile', () => {
    const depiction = (f: AssessmentFactors) => f.promotesExploitation !== true && f.mediaKind !== 'TEXT';
    fc.assert(
      fc.property(validArb((c) => c.factors.ageAssessment === 'UNDETERMINED' && depiction(c.factors)), ({ factors, facts }) => {
        const r = validCase(factors, facts);
        count('undetermined');
        expect(r).toMatchObject({ inScope: true, escalate: true, actions: ['NO_ACTION'], ncmecReportRequired: false, preserveEvidenceDays: 0 });
      }),
      runs(1000),
    );
    expectReached('undetermined');
  });

  it('raising severity or adding nudity never yields a weaker action', () => {
    const severityUp = fc.constantFrom(['LOW', 'MODERATE'], ['LOW', 'SEVERE'], ['MODERATE', 'SEVERE']) as fc.Arbitrary<['LOW' | 'MODERATE', 'MODERATE' | 'SEVERE']>;
    const nudityUp = fc.constantFrom(['FULLY_CLOTHED', 'PARTIALLY_CLOTHED'], ['FULLY_CLOTHED', 'NUDE'], ['PARTIALLY_CLOTHED', 'NUDE']) as fc.Arbitrary<['FULLY_CLOTHED' | 'PARTIALLY_CLOTHED', 'PARTIALLY_CLOTHED' | 'NUDE']>;
    // Any valid physical-abuse case with a minor assessed: every nudity, severity, context, risk finding and fact.
    const base = validArb((c) => c.factors.category === 'PHYSICAL_CHILD_ABUSE_MEDIA' && minor(c.factors));
    fc.assert(
      fc.property(base, severityUp, nudityUp, ({ factors, facts }, [s0, s1], [n0, n1]) => {
        const lowSev = validCase({ ...factors, severity: s0 }, facts);
        const highSev = validCase({ ...factors, severity: s1 }, facts);
        count('monotonic');
        expect(strength(highSev.actions)).toBeGreaterThanOrEqual(strength(lowSev.actions));
        if (removes(lowSev)) expect(removes(highSev)).toBe(true);
        const lessNude = validCase({ ...factors, nudity: n0 }, facts);
        const moreNude = validCase({ ...factors, nudity: n1 }, facts);
        expect(strength(moreNude.actions)).toBeGreaterThanOrEqual(strength(lessNude.actions));
        if (removes(lessNude)) expect(removes(moreNude)).toBe(true);
      }),
      runs(1000),
    );
    expectReached('monotonic');
  });

  it('an unconfirmed claim to be the depicted minor changes nothing a bystander report would not', () => {
    // Any valid case; the claim is made on the case and either left unconfirmed or not answered.
    fc.assert(
      fc.property(validArb(), fc.constantFrom(false, null, undefined), ({ factors, facts }, unconfirmed) => {
        const { reporterRelationConfirmed: _answer, ...rest } = factors;
        const claimed = validCase(unconfirmed === undefined ? rest : { ...rest, reporterRelationConfirmed: unconfirmed }, { ...facts, requestedByDepicted: true });
        const bystander = validCase(rest, { ...facts, requestedByDepicted: false });
        count('unconfirmed-claim');
        expect(JSON.stringify(claimed)).toBe(JSON.stringify(bystander));
      }),
      runs(2000),
    );
    expectReached('unconfirmed-claim');
  });

  it('same input ⇒ same output', () => {
    fc.assert(
      fc.property(validArb(), ({ factors, facts }) => {
        count('deterministic');
        expect(JSON.stringify(validCase(structuredClone(factors), { ...facts }))).toBe(JSON.stringify(recommend(factors, facts)));
      }),
      runs(1000),
    );
    expectReached('deterministic');
  });

  it('intent never softens a CSE outcome: every context and flag gives the same actions', () => {
    const outcomes = new Set<string>();
    for (const mediaKind of MEDIA_KINDS)
      for (const promotesExploitation of [false, true])
        outcomes.add(recommend({ category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind, promotesExploitation }, { requestedByDepicted: true, childAtImmediateRiskReported: false }).actions.join());
    expect([...outcomes]).toEqual(['REMOVE_CONTENT,SUSPEND_ACCOUNT']);
  });
});
