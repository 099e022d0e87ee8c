// Decisions and their statements of reasons (DSA Art. 17).
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { CategoryEnum, EnforcementActionEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import type { StatementOfReasons } from '../policy/index.js';
import { decideCase } from '../services/decisions.js';
import { EscalationRequiredError, VersionConflictError } from '../services/errors.js';

export const StatementOfReasonsRef = builder.objectRef<StatementOfReasons>('StatementOfReasons').implement({
  description: 'DSA Art. 17: what was decided, the facts, automated means, the ground and how to seek redress',
  fields: (t) => ({
    decision: t.exposeString('decision', { description: 'What was decided, and how long it lasts; an adult-depicted case is closed as out of scope' }),
    facts: t.exposeString('facts', { description: 'The notices and the assessment relied on, and any departure from the recommendation' }),
    automatedMeans: t.exposeString('automatedMeans'),
    ground: t.exposeString('ground', {
      description:
        'The policy clauses that support the actions decided (quoted verbatim, link markup shown as text), the ' +
        "enforcement-ladder steps behind them (platform practice, not policy text), and the decider's reasons when " +
        'the decision departs from the recommendation',
    }),
    redress: t.exposeString('redress'),
  }),
});

export const DecisionRef = builder.prismaObject('Decision', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    category: t.expose('category', { type: CategoryEnum }),
    actions: t.field({ type: [EnforcementActionEnum], select: { actions: true }, resolve: (d) => d.actions }),
    recommendedActions: t.field({ type: [EnforcementActionEnum], select: { recommendedActions: true }, resolve: (d) => d.recommendedActions }),
    deviatesFromRecommendation: t.exposeBoolean('deviatesFromRecommendation'),
    justification: t.exposeString('justification', { nullable: true }),
    policyVersion: t.exposeString('policyVersion'),
    decidedAt: t.expose('decidedAt', { type: 'DateTime' }),
    decidedBy: t.relation('decidedBy'),
    appealableUntil: t.expose('appealableUntil', { type: 'DateTime' }),
    reversedAt: t.expose('reversedAt', { type: 'DateTime', nullable: true, description: 'When an appeal against the decision succeeded: it no longer stands' }),
    reversedBy: t.relation('reversedBy', { nullable: true, description: 'Who decided the appeal that reversed it' }),
    statementOfReasons: t.field({
      type: StatementOfReasonsRef,
      select: { statementOfReasons: true },
      resolve: (d) => d.statementOfReasons as unknown as StatementOfReasons,
    }),
  }),
});

const DecideCaseInput = builder.inputType('DecideCaseInput', {
  fields: (t) => ({
    caseId: t.id({ required: true }),
    expectedVersion: t.int({ required: true }),
    actions: t.field({ type: [EnforcementActionEnum], required: true }),
    justification: t.string({ description: 'Required when the actions differ from the recommendation' }),
  }),
});

const DecideCaseSuccess = builder.objectRef<{ decisionId: string; caseId: string }>('DecideCaseSuccess').implement({
  fields: (t) => ({
    decision: t.prismaField({ type: 'Decision', resolve: (q, r, _a, ctx) => ctx.prisma.decision.findUniqueOrThrow({ ...q, where: { id: r.decisionId } }) }),
    case: t.prismaField({ type: 'Case', resolve: (q, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...q, where: { id: r.caseId } }) }),
  }),
});

builder.mutationField('decideCase', (t) =>
  t.field({
    type: DecideCaseSuccess,
    authScopes: { reviewer: true },
    errors: { types: [...COMMON_ERRORS, VersionConflictError, EscalationRequiredError], directResult: true, union: { name: 'DecideCaseResult' } },
    args: { input: t.arg({ type: DecideCaseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const result = await decideCase(ctx.services, { ...input, caseId: String(input.caseId) });
      return { decisionId: result.decision.id, caseId: result.case.id };
    },
  }),
);
