// Queues: what waits, claiming and releasing work, and live updates.
import { GraphQLError, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { initContextCache } from '@pothos/core';
import { OVERSIGHT_ROLES, REVIEWING_ROLES, builder } from './builder.js';
import { createLoaders } from './context.js';
import { NodeRef } from './node.js';
import { queueNodeId } from '../services/nodes.js';
import DataLoader from 'dataloader';
import { accessCurrentFor, grantedRoles, readAccess, type KnownAccess } from '../services/reviewers.js';
import { covers, fromSnapshot, withCommitted } from '../services/case-snapshot.js';
import { PriorityEnum, QueueEventKindEnum, QueueNameEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { canHandleCategory, canWorkQueue, handledCategories, type Category, type QueueName, type Role } from '../policy/index.js';
import { ExposureCapReachedError, NoCaseAvailableError, NotQualifiedError, VersionConflictError } from '../services/errors.js';
import { assignCase, claimCase, claimNextCase, escalateCase, releaseCase, renewLease, unassignCase, type ClaimResult } from '../services/claims.js';
import type { QueueEvent } from '../services/context.js';
import { moveCase } from '../services/moves.js';
import { queuePage, type QueueFilter, type QueuePage } from '../services/queue-page.js';
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

const queueFilter = (ctx: GraphQLContext, queue: QueueName): QueueFilter => ({ queue, statuses: waiting(queue), categories: handledCategories(ctx.user?.roles ?? []) });

/** The page statement each queue of this request ran, if any: it carries what openCount, oldestOpenSince and totalCount answer. */
const pages = new WeakMap<object, Promise<QueuePage | null>>();

/**
 * The page statement of this queue field, if its selection has one. The queue's fields resolve together, so this waits
 * one turn of the event loop for the page to start; openCount and oldestOpenSince then read what the page's statement
 * carries, and run a query of their own only without one (or when the page was read through Prisma).
 */
async function pageAlongside(q: { name: QueueName }): Promise<QueuePage | null> {
  if (!pages.has(q)) await new Promise((resolve) => setImmediate(resolve));
  return (await pages.get(q)) ?? null;
}

/** The cases waiting in the queue for this caller. */
async function waitingCount(q: { name: QueueName }, ctx: GraphQLContext): Promise<number> {
  const page = await pageAlongside(q);
  return page ? page.total : ctx.prisma.case.count({ where: queueWhere(ctx, q.name) });
}

/** Whether the connection's nodes select Case.auditTrail (through fragments too): the statement then carries it. */
function selectsAuditTrail(info: GraphQLResolveInfo): boolean {
  const fields = (set: SelectionSetNode | undefined, name: string): FieldNode[] =>
    (set?.selections ?? []).flatMap((s) =>
      s.kind === Kind.FIELD
        ? s.name.value === name
          ? [s]
          : []
        : s.kind === Kind.INLINE_FRAGMENT
          ? fields(s.selectionSet, name)
          : fields(info.fragments[s.name.value]?.selectionSet, name),
    );
  const nodes = info.fieldNodes.flatMap((f) => [
    ...fields(f.selectionSet, 'nodes'),
    ...fields(f.selectionSet, 'edges').flatMap((e) => fields(e.selectionSet, 'node')),
  ]);
  return nodes.some((n) => fields(n.selectionSet, 'auditTrail').length > 0);
}

const Queue = builder.objectRef<{ name: QueueName }>('Queue').implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({ description: 'Stable: Queue:<name>', resolve: (q) => queueNodeId(q.name) }),
    name: t.field({ type: QueueNameEnum, resolve: (q) => q.name }),
    openCount: t.int({ resolve: (q, _a, ctx) => waitingCount(q, ctx) }),
    oldestOpenSince: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: async (q, _a, ctx) => {
        const page = await pageAlongside(q);
        return page ? page.oldest : (await ctx.prisma.case.aggregate({ where: queueWhere(ctx, q.name), _min: { createdAt: true } }))._min.createdAt;
      },
    }),
    cases: t.prismaConnection(
      {
        type: 'Case',
        cursor: 'id',
        maxSize: 100,
        description: 'Most urgent first: by priority, then SLA due time',
        totalCount: (q, _args, ctx) => waitingCount(q, ctx),
        resolve: async (query, q, _args, ctx, info) => {
          // One statement for the page, its nested records, the audit trails and the count (src/services/queue-page.ts).
          const page = queuePage(ctx.services, query, queueFilter(ctx, q.name), { auditTrail: selectsAuditTrail(info) });
          pages.set(q, page);
          const loaded = await page;
          if (loaded) {
            for (const [id, events] of loaded.auditTrails ?? []) ctx.loaders.auditTrail.prime(id, events as never);
            return loaded.rows as never;
          }
          // A selection the statement does not translate: read through Prisma.
          return ctx.prisma.case.findMany({ ...query, where: queueWhere(ctx, q.name), orderBy: [{ priority: 'asc' }, { slaDueAt: 'asc' }, { id: 'asc' }] });
        },
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
    // The case as the claim committed it, when the claim statement returned it and it holds the whole selection (the
    // Case type's and its fields' scopes still decide what the caller sees); otherwise read.
    case: t.prismaField({
      type: 'Case',
      resolve: (query, r, _a, ctx) =>
        r.committed && covers(query, r.committed) ? (r.committed as never) : ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.case.id } }),
    }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('claimNextCase', (t) =>
  t.field({
    type: ClaimNextCaseSuccess,
    authScopes: { reviewer: true },
    description: 'Take the most urgent unclaimed case you may handle, with a lease',
    errors: { types: [...COMMON_ERRORS, NoCaseAvailableError, ExposureCapReachedError, NotQualifiedError], directResult: true, union: { name: 'ClaimNextCaseResult' } },
    args: { queue: t.arg({ type: QueueNameEnum, required: true }) },
    resolve: (_root, { queue }, ctx) => claimNextCase(ctx.services, queue),
  }),
);

const ClaimCaseSuccess = builder.objectRef<ClaimResult>('ClaimCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.case.id } }) }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('claimCase', (t) =>
  t.field({
    type: ClaimCaseSuccess,
    authScopes: { choosesCases: true },
    description:
      'Claim a chosen waiting case, with a lease: leads any case, appeals reviewers an appeal. The same qualification, ' +
      'escalation and exposure rules as claimNextCase; a case you may not see is NotFoundError, like a missing one',
    errors: {
      types: [...COMMON_ERRORS, NotQualifiedError, ExposureCapReachedError, VersionConflictError],
      directResult: true,
      union: { name: 'ClaimCaseResult' },
    },
    args: {
      id: t.arg.id({ required: true }),
      expectedVersion: t.arg.int({ required: false, description: 'When given, the claim is refused (VersionConflictError) unless the case is at this version' }),
    },
    resolve: (_root, { id, expectedVersion }, ctx) => claimCase(ctx.services, String(id), expectedVersion),
  }),
);

const AssignCaseSuccess = builder.objectRef<ClaimResult>('AssignCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.case.id } }) }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('assignCase', (t) =>
  t.field({
    type: AssignCaseSuccess,
    authScopes: { role: 'LEAD' },
    description:
      'Give a waiting case to a named reviewer, with their lease (leads). Refused with NotQualifiedError or ' +
      'ExposureCapReachedError when the reviewer may not take it under claimNextCase’s rules, as their access stands now',
    errors: {
      types: [...COMMON_ERRORS, NotQualifiedError, ExposureCapReachedError, VersionConflictError],
      directResult: true,
      union: { name: 'AssignCaseResult' },
    },
    args: {
      caseId: t.arg.id({ required: true }),
      reviewerId: t.arg.id({ required: true }),
      expectedVersion: t.arg.int({ required: true, description: 'The case’s version as the lead saw it' }),
    },
    resolve: (_root, { caseId, reviewerId, expectedVersion }, ctx) => assignCase(ctx.services, String(caseId), String(reviewerId), expectedVersion),
  }),
);

const UnassignCaseSuccess = builder.objectRef<{ caseId: string }>('UnassignCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
  }),
});

builder.mutationField('unassignCase', (t) =>
  t.field({
    type: UnassignCaseSuccess,
    authScopes: { role: 'LEAD' },
    description: 'Hand a held case back to its queue (leads)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'UnassignCaseResult' } },
    args: { caseId: t.arg.id({ required: true }) },
    resolve: async (_root, { caseId }, ctx) => ({ caseId: (await unassignCase(ctx.services, String(caseId))).id }),
  }),
);

const MoveCaseSuccess = builder.objectRef<{ caseId: string }>('MoveCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
  }),
});

builder.mutationField('moveCase', (t) =>
  t.field({
    type: MoveCaseSuccess,
    authScopes: { role: 'LEAD' },
    description: 'Move an open or held case to another queue or priority, with a reason kept in the audit log (leads)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'MoveCaseResult' } },
    args: {
      caseId: t.arg.id({ required: true }),
      queue: t.arg({ type: QueueNameEnum, required: false }),
      priority: t.arg({ type: PriorityEnum, required: false, description: 'A new priority also sets the SLA it carries, from the case’s creation' }),
      reason: t.arg.string({ required: true }),
    },
    resolve: async (_root, { caseId, queue, priority, reason }, ctx) => ({ caseId: (await moveCase(ctx.services, String(caseId), { queue, priority, reason })).id }),
  }),
);

const EscalateCaseSuccess = builder.objectRef<{ caseId: string }>('EscalateCaseSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({ type: 'Case', resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
  }),
});

builder.mutationField('escalateCase', (t) =>
  t.field({
    type: EscalateCaseSuccess,
    authScopes: { reviewer: true },
    description: 'Hand the case you hold to the leads, saying why: it returns to its queue for a lead other than you (Case.escalation)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'EscalateCaseResult' } },
    args: { caseId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, { caseId, reason }, ctx) => ({ caseId: (await escalateCase(ctx.services, String(caseId), reason)).id }),
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
    committedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the change committed; delivery follows at once',
      resolve: (e) => (e.committedAt ? new Date(e.committedAt) : null),
    }),
    case: t.prismaField({
      type: 'Case',
      nullable: true,
      resolve: (query, e, _a, ctx) => {
        if (e.kind === 'RESYNC') return null;
        // The case as the change committed it, when the event carries it and it holds the whole selection; who may see
        // it and which of its fields is still decided per subscriber, by the Case type's and its fields' scopes.
        const committed = e.snapshot && committedCase(e);
        if (committed && covers(query, committed)) return committed as never;
        // Otherwise the case is read, with the fields the snapshot holds kept as committed. Every subscriber of an
        // event receives the same event object, so they share one read per selection.
        let reads = caseReads.get(e);
        if (!reads) caseReads.set(e, (reads = new Map()));
        const key = JSON.stringify(query);
        let read = reads.get(key);
        if (!read) {
          read = ctx.prisma.case.findUnique({ ...query, where: { id: e.caseId } });
          if (committed) read = read.then((row) => withCommitted(query, row as Record<string, unknown> | null, committed));
          reads.set(key, read);
        }
        return read as ReturnType<typeof ctx.prisma.case.findUnique>;
      },
    }),
  }),
});

/** Case reads per event and selection, shared by the event's subscribers; dropped with the event. */
const caseReads = new WeakMap<QueueEvent, Map<string, Promise<unknown>>>();

/** The committed case of an event, restored once per event object and shared by its subscribers. */
const committedCases = new WeakMap<QueueEvent, Record<string, unknown>>();
function committedCase(e: QueueEvent) {
  let row = committedCases.get(e);
  if (!row) committedCases.set(e, (row = fromSnapshot(e.snapshot!)));
  return row;
}

/**
 * Lookups for subscriptions that execute per subscriber (SSE), batched across the subscribers of an event into one
 * query each: access that may have changed since it was read, and the category of an event that does not carry it.
 * WebSocket groups read their members' access in src/live/fanout.ts, by the same rule.
 */
const liveCheckers = new WeakMap<GraphQLContext['prisma'], { access: DataLoader<string, KnownAccess>; category: DataLoader<string, Category | null> }>();
function liveChecks(prisma: GraphQLContext['prisma']) {
  let checks = liveCheckers.get(prisma);
  if (!checks) {
    checks = {
      access: new DataLoader(
        async (ids) => {
          const { access, generation } = await readAccess(prisma, [...new Set(ids)]);
          return ids.map((id) => ({ access: access.get(id), generation }));
        },
        { cache: false },
      ),
      category: new DataLoader(
        async (ids) => {
          const rows = await prisma.case.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, category: true } });
          const byId = new Map(rows.map((r) => [r.id, r.category]));
          return ids.map((id) => byId.get(id) ?? null);
        },
        { cache: false },
      ),
    };
    liveCheckers.set(prisma, checks);
  }
  return checks;
}

/**
 * Wraps a subscription's event stream so that before every event the subscriber's access is checked (an admin may
 * have withdrawn a role or suspended them: the stream then ends), the event is dropped unless they may see the case,
 * and the context gets fresh loaders and auth caches. Access is read again whenever the event is of a newer access
 * generation than the access held (or of an unknown one). The returned iterator ends at once when the client goes
 * away, even while waiting for an event, and keeps the active-subscription gauge exact.
 */
function guarded(
  ctx: GraphQLContext,
  source: AsyncIterable<QueueEvent>,
  allowed: (roles: Role[]) => boolean,
): AsyncIterableIterator<QueueEvent> {
  const iterator = source[Symbol.asyncIterator]();
  const user = ctx.user!;
  const tokenRoles = user.roles;
  // A group's shared execution: the fan-out checks and counts each member instead.
  const shared = ctx.sharedLive;
  let known: KnownAccess | null = null;
  let closed = false;
  if (!shared) ctx.metrics.activeSubscriptions.inc();
  const done = { done: true, value: undefined } as const;
  const close = async () => {
    if (closed) return done;
    closed = true;
    if (!shared) ctx.metrics.activeSubscriptions.dec();
    await iterator.return?.();
    return done;
  };
  return {
    async next() {
      while (!closed) {
        const result = await iterator.next();
        if (result.done || closed) return close();
        const checks = liveChecks(ctx.prisma);
        const generation = result.value.accessGeneration;
        const current = known !== null && accessCurrentFor(known.generation, generation);
        // Events carry the case's category; one from an instance that predates that is looked up.
        const [read, category] = await Promise.all([
          shared || current ? null : checks.access.load(user.id),
          result.value.kind === 'RESYNC' ? null : (result.value.category ?? checks.category.load(result.value.caseId)),
        ]);
        if (read) known = read;
        const roles = shared ? tokenRoles : grantedRoles(tokenRoles, known!.access);
        if (!roles || !allowed(roles)) return close();
        if (result.value.kind === 'RESYNC') {
          Object.assign(ctx, initContextCache(), { user: { ...user, roles }, loaders: createLoaders(ctx.prisma) });
          shared?.arrived(generation);
          return result;
        }
        if (!category || !(canHandleCategory(roles, category) || roles.some((r) => OVERSIGHT_ROLES.includes(r)))) continue;
        Object.assign(ctx, initContextCache(), { user: { ...user, roles }, loaders: createLoaders(ctx.prisma) });
        shared?.arrived(generation);
        return result;
      }
      return done;
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

builder.subscriptionField('queueUpdates', (t) =>
  t.field({
    type: QueueUpdate,
    authScopes: { reviewer: true },
    description: 'Cases added, updated, claimed, released or resolved in a queue, as they commit',
    args: { queue: t.arg({ type: QueueNameEnum, required: true }) },
    subscribe: (_root, { queue }, ctx) => {
      assertQueueAccess(ctx, queue);
      return guarded(ctx, ctx.pubsub.subscribe('queue', queue), (roles) => canWorkQueue(roles, queue));
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
      guarded(ctx, ctx.pubsub.subscribe('case', String(id)), (roles) => roles.some((r) => [...REVIEWING_ROLES, ...OVERSIGHT_ROLES].includes(r))),
    resolve: (event) => event,
  }),
);
