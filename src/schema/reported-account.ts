// `reportedAccount(id)`: an account's history for staff who may read its cases. Every list and count is narrowed in SQL
// to the cases the caller may read by content (src/services/account-history.ts), so hidden cases are absent and
// uncounted; the cases page like `cases(filter)`, newest first, on the index over (reportedAccountId, createdAt, id).
import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from './builder.js';
import { CaseConnection } from './case-search.js';
import { AccountStrikeRef, type StrikeView } from './strike.js';
import { CASE_ORDER, afterCursor, decodeCaseCursor, encodeCaseCursor, pageSize } from '../services/case-search.js';
import { ACCOUNT_HISTORY_LIST_LIMIT, accountHistory, type AccountHistory } from '../services/account-history.js';

const ReportedAccountRef = builder.objectRef<AccountHistory>('ReportedAccount').implement({
  description:
    'What the service knows about a reported account, limited to the cases you may read by content: a case of a category you may not handle is absent and counts nowhere',
  fields: (t) => ({
    id: t.id({ description: 'The account id, as the platform gave it', resolve: (a) => a.accountId }),
    cases: t.field({
      type: CaseConnection,
      description: 'Its cases you may read, newest first (by createdAt, then id), any status; `first`: 1 to 100 (20 by default)',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: async (a, args, ctx, info) => {
        const size = pageSize(args.first);
        const key = args.after ? decodeCaseCursor(args.after) : null;
        const query = queryFromInfo({ context: ctx, info, typeName: 'Case', path: ['edges', 'node'], select: { id: true, createdAt: true } });
        const rows = await ctx.prisma.case.findMany({
          ...(query as object),
          where: key ? { AND: [a.caseWhere, afterCursor(key)] } : a.caseWhere,
          orderBy: CASE_ORDER,
          take: size + 1,
        });
        const page = rows.slice(0, size) as unknown as Array<{ id: string; createdAt: Date }>;
        const edges = page.map((node) => ({ cursor: encodeCaseCursor(node), node }));
        return {
          edges,
          pageInfo: { hasNextPage: rows.length > size, hasPreviousPage: !!key, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: () => ctx.prisma.case.count({ where: a.caseWhere }),
        } as never;
      },
    }),
    decisions: t.prismaField({
      type: ['Decision'],
      description: `Decisions on its cases you may read, reversed ones included, newest first (at most ${ACCOUNT_HISTORY_LIST_LIMIT})`,
      resolve: (query, a, _args, ctx) =>
        ctx.prisma.decision.findMany({ ...query, where: { case: a.caseWhere }, orderBy: [{ decidedAt: 'desc' }, { id: 'desc' }], take: ACCOUNT_HISTORY_LIST_LIMIT }),
    }),
    strikes: t.field({
      type: [AccountStrikeRef],
      description: `Strikes from the enforcement ladder recorded against it by decisions on its cases you may read, newest first (at most ${ACCOUNT_HISTORY_LIST_LIMIT}); inactive once reversed on appeal`,
      resolve: async (a, _args, ctx): Promise<StrikeView[]> => {
        const rows = await ctx.prisma.accountStrike.findMany({
          where: { accountId: a.accountId, case: a.caseWhere },
          orderBy: [{ recordedAt: 'desc' }, { id: 'desc' }],
          take: ACCOUNT_HISTORY_LIST_LIMIT,
          select: { caseId: true, recordedAt: true, category: true, decision: { select: { reversedAt: true } } },
        });
        return rows.map((r) => ({ caseId: r.caseId, recordedAt: r.recordedAt, category: r.category, active: r.decision.reversedAt === null }));
      },
    }),
    openAppeals: t.prismaField({
      type: ['Appeal'],
      description: `Appeals not yet decided against decisions on its cases you may read, oldest first (at most ${ACCOUNT_HISTORY_LIST_LIMIT})`,
      resolve: (query, a, _args, ctx) =>
        ctx.prisma.appeal.findMany({ ...query, where: { status: 'PENDING', case: a.caseWhere }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: ACCOUNT_HISTORY_LIST_LIMIT }),
    }),
    violationCount: t.int({
      description: 'Its cases you may read that carry a standing (not reversed) decision removing the content or sanctioning the account',
      resolve: (a) => a.violationCount(),
    }),
    repeatOffender: t.boolean({
      description: "violationCount has reached repeatOffenceThreshold: new cases about the account are raised one step (see Case.priorityReason)",
      resolve: (a) => a.repeatOffender(),
    }),
    repeatOffenceThreshold: t.int({ description: "The platform's repeat-offence threshold (practice, not policy text)", resolve: (a) => a.threshold }),
  }),
});

builder.queryField('reportedAccount', (t) =>
  t.field({
    type: ReportedAccountRef,
    authScopes: { $any: { reviewer: true, oversight: true } },
    description:
      'A reported account’s history: its cases, decisions, strikes and open appeals, and whether it crossed the repeat-offence threshold, all limited to the cases you may read by content (like cases(filter: {reportedAccountId}))',
    args: { id: t.arg.string({ required: true }) },
    resolve: (_root, { id }, ctx) => accountHistory(ctx, ctx.user?.roles ?? [], id),
  }),
);
