// Which factors each category asks of a reviewer, and the checks that reject a missing or contradictory one.
import type {
  AgeAssessment,
  Category,
  HarmSeverity,
  MediaKind,
  Nudity,
  SharingContext,
} from './vocabulary.js';
import { isMinor } from './vocabulary.js';

/** A reviewer's answers. Absent (undefined or null) means "not assessed". */
export interface AssessmentFactors {
  category: Category;
  ageAssessment: AgeAssessment;
  mediaKind?: MediaKind | null;
  promotesExploitation?: boolean | null;
  nudity?: Nudity | null;
  severity?: HarmSeverity | null;
  context?: SharingContext | null;
  excessivelyGraphic?: boolean | null;
  childAtImmediateRisk?: boolean | null;
}

/** Facts derived from the case, never typed in by the reviewer. */
export interface CaseFacts {
  /** Some report came from the depicted minor or an authorised representative. */
  requestedByDepicted: boolean;
  /** Some report said a child is at immediate risk. */
  childAtImmediateRiskReported: boolean;
}

export const NO_CASE_FACTS: CaseFacts = { requestedByDepicted: false, childAtImmediateRiskReported: false };

export type FactorName = Exclude<keyof AssessmentFactors, 'category' | 'ageAssessment' | 'childAtImmediateRisk'>;

/** The questions each category asks, in the order a form shows them. */
export const CATEGORY_FACTORS: Record<Category, { required: FactorName[]; optional: FactorName[] }> = {
  // Either the material itself (any media kind) or content promoting exploitation brings a case in.
  CHILD_SEXUAL_EXPLOITATION: { required: [], optional: ['mediaKind', 'promotesExploitation'] },
  PHYSICAL_CHILD_ABUSE_MEDIA: { required: ['nudity', 'severity', 'context'], optional: [] },
  MINOR_PHYSICAL_ALTERCATION: { required: ['context', 'excessivelyGraphic'], optional: [] },
};

export interface FactorError {
  field: FactorName | 'context';
  message: string;
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * Returns every problem with the answers (empty when valid). Factors are only required when the person depicted is a
 * minor: an adult or an undetermined age ends the assessment there.
 */
export function validateAssessment(factors: AssessmentFactors): FactorError[] {
  const errors: FactorError[] = [];
  const { required, optional } = CATEGORY_FACTORS[factors.category];
  const allowed = new Set<FactorName>([...required, ...optional]);
  const all: FactorName[] = ['mediaKind', 'promotesExploitation', 'nudity', 'severity', 'context', 'excessivelyGraphic'];
  for (const field of all) {
    // `false` for a yes/no question of another category says nothing; any other answer there is a contradiction.
    if (!allowed.has(field) && present(factors[field]) && factors[field] !== false) {
      errors.push({
        field,
        message:
          field === 'promotesExploitation'
            ? `${field} applies to CHILD_SEXUAL_EXPLOITATION; assess the case under that category`
            : `${field} does not apply to ${factors.category}`,
      });
    }
  }
  if (!isMinor(factors.ageAssessment)) return errors;
  for (const field of required) {
    if (!present(factors[field])) errors.push({ field, message: `${field} is required for ${factors.category}` });
  }
  if (factors.category === 'CHILD_SEXUAL_EXPLOITATION' && !present(factors.mediaKind) && factors.promotesExploitation !== true) {
    errors.push({
      field: 'mediaKind',
      message: 'mediaKind is required for CHILD_SEXUAL_EXPLOITATION unless promotesExploitation is true',
    });
  }
  if (factors.category === 'MINOR_PHYSICAL_ALTERCATION' && factors.context === 'NEWSWORTHY') {
    errors.push({
      field: 'context',
      message: 'context for MINOR_PHYSICAL_ALTERCATION is ABUSIVE or NON_ABUSIVE; the policy weighs awareness itself',
    });
  }
  return errors;
}
