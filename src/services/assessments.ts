// Assessment: the reviewer's answers to the policy's questions, stored with the policy module's recommendation.
import {
  InvalidAssessmentError,
  SLA_MINUTES,
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
  /** Why a reporter's immediate-risk flag is cleared; required to clear one. */
  immediateRiskClearedReason?: string | null;
}

/** What the case claims: a relation to the depicted minor, a child at immediate risk. The assessment confirms or clears. */
export const caseFactsOf = (c: Pick<Case, 'depictedRelationClaimed' | 'childAtImmediateRisk'>): CaseFacts => ({
  requestedByDepicted: c.depictedRelationClaimed,
  childAtImmediateRiskReported: c.childAtImmediateRisk,
});

const factorsOf = ({ caseId: _caseId, notes: _notes, immediateRiskClearedReason: _reason, ...factors }: AssessmentInput): AssessmentFactors => factors;

/** Clearing a standing immediate-risk flag needs a reason; a reason for anything else is a mistake worth naming. */
function clearedReason(input: AssessmentInput, flagged: boolean): string | null {
  const reason = input.immediateRiskClearedReason?.trim() || null;
  const clearing = flagged && input.childAtImmediateRisk === false;
  if (clearing && !reason) {
    throw new ValidationError([{ path: 'immediateRiskClearedReason', message: 'say why the reported immediate risk is cleared' }]);
  }
  if (!clearing && reason) {
    throw new ValidationError([{ path: 'immediateRiskClearedReason', message: 'only a reported immediate risk that is being cleared takes a reason' }]);
  }
  if (reason && reason.length > 2000) throw new ValidationError([{ path: 'immediateRiskClearedReason', message: 'must be at most 2000 characters' }]);
  return reason;
}

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
    const reason = clearedReason(input, found.childAtImmediateRisk);
    const relationConfirmed = found.depictedRelationClaimed && input.reporterRelationConfirmed === true;
    const assessment = await unit.tx.assessment.create({
      data: {
        caseId: found.id,
        reviewerId: user.id,
        factors: factors as object,
        recommendation: recommendation as object,
        policyVersion: recommendation.policyVersion,
        notes: input.notes ?? null,
        childAtImmediateRisk: input.childAtImmediateRisk ?? null,
        immediateRiskClearedReason: reason,
        reporterRelationConfirmed: relationConfirmed,
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

    // The assessment may re-categorise the case, confirm or clear a child at immediate risk, and confirm (or not) a
    // reporter's relation to the depicted minor: re-triage with the policy.
    const childAtImmediateRisk = input.childAtImmediateRisk ?? found.childAtImmediateRisk;
    const riskCleared = found.childAtImmediateRisk && !childAtImmediateRisk;
    const signals = { distinctReporters: found.distinctReporterCount, requestedByDepicted: relationConfirmed, knownHashMatch: found.knownHashMatch, priorViolations: found.priorViolations };
    const t = triage({ category: input.category, childAtImmediateRisk, ...signals });
    // A cleared flag was the reason for P0: the case takes the priority it would have had without it (under either
    // category). Otherwise an assessment never lowers the urgency intake gave the case.
    const priority = riskCleared
      ? Math.min(t.priority, triage({ category: found.category, childAtImmediateRisk: false, ...signals }).priority)
      : Math.min(found.priority, t.priority);
    const slaDueAt = riskCleared
      ? new Date(found.createdAt.getTime() + SLA_MINUTES[priority]! * 60_000)
      : new Date(Math.min(found.slaDueAt.getTime(), found.createdAt.getTime() + t.slaMinutes * 60_000));
    const changed = input.category !== found.category || childAtImmediateRisk !== found.childAtImmediateRisk || priority !== found.priority || t.queue !== found.queue;
    await unit.tx.case.update({
      where: { id: found.id },
      data: {
        category: input.category,
        childAtImmediateRisk,
        requestedByDepicted: relationConfirmed,
        priority,
        queue: t.queue,
        slaDueAt,
        version: { increment: 1 },
      },
    });
    if (riskCleared) {
      unit.audit({
        action: 'case.immediate_risk_cleared',
        entityType: 'Case',
        entityId: found.id,
        caseId: found.id,
        changes: { childAtImmediateRisk: { from: true, to: false }, assessmentId: assessment.id, reason },
      });
    } else if (input.childAtImmediateRisk === true) {
      unit.audit({
        action: 'case.immediate_risk_confirmed',
        entityType: 'Case',
        entityId: found.id,
        caseId: found.id,
        changes: { childAtImmediateRisk: { from: found.childAtImmediateRisk, to: true }, reported: found.childAtImmediateRisk, assessmentId: assessment.id },
      });
    }
    if (relationConfirmed !== found.requestedByDepicted) {
      unit.audit({
        action: relationConfirmed ? 'case.reporter_relation_confirmed' : 'case.reporter_relation_unconfirmed',
        entityType: 'Case',
        entityId: found.id,
        caseId: found.id,
        changes: { requestedByDepicted: { from: found.requestedByDepicted, to: relationConfirmed }, assessmentId: assessment.id },
      });
    }
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
