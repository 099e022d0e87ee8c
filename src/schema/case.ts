// The case: the unit of review. Readable by those who may handle its category, and by oversight.
import { builder, contentReadersOf, readersOf } from './builder.js';
import { NodeRef } from './node.js';
import { CaseStatusEnum, CategoryEnum, HashAlgorithmEnum, PriorityEnum, QueueNameEnum, priorityLabel } from './enums.js';
import { maySeeCase } from '../services/access.js';
import { presentationHints, PresentationHints } from './presentation.js';
import { DecisionRef } from './decision.js';
import { HashMatchRef } from './hash-bank.js';
import { AccountStrikeRef, strikesOf } from './strike.js';
import { ESCALATION_REASONS, priorityReasonText, triage, type EscalationReason } from '../policy/index.js';

/** The policy's two-person-rule reasons, and a reviewer's own request for a lead (escalateCase). */
type CaseEscalationReason = EscalationReason | 'REVIEWER_REQUEST';
export const EscalationReasonEnum = builder.enumType('EscalationReason', { values: [...ESCALATION_REASONS, 'REVIEWER_REQUEST'] as const });

const CaseEscalation = builder.objectRef<{ reason: CaseEscalationReason; escalatedAt: Date; escalatedById: string | null; note: string | null }>('CaseEscalation').implement({
  description:
    'The case waits for a lead (only leads other than the escalator can claim it): a decision was refused under the two-person rule, or the reviewer holding it asked for one',
  fields: (t) => ({
    reason: t.field({ type: EscalationReasonEnum, resolve: (e) => e.reason }),
    note: t.exposeString('note', { nullable: true, description: 'Why the reviewer asked for a lead (REVIEWER_REQUEST)' }),
    escalatedAt: t.expose('escalatedAt', { type: 'DateTime' }),
    escalatedBy: t.prismaField({
      type: 'Reviewer',
      nullable: true,
      description: 'The reviewer whose decision was refused',
      resolve: (query, e, _a, ctx) => (e.escalatedById ? ctx.prisma.reviewer.findUnique({ ...query, where: { id: e.escalatedById } }) : null),
    }),
  }),
});

interface ContentRef {
  contentId: string;
  url: string | null;
  mediaHashes: Array<{ algorithm: 'MD5' | 'SHA256' | 'PDQ'; value: string }>;
}

const MediaHash = builder.objectRef<ContentRef['mediaHashes'][number]>('MediaHash').implement({
  fields: (t) => ({
    algorithm: t.field({ type: HashAlgorithmEnum, resolve: (h) => h.algorithm }),
    value: t.exposeString('value'),
  }),
});

const ContentReference = builder.objectRef<ContentRef & { category: Parameters<typeof presentationHints>[0] }>('ContentReference').implement({
  description: 'Where the reported content lives. The service never stores or serves media, only references and hashes.',
  fields: (t) => ({
    contentId: t.exposeString('contentId'),
    url: t.exposeString('url', { nullable: true }),
    mediaHashes: t.field({ type: [MediaHash], resolve: (c) => c.mediaHashes }),
    presentation: t.field({ type: PresentationHints, resolve: (c) => presentationHints(c.category) }),
  }),
});

export const CaseRef = builder.prismaObject('Case', {
  interfaces: [NodeRef],
  select: { id: true, category: true },
  authScopes: (c) => readersOf(c.category),
  fields: (t) => {
    const content = (c: { category: 'CHILD_SEXUAL_EXPLOITATION' | 'PHYSICAL_CHILD_ABUSE_MEDIA' | 'MINOR_PHYSICAL_ALTERCATION' }) => contentReadersOf(c.category);
    return {
      id: t.exposeID('id'),
      status: t.expose('status', { type: CaseStatusEnum }),
      category: t.expose('category', { type: CategoryEnum }),
      queue: t.expose('queue', { type: QueueNameEnum }),
      priority: t.field({ type: PriorityEnum, select: { priority: true }, resolve: (c) => priorityLabel(c.priority) }),
      priorityReason: t.string({
        nullable: true,
        description:
          'Why the priority is above what the reports alone give: the reported account crossed the repeat-offence threshold (counting only cases of categories this case’s handlers may see); null when nothing raised it',
        select: { priority: true, category: true, childAtImmediateRisk: true, distinctReporterCount: true, requestedByDepicted: true, knownHashMatch: true, priorViolations: true },
        resolve: (c) => {
          const t = triage({ category: c.category, childAtImmediateRisk: c.childAtImmediateRisk, distinctReporters: c.distinctReporterCount, requestedByDepicted: c.requestedByDepicted, knownHashMatch: c.knownHashMatch, priorViolations: c.priorViolations });
          return t.priorityReason && c.priority <= t.priority ? priorityReasonText(t.priorityReason) : null;
        },
      }),
      slaDueAt: t.expose('slaDueAt', { type: 'DateTime' }),
      childAtImmediateRisk: t.exposeBoolean('childAtImmediateRisk'),
      reportCount: t.exposeInt('reportCount'),
      distinctReporterCount: t.exposeInt('distinctReporterCount'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
      decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
      version: t.exposeInt('version', { description: 'Pass as expectedVersion when deciding' }),
      leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime', nullable: true }),
      assignee: t.relation('assignee', { nullable: true }),
      escalation: t.field({
        type: CaseEscalation,
        nullable: true,
        select: { escalationReason: true, escalatedAt: true, escalatedById: true, escalationNote: true },
        resolve: (c) =>
          c.escalationReason && c.escalatedAt ? { reason: c.escalationReason, escalatedAt: c.escalatedAt, escalatedById: c.escalatedById, note: c.escalationNote } : null,
      }),
      reportedAccountStrikes: t.field({
        type: [AccountStrikeRef],
        description:
          'Strikes recorded against the reported account by decisions on its other cases, oldest first: repeat offences. Only strikes recorded on cases of categories you may see (as reportedAccount.strikes)',
        select: { reportedAccountId: true },
        resolve: async (c, _a, ctx) => {
          if (!c.reportedAccountId) return [];
          const roles = ctx.user?.roles ?? [];
          return (await strikesOf(ctx, c.reportedAccountId)).filter((s) => s.caseId !== c.id && maySeeCase(roles, s.category));
        },
      }),
      reportedAccountId: t.exposeString('reportedAccountId', { nullable: true, authScopes: content }),
      content: t.field({
        type: ContentReference,
        authScopes: content,
        select: { contentId: true, contentUrl: true, mediaHashes: { select: { algorithm: true, value: true }, orderBy: { createdAt: 'asc' } } },
        resolve: (c) => ({ contentId: c.contentId, url: c.contentUrl, mediaHashes: c.mediaHashes, category: c.category }),
      }),
      knownHashMatch: t.exposeBoolean('knownHashMatch', { description: 'Some media hash on the case matched a bank of known material' }),
      hashMatches: t.field({
        type: [HashMatchRef],
        authScopes: content,
        description: 'The bank matches of the case’s media hashes, nearest first',
        select: { hashMatches: { include: { bank: { select: { name: true, category: true } } }, orderBy: [{ distance: 'asc' }, { matchedAt: 'asc' }] } },
        resolve: (c) =>
          c.hashMatches.map((m) => ({ ...m, bank: m.bank.name, category: m.bank.category })),
      }),
      reports: t.relatedConnection('reports', {
        cursor: 'id',
        authScopes: content,
        totalCount: true,
        query: () => ({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      }),
      assessments: t.relation('assessments', { authScopes: content, query: { orderBy: { createdAt: 'asc' } } }),
      decision: t.field({
        type: DecisionRef,
        nullable: true,
        description: 'The latest decision on the case',
        select: (_args, _ctx, nested) => ({ decisions: nested({ orderBy: { decidedAt: 'desc' }, take: 1 }) }),
        resolve: (c) => c.decisions[0] ?? null,
      }),
      decisions: t.relation('decisions', { query: { orderBy: { decidedAt: 'asc' } } }),
      duplicateOf: t.prismaField({
        type: 'Case',
        nullable: true,
        description: 'The case this one was closed as a duplicate of (bulkCloseCasesAsDuplicate); null otherwise, or when it is not yours to see',
        select: { duplicateOfId: true },
        resolve: async (query, c, _a, ctx) => {
          if (!c.duplicateOfId || !ctx.user) return null;
          const found = await ctx.prisma.case.findUnique({ ...query, where: { id: c.duplicateOfId } });
          return found && maySeeCase(ctx.user.roles, found.category) ? found : null;
        },
      }),
      notes: t.relation('notes', {
        description: 'Notes by the staff working the case, oldest first; readable by whoever may read the case',
        authScopes: (c) => readersOf(c.category),
        query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      }),
      appeals: t.relation('appeals', { query: { orderBy: { createdAt: 'asc' } } }),
      ncmecReport: t.relation('ncmecReport', { nullable: true }),
      lawEnforcementReferral: t.relation('referral', { nullable: true }),
    };
  },
});

builder.queryField('case', (t) =>
  t.prismaField({
    type: 'Case',
    nullable: true,
    authScopes: { $any: { reviewer: true, oversight: true } },
    description: 'A case by id; null when it does not exist or is not yours to see',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      if (!/^[0-9a-f-]{36}$/i.test(String(id))) return null;
      const found = await ctx.prisma.case.findUnique({ ...query, where: { id: String(id) } });
      if (!found || !ctx.user) return null;
      return maySeeCase(ctx.user.roles, found.category) ? found : null;
    },
  }),
);
