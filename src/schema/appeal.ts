// Appeals: lodged by the platform for an affected account or by a notifier with a follow-up token; decided
// independently.
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { AppealOutcomeEnum, AppealStatusEnum, AppellantKindEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { StatementOfReasonsRef } from './decision.js';
import type { StatementOfReasons } from '../policy/index.js';
import { decideAppeal, submitAppeal } from '../services/appeals.js';
import { AppealNotAllowedError } from '../services/errors.js';
import type { AppealStatus } from '../generated/prisma/enums.js';

const staff = { $any: { reviewer: true, oversight: true } } as const;

/** The appellant sees only what they created (id, status, dates); the substance is for reviewers and oversight. */
builder.prismaObject('Appeal', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: AppealStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    outcome: t.expose('outcome', { type: AppealOutcomeEnum, nullable: true }),
    appellantKind: t.expose('appellantKind', { type: AppellantKindEnum, authScopes: staff }),
    statement: t.exposeString('statement', { authScopes: staff }),
    reason: t.exposeString('reason', { nullable: true, authScopes: staff }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true, authScopes: staff }),
    decidedBy: t.relation('decidedBy', { nullable: true, authScopes: staff }),
    decision: t.relation('decision', { authScopes: staff }),
    statementOfReasons: t.field({
      type: StatementOfReasonsRef,
      nullable: true,
      authScopes: staff,
      select: { statementOfReasons: true },
      resolve: (a) => (a.statementOfReasons as unknown as StatementOfReasons | null) ?? null,
    }),
  }),
});

const SubmitAppealInput = builder.inputType('SubmitAppealInput', {
  fields: (t) => ({
    decisionId: t.id({ required: true }),
    appellantAccountId: t.string({ description: 'The affected account (platform service only)' }),
    followUpToken: t.string({ description: "The notifier's follow-up token" }),
    statement: t.string({ required: true }),
  }),
});

interface AppealReceiptView {
  id: string;
  status: AppealStatus;
  appellantKind: 'AFFECTED_ACCOUNT' | 'NOTIFIER';
  decisionId: string;
  createdAt: Date;
  decideBy: Date;
  appealableUntil: Date;
  outcome: 'UPHELD' | 'OVERTURNED' | null;
}

/** What the appellant may keep: everything here is theirs to read, whoever lodged the appeal. */
const AppealReceipt = builder.objectRef<AppealReceiptView>('AppealReceipt').implement({
  description: 'The appellant’s receipt for an appeal: its id, where it stands and its deadlines',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The appeal id' }),
    status: t.field({ type: AppealStatusEnum, resolve: (r) => r.status }),
    appellantKind: t.field({ type: AppellantKindEnum, resolve: (r) => r.appellantKind }),
    decisionId: t.exposeID('decisionId', { description: 'The decision appealed against' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    decideBy: t.expose('decideBy', { type: 'DateTime', description: 'When the appeal is due to be decided' }),
    appealableUntil: t.expose('appealableUntil', { type: 'DateTime', description: 'The last moment the decision could be appealed' }),
    outcome: t.field({ type: AppealOutcomeEnum, nullable: true, resolve: (r) => r.outcome }),
  }),
});

const SubmitAppealSuccess = builder.objectRef<{ appealId: string }>('SubmitAppealSuccess').implement({
  fields: (t) => ({
    appeal: t.prismaField({
      type: 'Appeal',
      nullable: true,
      description: 'The appeal as staff see it; appellants read `receipt` (the fields here beyond id, status, createdAt and outcome are for staff)',
      resolve: (q, r, _a, ctx) => ctx.prisma.appeal.findUniqueOrThrow({ ...q, where: { id: r.appealId } }),
    }),
    receipt: t.field({
      type: AppealReceipt,
      resolve: async (r, _a, ctx) => {
        const appeal = await ctx.prisma.appeal.findUniqueOrThrow({
          where: { id: r.appealId },
          include: { case: { select: { slaDueAt: true } }, decision: { select: { appealableUntil: true } } },
        });
        return { ...appeal, decideBy: appeal.case.slaDueAt, appealableUntil: appeal.decision.appealableUntil };
      },
    }),
  }),
});

builder.mutationField('submitAppeal', (t) =>
  t.field({
    type: SubmitAppealSuccess,
    authScopes: { $any: { public: true } },
    description: 'Appeal a decision: the platform for the affected account, or a notifier with their follow-up token',
    errors: { types: [...COMMON_ERRORS, AppealNotAllowedError], directResult: true, union: { name: 'SubmitAppealResult' } },
    args: { input: t.arg({ type: SubmitAppealInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ appealId: (await submitAppeal(ctx.services, { ...input, decisionId: String(input.decisionId) })).id }),
  }),
);

const DecideAppealInput = builder.inputType('DecideAppealInput', {
  fields: (t) => ({
    appealId: t.id({ required: true }),
    outcome: t.field({ type: AppealOutcomeEnum, required: true }),
    reason: t.string({ required: true }),
  }),
});

const DecideAppealSuccess = builder.objectRef<{ appealId: string; caseId: string }>('DecideAppealSuccess').implement({
  fields: (t) => ({
    appeal: t.prismaField({ type: 'Appeal', resolve: (q, r, _a, ctx) => ctx.prisma.appeal.findUniqueOrThrow({ ...q, where: { id: r.appealId } }) }),
    case: t.prismaField({ type: 'Case', resolve: (q, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...q, where: { id: r.caseId } }) }),
  }),
});

builder.mutationField('decideAppeal', (t) =>
  t.field({
    type: DecideAppealSuccess,
    authScopes: { reviewer: true },
    description: 'Decide an appeal (appeals reviewers and leads who did not take the original decision)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'DecideAppealResult' } },
    args: { input: t.arg({ type: DecideAppealInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const r = await decideAppeal(ctx.services, { ...input, appealId: String(input.appealId) });
      return { appealId: r.appeal.id, caseId: r.case.id };
    },
  }),
);
