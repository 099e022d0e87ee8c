// Appeals (DSA Art. 20): by the affected account through the platform against a decision that acted on it, or by a
// notifier with the follow-up token against any decision on their notice; each appellant once per decision; decided by
// someone other than the original decider, who may work on the case now (src/services/access.ts).
import { z } from 'zod';
import { appealRefusal, appealStatement, mayDecideAppeal, overturnEffect, triage } from '../policy/index.js';
import type { Appeal, Case } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { AppealNotAllowedError, ForbiddenError, InvalidTransitionError, NotFoundError } from './errors.js';
import { requireUser } from './claims.js';
import { APPEAL_DECIDERS, caseAccess, requireLiveLease } from './access.js';
import { sha256Hex } from './secrets.js';
import { inTransaction } from './transaction.js';
import { transition } from './workflow.js';
import { toValidationError } from './validation.js';

/** Appeals are due within three days. */
export const APPEAL_SLA_MINUTES = 3 * 24 * 60;

const submitSchema = z.object({
  decisionId: z.string().uuid('must be a decision id'),
  appellantAccountId: z.string().trim().min(1).max(256).nullish(),
  followUpToken: z.string().trim().min(1).max(200).nullish(),
  statement: z.string().trim().min(1, 'must not be empty').max(5000, 'must be at most 5000 characters'),
});

export type SubmitAppealInput = z.input<typeof submitSchema>;

export async function submitAppeal(ctx: ServiceContext, raw: SubmitAppealInput): Promise<Appeal> {
  const parsed = submitSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const platform = ctx.actor.kind === 'USER' && ctx.actor.roles.includes('PLATFORM');
  return inTransaction(ctx, async (unit) => {
    const decision = await unit.tx.decision.findUnique({ where: { id: input.decisionId }, include: { case: true } });
    // A decision the caller cannot appeal is "not found": the id alone reveals nothing.
    let appellant: { kind: 'AFFECTED_ACCOUNT'; accountId: string } | { kind: 'NOTIFIER'; reportId: string };
    if (platform && input.appellantAccountId) {
      if (!decision || decision.case.reportedAccountId !== input.appellantAccountId) throw new NotFoundError('Decision');
      appellant = { kind: 'AFFECTED_ACCOUNT', accountId: input.appellantAccountId };
    } else if (input.followUpToken) {
      const report = await unit.tx.report.findUnique({ where: { followUpTokenHash: sha256Hex(input.followUpToken) }, select: { id: true, caseId: true } });
      if (!decision || !report || report.caseId !== decision.caseId) throw new NotFoundError('Decision');
      appellant = { kind: 'NOTIFIER', reportId: report.id };
    } else {
      throw new ForbiddenError(platform ? 'Name the affected account (appellantAccountId)' : 'Appeal with the follow-up token from your report receipt');
    }
    // Appeals on one case are serialised: each appellant's count and the case's status are read as they stand.
    await unit.tx.$queryRaw`SELECT "id" FROM "Case" WHERE "id" = ${decision.caseId}::uuid FOR UPDATE`;
    const current = await unit.tx.case.findUniqueOrThrow({ where: { id: decision.caseId } });
    const standing = await unit.tx.decision.findUniqueOrThrow({ where: { id: decision.id }, select: { reversedAt: true } });
    const latest = await unit.tx.decision.findFirst({ where: { caseId: decision.caseId }, orderBy: { decidedAt: 'desc' }, select: { id: true } });
    if (latest?.id !== decision.id) throw new AppealNotAllowedError('NOT_APPEALABLE', 'This decision has been superseded');
    const refusal = appealRefusal({
      appellantKind: appellant.kind,
      decisionActions: decision.actions,
      appealableUntil: decision.appealableUntil,
      now: unit.now,
      // Each appellant once per decision: the account holder, and each notice's notifier.
      priorAppeals: await unit.tx.appeal.count({
        where:
          appellant.kind === 'AFFECTED_ACCOUNT'
            ? { decisionId: decision.id, appellantKind: 'AFFECTED_ACCOUNT', appellantAccountId: appellant.accountId }
            : { decisionId: decision.id, appellantKind: 'NOTIFIER', reportId: appellant.reportId },
      }),
      decisionReversed: standing.reversedAt !== null,
    });
    if (refusal) throw new AppealNotAllowedError(refusal.code, refusal.message);
    const status = transition(current.status, 'appeal');
    const alreadyAppealed = current.status === 'APPEALED';
    const appeal = await unit.tx.appeal.create({
      data: {
        caseId: decision.caseId,
        decisionId: decision.id,
        appellantKind: appellant.kind,
        appellantAccountId: appellant.kind === 'AFFECTED_ACCOUNT' ? appellant.accountId : null,
        reportId: appellant.kind === 'NOTIFIER' ? appellant.reportId : null,
        statement: input.statement,
        createdAt: unit.now,
      },
    });
    unit.audit({ action: 'appeal.submitted', entityType: 'Appeal', entityId: appeal.id, caseId: decision.caseId, changes: { appellantKind: appellant.kind, decisionId: decision.id } });
    const slaDueAt = new Date(unit.now.getTime() + APPEAL_SLA_MINUTES * 60_000);
    if (alreadyAppealed) {
      // Another appellant's appeal is pending: the case stays where it is (and with whoever holds it); its due time
      // stays the earlier one.
      await unit.tx.case.update({ where: { id: current.id }, data: { slaDueAt: current.slaDueAt < slaDueAt ? current.slaDueAt : slaDueAt, version: { increment: 1 } } });
      unit.publish({ kind: 'UPDATED', queue: 'APPEALS', caseId: current.id, category: current.category });
      return appeal;
    }
    await unit.tx.case.update({
      where: { id: current.id },
      data: { status, queue: 'APPEALS', slaDueAt, assigneeId: null, leaseExpiresAt: null, version: { increment: 1 } },
    });
    unit.audit({ action: 'case.appealed', entityType: 'Case', entityId: current.id, caseId: current.id, changes: { status: { from: current.status, to: status }, queue: { from: current.queue, to: 'APPEALS' } } });
    unit.publish({ kind: 'ADDED', queue: 'APPEALS', caseId: current.id, category: current.category });
    return appeal;
  });
}

const decideSchema = z.object({
  appealId: z.string().uuid('must be an appeal id'),
  outcome: z.enum(['UPHELD', 'OVERTURNED']),
  reason: z.string().trim().min(1, 'must not be empty').max(5000, 'must be at most 5000 characters'),
});

export type DecideAppealInput = z.input<typeof decideSchema>;

export async function decideAppeal(ctx: ServiceContext, raw: DecideAppealInput): Promise<{ appeal: Appeal; case: Case }> {
  const user = requireUser(ctx);
  const parsed = decideSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  if (!APPEAL_DECIDERS.some((r) => user.roles.includes(r))) {
    throw new ForbiddenError('Only appeals reviewers and leads decide appeals');
  }
  return inTransaction(ctx, async (unit) => {
    const appeal = await unit.tx.appeal.findUnique({ where: { id: input.appealId }, include: { decision: true } });
    if (!appeal) throw new NotFoundError('Appeal');
    // An appeal on a case the caller may not see is "not found", like an unknown id (src/services/access.ts).
    const access = await caseAccess(ctx, unit, appeal.caseId, { notFound: 'Appeal', anyOf: APPEAL_DECIDERS });
    if (appeal.status !== 'PENDING') throw new InvalidTransitionError('This appeal has already been decided');
    if (!mayDecideAppeal(appeal.decision.decidedById, user.id)) {
      throw new ForbiddenError('The appeal must be decided by someone other than the original decider');
    }
    const found = requireLiveLease(access, unit);
    const others = await unit.tx.appeal.findMany({ where: { caseId: found.id, status: 'PENDING', id: { not: appeal.id } }, select: { id: true } });
    const upheldDecision = input.outcome === 'UPHELD';
    const effect = overturnEffect(appeal.decision.actions, appeal.appellantKind);
    // The decision stands: the case closes, unless another appellant's appeal still waits. The appeal succeeds: the
    // decision no longer stands, so appeals still pending against it are superseded, and the enforcement is lifted
    // (the case closes) or, on a notifier's appeal, the case is reopened for a new decision.
    const step = upheldDecision ? (others.length ? 'nextAppeal' : 'upholdAppeal') : effect === 'REVERSE_ENFORCEMENT' ? 'reverseOnAppeal' : 'reopenOnAppeal';
    const status = transition(found.status, step);
    const statementOfReasons = appealStatement({ outcome: input.outcome, originalActions: appeal.decision.actions, reason: input.reason, effect, policyVersion: appeal.decision.policyVersion });
    const decided = await unit.tx.appeal.update({
      where: { id: appeal.id },
      data: { status: 'DECIDED', outcome: input.outcome, reason: input.reason, statementOfReasons: statementOfReasons as object, decidedById: user.id, decidedAt: unit.now },
    });
    let data: Parameters<typeof unit.tx.case.update>[0]['data'] = { status, assigneeId: null, leaseExpiresAt: null, version: { increment: 1 } };
    // Out of the appeals queue, back to the queue of its category as it stands.
    const t = triage({ category: found.category, childAtImmediateRisk: found.childAtImmediateRisk, distinctReporters: found.distinctReporterCount, requestedByDepicted: found.requestedByDepicted, knownHashMatch: found.knownHashMatch, priorViolations: found.priorViolations });
    if (status === 'CLOSED') data = { ...data, closedAt: unit.now, queue: t.queue };
    if (step === 'reopenOnAppeal') {
      data = { ...data, queue: t.queue, priority: t.priority, slaDueAt: new Date(unit.now.getTime() + t.slaMinutes * 60_000), decidedAt: null };
    }
    const updated = await unit.tx.case.update({ where: { id: found.id }, data });
    if (!upheldDecision) {
      await unit.tx.decision.update({ where: { id: appeal.decisionId }, data: { reversedAt: unit.now, reversedById: user.id } });
      // `decision.reversed` tells the platform to lift the enforcement (the enforcement feed); a notifier's successful
      // appeal leaves it in place until the new decision, so it is recorded as `decision.overturned`.
      unit.audit({
        action: effect === 'REVERSE_ENFORCEMENT' ? 'decision.reversed' : 'decision.overturned',
        entityType: 'Decision',
        entityId: appeal.decisionId,
        caseId: found.id,
        changes: { reversedActions: appeal.decision.actions, appealId: appeal.id, effect, reversedById: user.id },
      });
      if (others.length) {
        await unit.tx.appeal.updateMany({ where: { id: { in: others.map((o) => o.id) } }, data: { status: 'SUPERSEDED' } });
        for (const other of others) {
          unit.audit({ action: 'appeal.superseded', entityType: 'Appeal', entityId: other.id, caseId: found.id, changes: { status: { from: 'PENDING', to: 'SUPERSEDED' }, byAppealId: appeal.id } });
        }
      }
    }
    unit.audit({ action: 'appeal.decided', entityType: 'Appeal', entityId: appeal.id, caseId: found.id, changes: { outcome: input.outcome, effect: input.outcome === 'OVERTURNED' ? effect : null, caseStatus: { from: found.status, to: status } } });
    if (step === 'nextAppeal') {
      unit.publish({ kind: 'RELEASED', queue: 'APPEALS', caseId: found.id, category: found.category });
    } else {
      unit.publish({ kind: 'RESOLVED', queue: 'APPEALS', caseId: found.id, category: found.category });
      if (step === 'reopenOnAppeal') unit.publish({ kind: 'ADDED', queue: updated.queue, caseId: found.id, category: found.category });
    }
    return { appeal: decided, case: updated };
  });
}
