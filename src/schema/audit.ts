// The audit history: a case's trail for those who may see the case, the full log for leads and admins, and chain
// verification for oversight.
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { auditEventNodeId } from '../services/nodes.js';
import { verifyAuditChain, type ChainVerification } from '../services/audit.js';
import { casesNamedBy, mayReadAuditEvent, seesEveryCategory } from '../services/audit-visibility.js';
import type { Category } from '../policy/index.js';

interface ActorView {
  kind: string;
  id: string | null;
  roles: string[];
}

const AuditActor = builder.objectRef<ActorView>('AuditActor').implement({
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'USER, ANONYMOUS_REPORTER or SYSTEM' }),
    id: t.exposeID('id', { nullable: true }),
    roles: t.exposeStringList('roles'),
    name: t.string({
      nullable: true,
      resolve: async (a, _args, ctx) => (a.kind === 'USER' && a.id ? ((await ctx.loaders.reviewerName.load(a.id)) ?? null) : null),
    }),
  }),
});

export const AuditEventRef = builder.prismaObject('AuditEvent', {
  interfaces: [NodeRef],
  authScopes: { $any: { reviewer: true, oversight: true } },
  fields: (t) => ({
    id: t.id({ description: 'Stable: AuditEvent:<seq>', resolve: (e) => auditEventNodeId(e.seq) }),
    seq: t.int({ resolve: (e) => Number(e.seq) }),
    at: t.expose('at', { type: 'DateTime' }),
    action: t.exposeString('action'),
    entityType: t.exposeString('entityType'),
    entityId: t.exposeString('entityId'),
    actor: t.field({ type: AuditActor, resolve: (e) => ({ kind: e.actorKind, id: e.actorId, roles: e.actorRoles }) }),
    changes: t.string({
      description: 'Redacted before/after of the fields that changed, as JSON',
      deprecationReason: 'Use changeSet: the same object, not a string',
      resolve: (e) => JSON.stringify(e.changes),
    }),
    changeSet: t.field({
      type: 'JSONObject',
      description: 'Redacted before/after of the fields that changed',
      resolve: (e) => e.changes as Record<string, unknown>,
    }),
    policyVersion: t.exposeString('policyVersion', { nullable: true }),
    requestId: t.exposeString('requestId', { nullable: true }),
    prevHash: t.exposeString('prevHash'),
    hash: t.exposeString('hash'),
  }),
});

builder.prismaObjectField('Case', 'auditTrail', (t) =>
  t.field({
    type: [AuditEventRef],
    description:
      'Every audited step on this case, in order, except an event that names another case you may not see (a link to it, a decision applied to it): that one is left out, as Case.links leaves out the link',
    // Batched across the cases of a page: one query however many cases ask, and one more, only for a reader who may
    // not see every category and only when some event names another case, for the categories of the cases named.
    resolve: async (c, _args, ctx) => {
      const events = await ctx.loaders.auditTrail.load(c.id);
      const roles = ctx.user?.roles ?? [];
      if (seesEveryCategory(roles)) return events;
      const named = [...new Set(events.flatMap((e) => casesNamedBy(e)))];
      if (!named.length) return events;
      const loaded = await ctx.loaders.caseCategory.loadMany(named);
      const categories = new Map(named.map((id, i) => [id, loaded[i] instanceof Error ? null : (loaded[i] as Category | null)]));
      return events.filter((e) => mayReadAuditEvent(roles, e, (id) => categories.get(id)));
    },
  }),
);

const ChainVerificationRef = builder.objectRef<ChainVerification>('AuditChainVerification').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    checkedEvents: t.exposeInt('checkedEvents'),
    firstBrokenSeq: t.exposeInt('firstBrokenSeq', { nullable: true }),
    headHash: t.exposeString('headHash'),
  }),
});

builder.queryField('verifyAuditChain', (t) =>
  t.field({
    type: ChainVerificationRef,
    authScopes: { oversight: true },
    description: 'Recompute the whole hash chain: ok, or the first sequence number that does not verify',
    resolve: (_root, _args, ctx) => verifyAuditChain(ctx.prisma),
  }),
);

const AuditLogFilter = builder.inputType('AuditLogFilter', {
  fields: (t) => ({
    caseId: t.id(),
    action: t.string(),
    actorId: t.string(),
    entityType: t.string(),
    entityId: t.string(),
  }),
});

builder.queryField('auditLog', (t) =>
  t.prismaConnection({
    type: 'AuditEvent',
    cursor: 'seq',
    maxSize: 500,
    authScopes: { auditor: true },
    description: 'The audit history, newest first (leads and admins)',
    args: { filter: t.arg({ type: AuditLogFilter }) },
    resolve: (query, _root, { filter }, ctx) => {
      const caseId = filter?.caseId ? String(filter.caseId) : undefined;
      return ctx.prisma.auditEvent.findMany({
        ...query,
        where: {
          ...(caseId && /^[0-9a-f-]{36}$/i.test(caseId) ? { caseId } : caseId ? { caseId: '00000000-0000-0000-0000-000000000000' } : {}),
          ...(filter?.action ? { action: filter.action } : {}),
          ...(filter?.actorId ? { actorId: filter.actorId } : {}),
          ...(filter?.entityType ? { entityType: filter.entityType } : {}),
          ...(filter?.entityId ? { entityId: filter.entityId } : {}),
        },
        orderBy: { seq: 'desc' },
      });
    },
  }),
);
