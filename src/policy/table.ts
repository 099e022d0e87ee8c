// The full decision table: every combination of every factor the assessment form offers (ASSESSMENT_FORM), as
// `recommend` computes it. It documents the module (src/policy/README.md is generated from it) and fingerprints the
// matrix so a change cannot ship under an old version.
import { recommend, type Recommendation } from './recommend.js';
import {
  ASSESSMENT_FORM,
  judgedOnFactors,
  validateAssessment,
  type AssessmentFactors,
  type CaseFacts,
  type FactorValue,
} from './assessment.js';
import { AGE_ASSESSMENTS, CATEGORIES, isMinor, type AgeAssessment, type Category } from './vocabulary.js';

export interface TableRow {
  factors: AssessmentFactors;
  facts: CaseFacts;
  recommendation: Recommendation;
}

const BOOLS = [false, true] as const;

/** Every combination of the category's factors: each offered value, and "not answered" for an optional one. */
function factorCombinations(category: Category): Array<Partial<AssessmentFactors>> {
  let combos: Array<Partial<AssessmentFactors>> = [{}];
  for (const spec of ASSESSMENT_FORM[category].factors) {
    const values: Array<FactorValue | null> = spec.required ? [...spec.values] : [...spec.values, null];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [spec.name]: v })));
  }
  return combos;
}

const NO_CLAIM: CaseFacts = { requestedByDepicted: false, childAtImmediateRiskReported: false };

/** Every valid assessment of a category: the whole factor space, not samples. */
export function factorSpace(category: Category): Array<{ factors: AssessmentFactors; facts: CaseFacts }> {
  const out: Array<{ factors: AssessmentFactors; facts: CaseFacts }> = [];
  const form = ASSESSMENT_FORM[category];
  const ages: Array<AgeAssessment | null> = [...AGE_ASSESSMENTS, ...(form.age === 'DEPICTIONS' ? [null] : [])];
  for (const ageAssessment of ages) {
    for (const childAtImmediateRisk of BOOLS) {
      const base: AssessmentFactors = { category, ...(ageAssessment ? { ageAssessment } : {}), childAtImmediateRisk };
      // An adult or an undetermined age in a depiction ends the assessment: one row, no factors.
      if (ageAssessment && !isMinor(ageAssessment) && validateAssessment(base).length === 0 && !judgedOnFactors(base)) {
        out.push({ factors: base, facts: NO_CLAIM });
      }
      for (const combo of factorCombinations(category)) {
        const factors: AssessmentFactors = { ...base, ...combo };
        if (validateAssessment(factors).length > 0 || !judgedOnFactors(factors)) continue;
        if (form.weighsReporterRelation) {
          // No claim; a claim the reviewer did not confirm; a confirmed one.
          out.push({ factors, facts: NO_CLAIM });
          out.push({ factors: { ...factors, reporterRelationConfirmed: false }, facts: { ...NO_CLAIM, requestedByDepicted: true } });
          out.push({ factors: { ...factors, reporterRelationConfirmed: true }, facts: { ...NO_CLAIM, requestedByDepicted: true } });
        } else {
          out.push({ factors, facts: NO_CLAIM });
        }
      }
    }
  }
  return out;
}

export function decisionTable(): TableRow[] {
  return CATEGORIES.flatMap((category) =>
    factorSpace(category).map(({ factors, facts }) => ({ factors, facts, recommendation: recommend(factors, facts) })),
  );
}
