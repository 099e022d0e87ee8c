// `cases(filter, first, after)`: staff find cases, decided and closed ones included, newest first. Visibility is part
// of the SQL (src/services/case-search.ts), so pages and totalCount hold only cases the caller may see.
import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from './builder.js';
import { CaseRef } from './case.js';
import { CaseStatusEnum, CategoryEnum, QueueNameEnum } from './enums.js';
import {
  CASE_ORDER,
  CASES_MAX_PAGE,
  afterCursor,
  caseSearchWhere,
  decodeCaseCursor,
  encodeCaseCursor,
  pageSize,
} from '../services/case-search.js';

const DateTimeRange = builder.inputType('DateTimeRange', {
  description: 'The half-open period [from, to) in UTC; either end may be left open',
  fields: (t) => ({
    from: t.field({ type: 'DateTime' }),
    to: t.field({ type: 'DateTime' }),
  }),
});

export const CaseFilter = builder.inputType('CaseFilter', {
  description: 'Every field given must match (a list: any of its values). Each is served by an index.',
  fields: (t) => ({
    status: t.field({ type: [CaseStatusEnum] }),
    category: t.field({ type: [CategoryEnum] }),
    queue: t.field({ type: [QueueNameEnum] }),
    assigneeId: t.id({ description: 'The reviewer holding the case' }),
    reportedAccountId: t.string({ description: 'Matches only cases whose content you may read' }),
    contentId: t.string({ description: 'Matches only cases whose content you may read' }),
    createdAt: t.field({ type: DateTimeRange }),
    updatedAt: t.field({ type: DateTimeRange }),
  }),
});

interface CasePage {
  edges: Array<{ cursor: string; node: { id: string; createdAt: Date } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export const CaseConnection = builder.connectionObject(
  {
    type: CaseRef,
    name: 'CaseConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'Cases matching the filter that you may see (one indexed count)',
        resolve: (page) => (page as unknown as CasePage).totalCount(),
      }),
    }),
  },
  { name: 'CaseConnectionEdge' },
);

builder.queryField('cases', (t) =>
  t.field({
    type: CaseConnection,
    authScopes: { $any: { reviewer: true, oversight: true } },
    description: `Cases you may see, newest first (by createdAt, then id), any status. \`first\`: 1 to ${CASES_MAX_PAGE} (20 by default); \`after\`: an edge's cursor`,
    args: {
      filter: t.arg({ type: CaseFilter }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: async (_root, args, ctx, info) => {
      const size = pageSize(args.first);
      const key = args.after ? decodeCaseCursor(args.after) : null;
      const where = caseSearchWhere(ctx.user?.roles ?? [], {
        ...args.filter,
        assigneeId: args.filter?.assigneeId == null ? null : String(args.filter.assigneeId),
      });
      // The nodes' selection, as Pothos would build it for a prismaField: nested fields load in the same query.
      const query = queryFromInfo({ context: ctx, info, typeName: 'Case', path: ['edges', 'node'], select: { id: true, createdAt: true } });
      const rows = await ctx.prisma.case.findMany({
        ...(query as object),
        where: key ? { AND: [where, afterCursor(key)] } : where,
        orderBy: CASE_ORDER,
        take: size + 1,
      });
      const page = rows.slice(0, size) as unknown as Array<{ id: string; createdAt: Date }>;
      const edges = page.map((node) => ({ cursor: encodeCaseCursor(node), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > size,
          hasPreviousPage: !!key,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: () => ctx.prisma.case.count({ where }),
      } as never;
    },
  }),
);
