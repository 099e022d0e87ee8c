// Queues: what waits, claiming and releasing work, and live updates.
import { GraphQLError } from 'graphql';
import { pipe, filter } from 'graphql-yoga';
import { builder } from './builder.js';
import { QueueEventKindEnum, QueueNameEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { canHandleCategory, canWorkQueue, handledCategories, type QueueName } from '../policy/index.js';
import { ExposureCapReachedError, NoCaseAvailableError } from '../services/errors.js';
import { claimNextCase, releaseCase, renewLease, type ClaimResult } from '../services/claims.js';
import type { QueueEvent } from '../services/context.js';
import type { GraphQLContext } from './context.js';
import type { CaseStatus } from '../generated/prisma/enums.js';

/** Statuses that count as waiting in a queue. */
const waiting = (queue: QueueName): CaseStatus[] => (queue === 'APPEALS' ? ['APPEALED'] : ['OPEN', 'IN_REVIEW']);

function assertQueueAccess(ctx: GraphQLContext, queue: QueueName) {
  if (!ctx.user || !canWorkQueue(ctx.user.roles, queue)) {
    throw new GraphQLError(`You are not qualified to work the ${queue} queue`, { extensions: { code: 'FORBIDDEN' } });
  }
  return ctx.user;
}

const queueWhere = (ctx: GraphQLContext, queue: QueueName) => ({
  queue,
  status: { in: waiting(queue) },
  category: { in: handledCategories(ctx.user?.roles ?? []) },
});

const Queue = builder.objectRef<{ name: QueueName }>('Queue').implement({
  fields: (t) => ({
    name: t.field({ type: QueueNameEnum, resolve: (q) => q.name }),
    openCount: t.int({ resolve: (q, _a, ctx) => ctx.prisma.case.count({ where: queueWhere(ctx, q.name) }) }),
    oldestOpenSince: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: async (q, _a, ctx) =>
        (await ctx.prisma.case.aggregate({ where: queueWhere(ctx, q.name), _min: { createdAt: true } }))._min.createdAt,
    }),
    cases: t.prismaConnection(
      {
        type: 'Case',
        cursor: 'id',
        maxSize: 100,
        description: 'Most urgent first: by priority, then SLA due time',
        totalCount: (q, _args, ctx) => ctx.prisma.case.count({ where: queueWhere(ctx, q.name) }),
        resolve: (query, q, _args, ctx) =>
          ctx.prisma.case.findMany({
            ...query,
            where: queueWhere(ctx, q.name),
            orderBy: [{ priority: 'asc' }, { slaDueAt: 'asc' }, { id: 'asc' }],
          }),
      },
      {},
    ),
  }),
});

builder.queryField('queue', (t) =>
  t.field({
    type: Queue,
    authScopes: { reviewer: true },
    args: { name: t.arg({ type: QueueNameEnum, required: true }) },
    resolve: (_root, { name }, ctx) => {
      assertQueueAccess(ctx, name);
      return { name };
    },
  }),
);

const ClaimNextCaseSuccess = builder.objectRef<ClaimResult>('ClaimNextCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.case.id } }) }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('claimNextCase', (t) =>
  t.field({
    type: ClaimNextCaseSuccess,
    authScopes: { reviewer: true },
    description: 'Take the most urgent unclaimed case you may handle, with a lease',
    errors: { types: [...COMMON_ERRORS, NoCaseAvailableError, ExposureCapReachedError], directResult: true, union: { name: 'ClaimNextCaseResult' } },
    args: { queue: t.arg({ type: QueueNameEnum, required: true }) },
    resolve: (_root, { queue }, ctx) => claimNextCase(ctx.services, queue),
  }),
);

const ReleaseCaseSuccess = builder.objectRef<{ caseId: string }>('ReleaseCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
  }),
});

builder.mutationField('releaseCase', (t) =>
  t.field({
    type: ReleaseCaseSuccess,
    authScopes: { reviewer: true },
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'ReleaseCaseResult' } },
    args: { caseId: t.arg.id({ required: true }) },
    resolve: async (_root, { caseId }, ctx) => ({ caseId: (await releaseCase(ctx.services, String(caseId))).id }),
  }),
);

builder.mutationField('renewLease', (t) =>
  t.field({
    type: ClaimNextCaseSuccess,
    authScopes: { reviewer: true },
    description: 'Extend your lease on a case you are reviewing',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'RenewLeaseResult' } },
    args: { caseId: t.arg.id({ required: true }) },
    resolve: (_root, { caseId }, ctx) => renewLease(ctx.services, String(caseId)),
  }),
);

const QueueUpdate = builder.objectRef<QueueEvent>('QueueUpdate').implement({
  fields: (t) => ({
    kind: t.field({ type: QueueEventKindEnum, resolve: (e) => e.kind }),
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.at) }),
    queue: t.field({ type: QueueNameEnum, resolve: (e) => e.queue }),
    case: t.prismaField({
      type: 'Case',
      nullable: true,
      resolve: (query, e, _a, ctx) => ctx.prisma.case.findUnique({ ...query, where: { id: e.caseId } }),
    }),
  }),
});

/** Re-checked on every event: a subscriber sees only cases of categories they may handle right now. */
async function visible(ctx: GraphQLContext, event: QueueEvent): Promise<boolean> {
  if (!ctx.user) return false;
  const found = await ctx.prisma.case.findUnique({ where: { id: event.caseId }, select: { category: true } });
  return !!found && canHandleCategory(ctx.user.roles, found.category);
}

builder.subscriptionField('queueUpdates', (t) =>
  t.field({
    type: QueueUpdate,
    authScopes: { reviewer: true },
    description: 'Cases added, updated, claimed, released or resolved in a queue, as they commit',
    args: { queue: t.arg({ type: QueueNameEnum, required: true }) },
    subscribe: (_root, { queue }, ctx) => {
      assertQueueAccess(ctx, queue);
      return pipe(ctx.pubsub.subscribe('queue', queue), filter((event: QueueEvent) => visible(ctx, event)));
    },
    resolve: (event) => event,
  }),
);

builder.subscriptionField('caseUpdated', (t) =>
  t.field({
    type: QueueUpdate,
    authScopes: { $any: { reviewer: true, oversight: true } },
    description: 'Every committed change to one case, for a case detail screen',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) =>
      pipe(ctx.pubsub.subscribe('case', String(id)), filter((event: QueueEvent) => visible(ctx, event))),
    resolve: (event) => event,
  }),
);
