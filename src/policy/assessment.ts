// The assessment form: which factors each category asks, the values each may take, and when an age is needed. One
// table (ASSESSMENT_FORM) drives both the form the reviewer UI builds (the `policy` query) and the validator, so the
// form never offers what the validator rejects.
import type {
  AgeAssessment,
  Category,
  HarmSeverity,
  MediaKind,
  Nudity,
  SharingContext,
} from './vocabulary.js';
import { HARM_SEVERITIES, MEDIA_KINDS, NUDITY, isMinor } from './vocabulary.js';

/** A reviewer's answers. Absent (undefined or null) means "not assessed". */
export interface AssessmentFactors {
  category: Category;
  /** Needed for every depiction; promotion of exploitation, and exploitation in text, are judged without it. */
  ageAssessment?: AgeAssessment | null;
  mediaKind?: MediaKind | null;
  promotesExploitation?: boolean | null;
  nudity?: Nudity | null;
  severity?: HarmSeverity | null;
  context?: SharingContext | null;
  excessivelyGraphic?: boolean | null;
  /** The reviewer's finding: true confirms a child at immediate risk, false clears a reporter's flag. */
  childAtImmediateRisk?: boolean | null;
  /** The reviewer confirmed that a report claiming to come from the depicted minor or a representative does. */
  reporterRelationConfirmed?: boolean | null;
}

/** Facts derived from the case, never typed in by the reviewer. */
export interface CaseFacts {
  /** Some report says it comes from the depicted minor or an authorised representative: a claim, not yet a fact. */
  requestedByDepicted: boolean;
  /** A reporter's immediate-risk flag stands on the case: the assessment must confirm or clear it. */
  childAtImmediateRiskReported: boolean;
}

export const NO_CASE_FACTS: CaseFacts = { requestedByDepicted: false, childAtImmediateRiskReported: false };

export type FactorName = 'mediaKind' | 'promotesExploitation' | 'nudity' | 'severity' | 'context' | 'excessivelyGraphic';
export const FACTOR_NAMES: readonly FactorName[] = ['mediaKind', 'promotesExploitation', 'nudity', 'severity', 'context', 'excessivelyGraphic'];

export type FactorValue = string | boolean;

export interface FactorSpec {
  name: FactorName;
  /** Required when the case is judged on its factors (the person depicted is a minor, or no age is needed). */
  required: boolean;
  /** Every value the form offers, and the only values the validator accepts. */
  values: readonly FactorValue[];
}

export interface CategoryForm {
  /**
   * ALWAYS: every assessment names the age of the person depicted. DEPICTIONS: only a depiction does; promotion of
   * exploitation, and exploitation in text, are judged without an age.
   */
  age: 'ALWAYS' | 'DEPICTIONS';
  /** The questions, in the order a form shows them. */
  factors: readonly FactorSpec[];
  /** Whether the outcome weighs a (confirmed) report from the depicted minor or an authorised representative. */
  weighsReporterRelation: boolean;
}

const BOOLEAN_VALUES = [true, false] as const;

/** The one table. */
export const ASSESSMENT_FORM: Record<Category, CategoryForm> = {
  // Either the material itself (any media kind) or content promoting exploitation brings a case in.
  CHILD_SEXUAL_EXPLOITATION: {
    age: 'DEPICTIONS',
    factors: [
      { name: 'mediaKind', required: false, values: MEDIA_KINDS },
      { name: 'promotesExploitation', required: false, values: BOOLEAN_VALUES },
    ],
    weighsReporterRelation: false,
  },
  PHYSICAL_CHILD_ABUSE_MEDIA: {
    age: 'ALWAYS',
    factors: [
      { name: 'nudity', required: true, values: NUDITY },
      { name: 'severity', required: true, values: HARM_SEVERITIES },
      { name: 'context', required: true, values: ['ABUSIVE', 'NON_ABUSIVE', 'NEWSWORTHY'] },
    ],
    weighsReporterRelation: false,
  },
  // The altercation clause weighs an abusive or non-abusive context; awareness is weighed by the policy itself.
  MINOR_PHYSICAL_ALTERCATION: {
    age: 'ALWAYS',
    factors: [
      { name: 'context', required: true, values: ['ABUSIVE', 'NON_ABUSIVE'] },
      { name: 'excessivelyGraphic', required: true, values: BOOLEAN_VALUES },
    ],
    weighsReporterRelation: true,
  },
};

/** The factor names per category, required and optional (derived from ASSESSMENT_FORM). */
export const CATEGORY_FACTORS: Record<Category, { required: FactorName[]; optional: FactorName[] }> = Object.fromEntries(
  Object.entries(ASSESSMENT_FORM).map(([category, form]) => [
    category,
    { required: form.factors.filter((f) => f.required).map((f) => f.name), optional: form.factors.filter((f) => !f.required).map((f) => f.name) },
  ]),
) as Record<Category, { required: FactorName[]; optional: FactorName[] }>;

export interface FactorError {
  field: FactorName | 'ageAssessment' | 'childAtImmediateRisk' | 'reporterRelationConfirmed';
  message: string;
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * Whether these answers describe a depiction, whose judgement needs the age of the person depicted. Promotion of
 * exploitation and exploitation in text are judged on the content, without an age.
 */
export function needsAge(factors: AssessmentFactors): boolean {
  if (ASSESSMENT_FORM[factors.category].age === 'ALWAYS') return true;
  return !(factors.promotesExploitation === true || factors.mediaKind === 'TEXT');
}

/** Whether the case is judged on its factors: a minor is depicted, or no age is needed and none rules it out. */
export function judgedOnFactors(factors: AssessmentFactors): boolean {
  if (factors.ageAssessment && isMinor(factors.ageAssessment)) return true;
  if (needsAge(factors)) return false;
  // Promotion stands whoever is depicted; text naming no minor (assessed as about an adult) is out of scope.
  return factors.promotesExploitation === true || factors.ageAssessment !== 'ADULT';
}

/**
 * Returns every problem with the answers (empty when valid). Factors are required only when the case is judged on
 * them: an adult or an undetermined age in a depiction ends the assessment there.
 */
export function validateAssessment(factors: AssessmentFactors, facts: CaseFacts = NO_CASE_FACTS): FactorError[] {
  const errors: FactorError[] = [];
  const form = ASSESSMENT_FORM[factors.category];
  const specs = new Map(form.factors.map((f) => [f.name, f]));
  for (const field of FACTOR_NAMES) {
    const value = factors[field];
    if (!present(value)) continue;
    const spec = specs.get(field);
    // `false` for a yes/no question of another category says nothing; any other answer there is a contradiction.
    if (!spec) {
      if (value === false) continue;
      errors.push({
        field,
        message:
          field === 'promotesExploitation'
            ? `${field} applies to CHILD_SEXUAL_EXPLOITATION; assess the case under that category`
            : `${field} does not apply to ${factors.category}`,
      });
    } else if (!spec.values.includes(value as FactorValue)) {
      errors.push({ field, message: `${field} for ${factors.category} is one of ${spec.values.join(', ')}` });
    }
  }
  if (!present(factors.ageAssessment) && needsAge(factors)) {
    errors.push({
      field: 'ageAssessment',
      message:
        form.age === 'ALWAYS'
          ? `ageAssessment is required for ${factors.category}`
          : 'ageAssessment is required for a depiction; only promotion of exploitation, or exploitation in text, is judged without an age',
    });
  }
  if (facts.childAtImmediateRiskReported && !present(factors.childAtImmediateRisk)) {
    errors.push({
      field: 'childAtImmediateRisk',
      message: 'a reporter said a child is at immediate risk: confirm it (true) or clear it (false, with a reason)',
    });
  }
  if (factors.reporterRelationConfirmed === true && !facts.requestedByDepicted) {
    errors.push({
      field: 'reporterRelationConfirmed',
      message: 'no report on this case says it comes from the depicted minor or an authorised representative',
    });
  }
  if (!judgedOnFactors(factors) || errors.some((e) => e.field === 'ageAssessment')) return errors;
  for (const spec of form.factors) {
    if (spec.required && !present(factors[spec.name])) {
      errors.push({ field: spec.name, message: `${spec.name} is required for ${factors.category}` });
    }
  }
  if (factors.category === 'CHILD_SEXUAL_EXPLOITATION' && !present(factors.mediaKind) && factors.promotesExploitation !== true) {
    errors.push({
      field: 'mediaKind',
      message: 'mediaKind is required for CHILD_SEXUAL_EXPLOITATION unless promotesExploitation is true',
    });
  }
  return errors;
}
