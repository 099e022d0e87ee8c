// The full decision table: every combination of every factor, as `recommend` computes it. It documents the module
// (src/policy/README.md is generated from it) and fingerprints the matrix so a change cannot ship under an old version.
import { recommend, type Recommendation } from './recommend.js';
import type { AssessmentFactors, CaseFacts } from './assessment.js';
import {
  AGE_ASSESSMENTS,
  CATEGORIES,
  HARM_SEVERITIES,
  MEDIA_KINDS,
  NUDITY,
  SHARING_CONTEXTS,
  isMinor,
  type Category,
} from './vocabulary.js';

export interface TableRow {
  factors: AssessmentFactors;
  facts: CaseFacts;
  recommendation: Recommendation;
}

const BOOLS = [false, true] as const;

/** Every valid assessment of a category: the whole factor space, not samples. */
export function factorSpace(category: Category): Array<{ factors: AssessmentFactors; facts: CaseFacts }> {
  const out: Array<{ factors: AssessmentFactors; facts: CaseFacts }> = [];
  for (const ageAssessment of AGE_ASSESSMENTS) {
    for (const childAtImmediateRisk of BOOLS) {
      const base = { category, ageAssessment, childAtImmediateRisk };
      const noFacts = { requestedByDepicted: false, childAtImmediateRiskReported: false };
      if (!isMinor(ageAssessment)) {
        out.push({ factors: base, facts: noFacts });
        continue;
      }
      switch (category) {
        case 'CHILD_SEXUAL_EXPLOITATION':
          for (const mediaKind of [...MEDIA_KINDS, null]) {
            for (const promotesExploitation of BOOLS) {
              if (!mediaKind && !promotesExploitation) continue;
              out.push({ factors: { ...base, mediaKind, promotesExploitation }, facts: noFacts });
            }
          }
          break;
        case 'PHYSICAL_CHILD_ABUSE_MEDIA':
          for (const nudity of NUDITY)
            for (const severity of HARM_SEVERITIES)
              for (const context of SHARING_CONTEXTS)
                out.push({ factors: { ...base, nudity, severity, context }, facts: noFacts });
          break;
        case 'MINOR_PHYSICAL_ALTERCATION':
          for (const context of ['ABUSIVE', 'NON_ABUSIVE'] as const)
            for (const excessivelyGraphic of BOOLS)
              for (const requestedByDepicted of BOOLS)
                out.push({
                  factors: { ...base, context, excessivelyGraphic },
                  facts: { requestedByDepicted, childAtImmediateRiskReported: false },
                });
          break;
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
