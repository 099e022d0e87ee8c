// Decision: enforcement actions with a statement of reasons. A decision that removes content it finds to be child
// sexual exploitation creates the CyberTipline record and a one-year preservation hold in the same transaction, so no
// reviewer can skip them; declining enforcement on exploitation, or deciding an undetermined age, is for a lead
// (src/policy/decision.ts), and a refusal returns the case to its queue for one.
import { z } from 'zod';
import {
  ENFORCEMENT_ACTIONS,
  appealableUntil,
  decisionOutcome,
  decisionStatement,
  escalationReason,
  normalizeActions,
  sameActions,
  type AssessmentFactors,
  type EnforcementAction,
  type EscalationReason,
  type Recommendation,
  type Role,
} from '../policy/index.js';
import type { Assessment, Case, Decision } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { EscalationRequiredError, InvalidTransitionError, ValidationError, VersionConflictError } from './errors.js';
import type { CyberTiplinePayload } from './ncmec.js';
import { submitPendingNcmecReports } from './ncmec.js';
import { ensureReferral } from './referrals.js';
import { requireUser } from './claims.js';
import { requireCaseAccess } from './access.js';
import { inTransaction, type Unit } from './transaction.js';
import { transition } from './workflow.js';
import { toValidationError } from './validation.js';

const decideSchema = z.object({
  caseId: z.string().uuid('must be a case id'),
  expectedVersion: z.number().int().min(1),
  actions: z
    .array(z.enum(ENFORCEMENT_ACTIONS))
    .min(1, 'name at least one action, or NO_ACTION')
    .refine((a) => !a.includes('NO_ACTION') || a.every((x) => x === 'NO_ACTION'), 'NO_ACTION cannot be combined with other actions')
    .refine((a) => !(a.includes('REMOVE_CONTENT') && a.includes('SENSITIVE_MEDIA_LABEL')), 'removed content cannot also be labelled'),
  justification: z
    .string()
    .trim()
    .max(5000, 'must be at most 5000 characters')
    .nullish()
    .transform((v) => (v ? v : null)),
});

export type DecideCaseInput = z.input<typeof decideSchema>;

export async function decideCase(ctx: ServiceContext, raw: DecideCaseInput): Promise<{ decision: Decision; case: Case }> {
  const user = requireUser(ctx);
  const parsed = decideSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const result = await inTransaction(ctx, async (unit) => {
    const { case: found, roles } = await requireCaseAccess(ctx, unit, input.caseId, 'decide');
    const status = transition(found.status, 'decide');
    if (found.version !== input.expectedVersion) throw new VersionConflictError(found.version);
    const assessment = await unit.tx.assessment.findFirst({ where: { caseId: found.id }, orderBy: { createdAt: 'desc' } });
    if (!assessment) throw new InvalidTransitionError('Assess the case against the policy before deciding it');
    return recordDecision(ctx, unit, { found, status, roles, userId: user.id, assessment, actions: input.actions, justification: input.justification });
  });
  if ('escalated' in result) throw new EscalationRequiredError(result.escalated);
  return result;
}

export interface DecisionBasis {
  /** The case, locked by the caller's unit, and the status the decision moves it to. */
  found: Case;
  status: Case['status'];
  /** The decider's roles as they stand in this unit. */
  roles: Role[];
  userId: string;
  /** The assessment whose recommendation the decision follows or departs from. */
  assessment: Assessment;
  actions: EnforcementAction[];
  justification: string | null;
  /** Set when a lead applies the decision on a linked case to this one: recorded in the audit event. */
  appliedFrom?: { caseId: string; decisionId: string };
}

/**
 * Records a decision on a case locked by the caller's unit: the policy's checks (two-person rule, scope, justified
 * deviation), the decision and its statement of reasons, the case's new state, the audit event, the CyberTipline
 * record and preservation hold, the strike, the referral and the live event. Every way of deciding goes through it.
 */
export async function recordDecision(ctx: ServiceContext, unit: Unit, basis: DecisionBasis): Promise<{ decision: Decision; case: Case } | { escalated: EscalationReason }> {
  const { found, status, roles, userId, assessment, justification, appliedFrom } = basis;
  const recommendation = assessment.recommendation as unknown as Recommendation;
  const assessedCategory = (assessment.factors as unknown as AssessmentFactors).category ?? found.category;
  const actions = normalizeActions(basis.actions);

  // Two-person rule: declining enforcement on exploitation needs a lead who is not the one who assessed it. The
  // refusal itself is committed, so the case goes to the (other) leads rather than back to its holder.
  const needsLead = escalationReason(recommendation, actions);
  const secondPerson = needsLead !== 'DECLINED_ENFORCEMENT_ON_EXPLOITATION' || assessment.reviewerId !== userId;
  if (needsLead && (!roles.includes('LEAD') || !secondPerson)) {
    // A decision applied from a linked case is refused here, leaving the case as it was; one taken on the case
    // itself sends it to the leads.
    if (appliedFrom) throw new EscalationRequiredError(needsLead, false);
    return { escalated: await escalate(unit, found, needsLead, actions, userId) };
  }

  if (!recommendation.inScope && actions.some((a) => a !== 'NO_ACTION')) {
    throw new ValidationError([{ path: 'actions', message: 'the Child Safety policy does not apply to an adult: decide NO_ACTION (the case closes as out of scope), or assess the case again' }]);
  }
  const deviates = !sameActions(actions, recommendation.actions);
  if (deviates && !justification) {
    throw new ValidationError([{ path: 'justification', message: `a written justification is required to deviate from the recommendation (${recommendation.actions.join(', ')})` }]);
  }
  const outcome = decisionOutcome(assessedCategory, recommendation, actions);
  const until = appealableUntil(unit.now);
  const statementOfReasons = decisionStatement({
    actions,
    category: assessedCategory,
    recommendation,
    outcome,
    justification,
    reportCount: found.reportCount,
    firstReportedAt: found.createdAt,
    knownHashMatch: found.knownHashMatch,
    policyVersion: recommendation.policyVersion,
    appealableUntil: until,
  });
  const decision = await unit.tx.decision.create({
    data: {
      caseId: found.id,
      assessmentId: assessment.id,
      category: found.category,
      actions,
      recommendedActions: recommendation.actions,
      deviatesFromRecommendation: deviates,
      justification,
      statementOfReasons: statementOfReasons as object,
      policyVersion: recommendation.policyVersion,
      decidedById: userId,
      decidedAt: unit.now,
      appealableUntil: until,
    },
  });
  const updated = await unit.tx.case.update({
    where: { id: found.id },
    data: {
      status,
      assigneeId: null,
      leaseExpiresAt: null,
      decidedAt: unit.now,
      escalationReason: null,
      escalatedAt: null,
      escalatedById: null,
      escalationNote: null,
      ...(found.firstDecidedAt ? {} : { firstDecidedAt: unit.now, firstDecisionWithinSla: unit.now <= found.slaDueAt }),
      version: { increment: 1 },
    },
  });
  unit.audit({
    action: 'decision.made',
    entityType: 'Decision',
    entityId: decision.id,
    caseId: found.id,
    policyVersion: recommendation.policyVersion,
    changes: {
      actions,
      recommendedActions: recommendation.actions,
      deviatesFromRecommendation: deviates,
      caseStatus: { from: found.status, to: status },
      decidedAsExploitation: outcome.decidedAsExploitation,
      ...(needsLead ? { decidedByLeadFor: needsLead } : {}),
      ...(needsLead === 'DECLINED_ENFORCEMENT_ON_EXPLOITATION' ? { declinedEnforcementOnExploitation: true } : {}),
      ...(appliedFrom ? { appliedFrom } : {}),
    },
  });

  if (outcome.ncmecReportRequired && !(await unit.tx.ncmecReport.findUnique({ where: { caseId: found.id } }))) {
    const hashes = await unit.tx.caseMediaHash.findMany({ where: { caseId: found.id }, select: { algorithm: true, value: true } });
    const preservationExpiresAt = new Date(unit.now.getTime() + outcome.preserveEvidenceDays * 86_400_000);
    const record = await unit.tx.ncmecReport.create({ data: { caseId: found.id, decisionId: decision.id, status: 'AWAITING_SUBMISSION', payload: {}, createdAt: unit.now } });
    const payload: CyberTiplinePayload = {
      reportRecordId: record.id,
      caseId: found.id,
      incidentType: 'CHILD_SEXUAL_EXPLOITATION',
      content: { contentId: found.contentId, url: found.contentUrl, mediaHashes: hashes },
      reportedAccountId: found.reportedAccountId,
      firstReportedAt: found.createdAt.toISOString(),
      decidedAt: unit.now.toISOString(),
      preservationExpiresAt: preservationExpiresAt.toISOString(),
    };
    await unit.tx.ncmecReport.update({ where: { id: record.id }, data: { payload: payload as object } });
    const hold = await unit.tx.preservationHold.create({
      data: { caseId: found.id, ncmecReportId: record.id, contentRefs: payload.content as object, createdAt: unit.now, expiresAt: preservationExpiresAt },
    });
    unit.audit({ action: 'ncmec.report_created', entityType: 'NcmecReport', entityId: record.id, caseId: found.id, changes: { status: { to: 'AWAITING_SUBMISSION' } } });
    unit.audit({ action: 'preservation.hold_created', entityType: 'PreservationHold', entityId: hold.id, caseId: found.id, changes: { expiresAt: preservationExpiresAt } });
    // Report as soon as reasonably possible: right after commit, retried by the background job on failure.
    unit.afterCommit(() => void submitPendingNcmecReports({ ...ctx, actor: { kind: 'SYSTEM', id: 'ncmec-submitter' } }).catch(() => {}));
  }
  if (actions.includes('ACCOUNT_STRIKE') && found.reportedAccountId) await recordStrike(unit, found, decision);
  if (recommendation.lawEnforcementReferralRequired) await ensureReferral(unit, found.id, 'ASSESSMENT');
  unit.publish({ kind: 'RESOLVED', queue: found.queue, caseId: found.id, category: found.category });
  return { decision, case: updated };
}

/** Returns the case to its queue for a lead, with the reason on the case, and audits the refused proposal. */
async function escalate(unit: Unit, found: Case, reason: EscalationReason, proposedActions: EnforcementAction[], reviewerId: string): Promise<EscalationReason> {
  const status = transition(found.status, 'release');
  await unit.tx.case.update({
    where: { id: found.id },
    data: { status, assigneeId: null, leaseExpiresAt: null, escalationReason: reason, escalatedAt: unit.now, escalatedById: reviewerId, version: { increment: 1 } },
  });
  unit.audit({
    action: 'case.escalated',
    entityType: 'Case',
    entityId: found.id,
    caseId: found.id,
    changes: { reason, proposedActions, status: { from: found.status, to: status }, assigneeId: { from: found.assigneeId, to: null } },
  });
  unit.publish({ kind: 'RELEASED', queue: found.queue, caseId: found.id, category: found.category });
  return reason;
}

/** The enforcement ladder's strike, recorded against the reported account so its later cases show it. */
async function recordStrike(unit: Unit, found: Case, decision: Decision): Promise<void> {
  const strike = await unit.tx.accountStrike.create({
    data: { accountId: found.reportedAccountId!, caseId: found.id, decisionId: decision.id, category: found.category, recordedAt: unit.now },
  });
  unit.audit({ action: 'strike.recorded', entityType: 'AccountStrike', entityId: strike.id, caseId: found.id, changes: { decisionId: decision.id, category: found.category } });
}
