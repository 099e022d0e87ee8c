// Assessment: the reviewer's answers to the policy's questions, stored with the policy module's recommendation.
import {
  InvalidAssessmentError,
  canHandleCategory,
  recommend,
  triage,
  type AssessmentFactors,
  type CaseFacts,
  type Recommendation,
} from '../policy/index.js';
import type { Assessment, Case } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { ensureReferral } from './referrals.js';
import { requireUser } from './claims.js';
import { requireCaseAccess } from './access.js';
import { inTransaction } from './transaction.js';
import { transition } from './workflow.js';
import { isUuid } from './validation.js';

export interface AssessmentInput extends AssessmentFactors {
  caseId: string;
  notes?: string | null;
}

export const caseFactsOf = (c: Pick<Case, 'requestedByDepicted' | 'childAtImmediateRisk'>): CaseFacts => ({
  requestedByDepicted: c.requestedByDepicted,
  childAtImmediateRiskReported: c.childAtImmediateRisk,
});

const factorsOf = ({ caseId: _caseId, notes: _notes, ...factors }: AssessmentInput): AssessmentFactors => factors;

/** The policy's recommendation as a typed validation error when the answers are incomplete. */
export function recommendOrThrow(factors: AssessmentFactors, facts: CaseFacts): Recommendation {
  try {
    return recommend(factors, facts);
  } catch (error) {
    if (error instanceof InvalidAssessmentError) {
      throw new ValidationError(error.errors.map((e) => ({ path: e.field, message: e.message })));
    }
    throw error;
  }
}

/** A live preview for the reviewer UI: no state changes. Case facts apply when the case is given and visible. */
export async function previewRecommendation(ctx: ServiceContext, input: AssessmentInput): Promise<Recommendation> {
  const user = requireUser(ctx);
  const found = input.caseId && isUuid(input.caseId) ? await ctx.prisma.case.findUnique({ where: { id: input.caseId } }) : null;
  if (!found || !canHandleCategory(user.roles, found.category)) throw new NotFoundError('Case');
  return recommendOrThrow(factorsOf(input), caseFactsOf(found));
}

export async function submitAssessment(ctx: ServiceContext, input: AssessmentInput): Promise<{ assessment: Assessment; recommendation: Recommendation }> {
  const user = requireUser(ctx);
  if (input.notes && input.notes.length > 5000) throw new ValidationError([{ path: 'notes', message: 'must be at most 5000 characters' }]);
  if (!canHandleCategory(user.roles, input.category)) {
    throw new ForbiddenError(`Only child-safety specialists may assess ${input.category}; release the case to a specialist`);
  }
  return inTransaction(ctx, async (unit) => {
    const { case: found, roles } = await requireCaseAccess(ctx, unit, input.caseId, 'assess');
    if (!canHandleCategory(roles, input.category)) {
      throw new ForbiddenError(`Only child-safety specialists may assess ${input.category}; release the case to a specialist`);
    }
    transition(found.status, 'assess');
    const factors = factorsOf(input);
    const recommendation = recommendOrThrow(factors, caseFactsOf(found));
    const assessment = await unit.tx.assessment.create({
      data: {
        caseId: found.id,
        reviewerId: user.id,
        factors: factors as object,
        recommendation: recommendation as object,
        policyVersion: recommendation.policyVersion,
        notes: input.notes ?? null,
        createdAt: unit.now,
      },
    });
    unit.audit({
      action: 'assessment.submitted',
      entityType: 'Assessment',
      entityId: assessment.id,
      caseId: found.id,
      policyVersion: recommendation.policyVersion,
      changes: { factors, recommendedActions: recommendation.actions, inScope: recommendation.inScope, escalate: recommendation.escalate },
    });

    // The assessment may re-categorise the case or reveal a child at immediate risk: re-triage with the policy.
    const childAtImmediateRisk = found.childAtImmediateRisk || input.childAtImmediateRisk === true;
    const t = triage({
      category: input.category,
      childAtImmediateRisk,
      distinctReporters: found.distinctReporterCount,
      requestedByDepicted: found.requestedByDepicted,
      knownHashMatch: found.knownHashMatch,
    });
    const priority = Math.min(found.priority, t.priority);
    const changed = input.category !== found.category || childAtImmediateRisk !== found.childAtImmediateRisk || priority !== found.priority;
    await unit.tx.case.update({
      where: { id: found.id },
      data: {
        category: input.category,
        childAtImmediateRisk,
        priority,
        queue: t.queue,
        slaDueAt: new Date(Math.min(found.slaDueAt.getTime(), found.createdAt.getTime() + t.slaMinutes * 60_000)),
        version: { increment: 1 },
      },
    });
    if (changed) {
      unit.audit({
        action: 'case.retriaged',
        entityType: 'Case',
        entityId: found.id,
        caseId: found.id,
        changes: {
          category: { from: found.category, to: input.category },
          priority: { from: found.priority, to: priority },
          queue: { from: found.queue, to: t.queue },
          childAtImmediateRisk: { from: found.childAtImmediateRisk, to: childAtImmediateRisk },
        },
      });
    }
    if (recommendation.lawEnforcementReferralRequired) await ensureReferral(unit, found.id, 'ASSESSMENT');
    unit.publish({ kind: 'UPDATED', queue: t.queue, caseId: found.id, category: input.category });
    return { assessment, recommendation };
  });
}
