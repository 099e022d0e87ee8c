// Law-enforcement referrals: created once per case when the assessing reviewer confirms that a child is at immediate
// risk, then progressed by law-enforcement liaisons: PENDING → SENT (agency, reference, when, by whom) → CLOSED.
import { z } from 'zod';
import type { LawEnforcementReferral, Prisma, ReferralStatus } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { DomainError, NotFoundError } from './errors.js';
import { requireUser } from './claims.js';
import { inTransaction, type Unit } from './transaction.js';
import { isUuid, toValidationError } from './validation.js';

/** How long the liaison team has to act on a referral. */
export const REFERRAL_DUE_MINUTES = 60;

/** The referral's life: which status each step leaves from and leads to. */
export const REFERRAL_TRANSITIONS = {
  send: { from: 'PENDING', to: 'SENT' },
  close: { from: 'SENT', to: 'CLOSED' },
} as const satisfies Record<string, { from: ReferralStatus; to: ReferralStatus }>;

/** A step the referral's current status does not allow; names that status. */
export class ReferralTransitionError extends DomainError {
  readonly code = 'ILLEGAL_REFERRAL_TRANSITION';
  constructor(readonly status: ReferralStatus, step: keyof typeof REFERRAL_TRANSITIONS) {
    super(
      step === 'send'
        ? `Only a PENDING referral can be marked sent (this one is ${status})`
        : `Only a SENT referral can be closed (this one is ${status})`,
    );
  }
}

export async function ensureReferral(unit: Unit, caseId: string, source: 'REPORT' | 'ASSESSMENT'): Promise<void> {
  const existing = await unit.tx.lawEnforcementReferral.findUnique({ where: { caseId }, select: { id: true } });
  if (existing) return;
  const referral = await unit.tx.lawEnforcementReferral.create({
    data: { caseId, source, createdAt: unit.now, dueAt: new Date(unit.now.getTime() + REFERRAL_DUE_MINUTES * 60_000) },
  });
  unit.audit({
    action: 'referral.created',
    entityType: 'LawEnforcementReferral',
    entityId: referral.id,
    caseId,
    changes: { source, status: { to: 'PENDING' }, dueAt: referral.dueAt },
  });
}

/** A referral is overdue while it waits, PENDING, past its due time. */
export const isOverdue = (r: Pick<LawEnforcementReferral, 'status' | 'dueAt'>, now: Date): boolean =>
  r.status === 'PENDING' && r.dueAt.getTime() < now.getTime();

export const overdueWhere = (now: Date): Prisma.LawEnforcementReferralWhereInput => ({ status: 'PENDING', dueAt: { lt: now } });

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const sendSchema = z.object({ referralId: z.string(), agency: text(200), reference: text(200) });
const closeSchema = z.object({
  referralId: z.string(),
  note: text(2000)
    .nullish()
    .or(z.literal('').transform(() => null)),
});

async function progress(
  ctx: ServiceContext,
  referralId: string,
  step: keyof typeof REFERRAL_TRANSITIONS,
  data: (by: string, now: Date) => Prisma.LawEnforcementReferralUpdateManyMutationInput & Prisma.LawEnforcementReferralUncheckedUpdateManyInput,
  auditChanges: Record<string, unknown>,
): Promise<LawEnforcementReferral> {
  const user = requireUser(ctx);
  const rule = REFERRAL_TRANSITIONS[step];
  return inTransaction(ctx, async (unit) => {
    const found = isUuid(referralId) ? await unit.tx.lawEnforcementReferral.findUnique({ where: { id: referralId } }) : null;
    if (!found) throw new NotFoundError('Referral');
    // Conditional on the status read, so two liaisons cannot both make the same step.
    const { count } = await unit.tx.lawEnforcementReferral.updateMany({ where: { id: found.id, status: rule.from }, data: { ...data(user.id, unit.now), status: rule.to } });
    if (count === 0) {
      const current = await unit.tx.lawEnforcementReferral.findUniqueOrThrow({ where: { id: found.id }, select: { status: true } });
      throw new ReferralTransitionError(current.status, step);
    }
    unit.audit({
      action: step === 'send' ? 'referral.sent' : 'referral.closed',
      entityType: 'LawEnforcementReferral',
      entityId: found.id,
      caseId: found.caseId,
      changes: { status: { from: rule.from, to: rule.to }, ...auditChanges },
    });
    return unit.tx.lawEnforcementReferral.findUniqueOrThrow({ where: { id: found.id } });
  });
}

/** PENDING → SENT: the liaison handed the referral to an agency, under the agency's reference. */
export async function markReferralSent(ctx: ServiceContext, raw: { referralId: string; agency: string; reference: string }): Promise<LawEnforcementReferral> {
  requireUser(ctx);
  const parsed = sendSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { referralId, agency, reference } = parsed.data;
  return progress(ctx, referralId, 'send', (by, now) => ({ agency, reference, sentAt: now, sentById: by }), { agency, reference });
}

/** SENT → CLOSED, with an optional note. */
export async function closeReferral(ctx: ServiceContext, raw: { referralId: string; note?: string | null }): Promise<LawEnforcementReferral> {
  requireUser(ctx);
  const parsed = closeSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { referralId, note } = parsed.data;
  return progress(ctx, referralId, 'close', (by, now) => ({ closedAt: now, closedById: by, closeNote: note ?? null }), { hasNote: !!note });
}

export interface ReferralFigures {
  pending: number;
  sent: number;
  closed: number;
  overdue: number;
  oldestOverdueDueAt: Date | null;
}

/** Counts by status and the overdue ones, for the liaison team's dashboard. */
export async function referralFigures(ctx: Pick<ServiceContext, 'prisma' | 'now'>): Promise<ReferralFigures> {
  const now = ctx.now();
  const [groups, overdue] = await Promise.all([
    ctx.prisma.lawEnforcementReferral.groupBy({ by: ['status'], _count: { _all: true } }),
    ctx.prisma.lawEnforcementReferral.aggregate({ where: overdueWhere(now), _count: { _all: true }, _min: { dueAt: true } }),
  ]);
  const count = (status: ReferralStatus) => groups.find((g) => g.status === status)?._count._all ?? 0;
  return { pending: count('PENDING'), sent: count('SENT'), closed: count('CLOSED'), overdue: overdue._count._all, oldestOverdueDueAt: overdue._min.dueAt };
}
