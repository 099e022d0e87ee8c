// Law-enforcement referrals' life: PENDING → SENT → CLOSED, progressed by liaisons; overdue ones listed and counted.
// The LawEnforcementReferral type itself is declared with the NCMEC records (ncmec.ts); its life's fields are here.
import { builder } from './builder.js';
import { ReferralStatusEnum } from './enums.js';
import type { GraphQLContext } from './context.js';
import type { ReferralStatus } from '../generated/prisma/enums.js';
import { COMMON_ERRORS, ErrorInterface } from './errors.js';
import { ReferralTransitionError, closeReferral, isOverdue, markReferralSent, overdueWhere, referralFigures } from '../services/referrals.js';

const oversight = { oversight: true } as const;
const liaison = { role: 'LAW_ENFORCEMENT_LIAISON' } as const;

builder.prismaObjectFields('LawEnforcementReferral', (t) => ({
  overdue: t.boolean({
    description: 'Still PENDING after its due time',
    select: { status: true, dueAt: true },
    resolve: (r, _args, ctx) => isOverdue(r, ctx.services.now()),
  }),
  agency: t.exposeString('agency', { nullable: true, authScopes: oversight, description: 'The agency it was sent to' }),
  reference: t.exposeString('reference', { nullable: true, authScopes: oversight, description: "The agency's reference" }),
  sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
  sentBy: t.relation('sentBy', { nullable: true, authScopes: oversight }),
  closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
  closedBy: t.relation('closedBy', { nullable: true, authScopes: oversight }),
  closeNote: t.exposeString('closeNote', { nullable: true, authScopes: oversight }),
  case: t.relation('case'),
}));

const referralsWhere = (ctx: GraphQLContext, { status, overdue }: { status?: ReferralStatus | null; overdue?: boolean | null }) => {
  const now = ctx.services.now();
  const late = overdue === true ? overdueWhere(now) : overdue === false ? { NOT: overdueWhere(now) } : {};
  return { AND: [late, status ? { status } : {}] };
};

builder.queryField('lawEnforcementReferrals', (t) =>
  t.prismaConnection({
    type: 'LawEnforcementReferral',
    cursor: 'id',
    maxSize: 200,
    authScopes: oversight,
    description: 'Law-enforcement referrals, the most urgent (earliest due) first; `overdue: true` lists those PENDING past their due time',
    args: { status: t.arg({ type: ReferralStatusEnum }), overdue: t.arg.boolean() },
    totalCount: (_root, args, ctx) => ctx.prisma.lawEnforcementReferral.count({ where: referralsWhere(ctx, args) }),
    resolve: (query, _root, args, ctx) => {
      return ctx.prisma.lawEnforcementReferral.findMany({
        ...query,
        where: referralsWhere(ctx, args),
        orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
      });
    },
  }),
);

const ReferralFiguresRef = builder.objectRef<Awaited<ReturnType<typeof referralFigures>>>('LawEnforcementReferralFigures').implement({
  description: "The liaison team's workload: referrals by status, and those overdue",
  fields: (t) => ({
    pending: t.exposeInt('pending'),
    sent: t.exposeInt('sent'),
    closed: t.exposeInt('closed'),
    overdue: t.exposeInt('overdue', { description: 'PENDING past their due time' }),
    oldestOverdueDueAt: t.expose('oldestOverdueDueAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('lawEnforcementReferralFigures', (t) =>
  t.field({
    type: ReferralFiguresRef,
    authScopes: oversight,
    resolve: (_root, _args, ctx) => referralFigures(ctx.services),
  }),
);

builder.objectType(ReferralTransitionError, {
  name: 'ReferralTransitionError',
  description: "The referral's status does not allow this step (PENDING → SENT → CLOSED)",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ReferralTransitionError,
  fields: (t) => ({ status: t.field({ type: ReferralStatusEnum, description: 'The status it is in', resolve: (e) => e.status }) }),
});

const referralSuccess = (name: string) =>
  builder.objectRef<{ id: string }>(name).implement({
    fields: (t) => ({
      referral: t.prismaField({
        type: 'LawEnforcementReferral',
        resolve: (query, r, _a, ctx) => ctx.prisma.lawEnforcementReferral.findUniqueOrThrow({ ...query, where: { id: r.id } }),
      }),
    }),
  });

const MarkReferralSentInput = builder.inputType('MarkReferralSentInput', {
  fields: (t) => ({
    referralId: t.id({ required: true }),
    agency: t.string({ required: true, description: 'The agency the referral went to' }),
    reference: t.string({ required: true, description: "The agency's reference for it" }),
  }),
});

builder.mutationField('markReferralSent', (t) =>
  t.field({
    type: referralSuccess('MarkReferralSentSuccess'),
    authScopes: liaison,
    description: 'PENDING → SENT: the referral was handed to an agency (liaisons only; audited)',
    errors: { types: [...COMMON_ERRORS, ReferralTransitionError], directResult: true, union: { name: 'MarkReferralSentResult' } },
    args: { input: t.arg({ type: MarkReferralSentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ id: (await markReferralSent(ctx.services, { ...input, referralId: String(input.referralId) })).id }),
  }),
);

const CloseReferralInput = builder.inputType('CloseReferralInput', {
  fields: (t) => ({
    referralId: t.id({ required: true }),
    note: t.string({ description: 'How it ended, for the record' }),
  }),
});

builder.mutationField('closeReferral', (t) =>
  t.field({
    type: referralSuccess('CloseReferralSuccess'),
    authScopes: liaison,
    description: 'SENT → CLOSED (liaisons only; audited)',
    errors: { types: [...COMMON_ERRORS, ReferralTransitionError], directResult: true, union: { name: 'CloseReferralResult' } },
    args: { input: t.arg({ type: CloseReferralInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ id: (await closeReferral(ctx.services, { referralId: String(input.referralId), note: input.note })).id }),
  }),
);
