// Case links: two cases about the same incident or account. Linked and unlinked by staff who may work both; shown on
// each case to whoever may read it, less any linked case the reader may not see; a lead applies a decision on one to
// the others in one step.
import { builder, readersOf } from './builder.js';
import { COMMON_ERRORS, ErrorInterface, errorValue } from './errors.js';
import { maySeeCase } from '../services/access.js';
import { applyDecisionToLinkedCases, linkCases, unlinkCases, type LinkedDecisionResult } from '../services/case-links.js';
import { NotFoundError } from '../services/errors.js';

/** A link as seen from one of its cases: `otherCaseId` is the case at the other end. */
interface LinkView {
  /** The stored link's id (what its audit events name). */
  id: string;
  /** The case it is seen from. */
  fromCaseId: string;
  reason: string;
  createdAt: Date;
  createdById: string;
  otherCaseId: string;
}

const view = (link: { id: string; caseId: string; linkedCaseId: string; reason: string; createdAt: Date; createdById: string }, from: string): LinkView => ({
  id: link.id,
  fromCaseId: from,
  reason: link.reason,
  createdAt: link.createdAt,
  createdById: link.createdById,
  otherCaseId: link.caseId === from ? link.linkedCaseId : link.caseId,
});

export const CaseLinkRef = builder.objectRef<LinkView>('CaseLink').implement({
  description: 'A link from this case to another about the same incident or account, made by staff who may work both',
  fields: (t) => ({
    id: t.id({
      description:
        'Stable, and one per side: CaseLink:<linkId>:<the case it is seen from>, since `linkedCase` depends on the side ' +
        '(a normalized cache keyed by id keeps both sides apart)',
      resolve: (l) => `CaseLink:${l.id}:${l.fromCaseId}`,
    }),
    linkId: t.id({ description: 'The link itself, the same from both cases: what its audit events name', resolve: (l) => l.id }),
    reason: t.exposeString('reason', { description: 'Why the cases were linked' }),
    linkedAt: t.expose('createdAt', { type: 'DateTime' }),
    linkedBy: t.prismaField({ type: 'Reviewer', resolve: (query, l, _a, ctx) => ctx.prisma.reviewer.findUniqueOrThrow({ ...query, where: { id: l.createdById } }) }),
    linkedCase: t.prismaField({
      type: 'Case',
      description: 'The case at the other end of the link',
      resolve: (query, l, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: l.otherCaseId } }),
    }),
  }),
});

builder.prismaObjectField('Case', 'links', (t) =>
  t.field({
    type: [CaseLinkRef],
    description:
      'Cases linked to this one as about the same incident or account, oldest link first. A linked case the reader may not see is left out',
    authScopes: (c) => readersOf(c.category),
    resolve: async (c, _a, ctx) => {
      const rows = await ctx.prisma.caseLink.findMany({
        where: { OR: [{ caseId: c.id }, { linkedCaseId: c.id }] },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        include: { case: { select: { category: true } }, linkedCase: { select: { category: true } } },
      });
      const roles = ctx.user?.roles ?? [];
      return rows.filter((r) => maySeeCase(roles, (r.caseId === c.id ? r.linkedCase : r.case).category)).map((r) => view(r, c.id));
    },
  }),
);

const LinkCasesSuccess = builder.objectRef<{ link: LinkView; caseId: string; linkedCaseId: string }>('LinkCasesSuccess').implement({
  fields: (t) => ({
    link: t.field({ type: CaseLinkRef, description: 'The link, seen from `case`: `link.linkedCase` is the other case', resolve: (r) => r.link }),
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
  }),
});

const UnlinkCasesSuccess = builder.objectRef<{ caseId: string; linkedCaseId: string }>('UnlinkCasesSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
    linkedCase: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.linkedCaseId } }) }),
  }),
});

builder.mutationField('linkCases', (t) =>
  t.field({
    type: LinkCasesSuccess,
    authScopes: { reviewer: true },
    description:
      'Link two cases you may work on as about the same incident or account, with a reason (at most 2,000 characters). A case you may not see is NotFoundError, like a missing one',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'LinkCasesResult' } },
    args: { caseId: t.arg.id({ required: true }), linkedCaseId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, { caseId, linkedCaseId, reason }, ctx) => {
      const made = await linkCases(ctx.services, String(caseId), String(linkedCaseId), reason);
      return { link: view(made.link, made.caseId), caseId: made.caseId, linkedCaseId: made.linkedCaseId };
    },
  }),
);

builder.mutationField('unlinkCases', (t) =>
  t.field({
    type: UnlinkCasesSuccess,
    authScopes: { reviewer: true },
    description: 'Remove the link between two cases you may work on; the reason, when given, is kept in the audit log',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'UnlinkCasesResult' } },
    args: { caseId: t.arg.id({ required: true }), linkedCaseId: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: async (_root, { caseId, linkedCaseId, reason }, ctx) => unlinkCases(ctx.services, String(caseId), String(linkedCaseId), reason),
  }),
);

const LinkedCaseInput = builder.inputType('LinkedCaseInput', {
  fields: (t) => ({
    caseId: t.id({ required: true }),
    expectedVersion: t.int({ description: 'When given, the case must still be at this version (VersionConflictError otherwise)' }),
  }),
});

const ApplyDecisionToLinkedCasesInput = builder.inputType('ApplyDecisionToLinkedCasesInput', {
  fields: (t) => ({
    caseId: t.id({ required: true, description: 'The case whose standing decision is applied' }),
    linkedCases: t.field({ type: [LinkedCaseInput], description: 'The linked cases to decide (at most 100); every linked case when omitted' }),
  }),
});

const LinkedDecisionResultRef = builder.objectRef<LinkedDecisionResult>('LinkedDecisionResult').implement({
  description: 'What applying a decision did to one linked case: a decision of its own, or the refusal and why',
  fields: (t) => ({
    caseId: t.exposeID('caseId'),
    applied: t.boolean({ resolve: (r) => r.decisionId !== null }),
    decision: t.prismaField({
      type: 'Decision',
      nullable: true,
      resolve: (query, r, _a, ctx) => (r.decisionId ? ctx.prisma.decision.findUniqueOrThrow({ ...query, where: { id: r.decisionId } }) : null),
    }),
    case: t.prismaField({
      type: 'Case',
      nullable: true,
      description: 'The case as the step left it; null when it is not linked, missing or not yours to see',
      resolve: (query, r, _a, ctx) => (r.error instanceof NotFoundError ? null : ctx.prisma.case.findUnique({ ...query, where: { id: r.caseId } })),
    }),
    error: t.field({ type: ErrorInterface, nullable: true, description: 'Why the decision was not applied to this case', resolve: (r) => (r.error ? errorValue(r.error) : null) }),
  }),
});

const ApplyDecisionToLinkedCasesSuccess = builder
  .objectRef<{ caseId: string; decisionId: string; results: LinkedDecisionResult[] }>('ApplyDecisionToLinkedCasesSuccess')
  .implement({
    fields: (t) => ({
      case: t.prismaField({ type: 'Case', description: 'The case whose decision was applied', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
      decision: t.prismaField({ type: 'Decision', description: 'The decision applied', resolve: (query, r, _a, ctx) => ctx.prisma.decision.findUniqueOrThrow({ ...query, where: { id: r.decisionId } }) }),
      results: t.field({ type: [LinkedDecisionResultRef], description: 'One per linked case, in the order named (or linked)', resolve: (r) => r.results }),
    }),
  });

builder.mutationField('applyDecisionToLinkedCases', (t) =>
  t.field({
    type: ApplyDecisionToLinkedCasesSuccess,
    authScopes: { role: 'LEAD' },
    description:
      "Apply the standing decision on a case to its linked cases (leads): each gets its own decision with the same actions and justification, through decideCase's checks and effects, or a refusal; one refusal stops none of the others",
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'ApplyDecisionToLinkedCasesResult' } },
    args: { input: t.arg({ type: ApplyDecisionToLinkedCasesInput, required: true }) },
    resolve: async (_root, { input }, ctx) =>
      applyDecisionToLinkedCases(ctx.services, {
        caseId: String(input.caseId),
        linkedCases: input.linkedCases?.map((l) => ({ caseId: String(l.caseId), expectedVersion: l.expectedVersion ?? null })) ?? null,
      }),
  }),
);
