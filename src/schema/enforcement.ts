// The platform's enforcement feed: the actions it must carry out and undo, without any report or reviewer detail.
import { builder } from './builder.js';
import { EnforcementActionEnum } from './enums.js';
import { ValidationError } from '../services/errors.js';
import { ENFORCEMENT_KINDS, enforcementFeed, type EnforcementInstruction, type EnforcementPage } from '../services/enforcement.js';

const EnforcementKindEnum = builder.enumType('EnforcementKind', {
  values: ENFORCEMENT_KINDS,
  description:
    'APPLY the actions, or REVERSE them after an appeal was upheld for the account; PRESERVE the content and account data ' +
    'until preserveUntil (sent no later than the removal it protects), RELEASE a hold that ended',
});

const Instruction = builder.objectRef<EnforcementInstruction>('EnforcementInstruction').implement({
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    at: t.expose('at', { type: 'DateTime' }),
    kind: t.field({ type: EnforcementKindEnum, resolve: (i) => i.kind }),
    decisionId: t.exposeID('decisionId'),
    contentId: t.exposeString('contentId'),
    contentUrl: t.exposeString('contentUrl', { nullable: true }),
    reportedAccountId: t.exposeString('reportedAccountId', { nullable: true }),
    actions: t.field({ type: [EnforcementActionEnum], resolve: (i) => i.actions, description: 'Empty for PRESERVE and RELEASE' }),
    holdId: t.exposeID('holdId', { nullable: true, description: 'PRESERVE and RELEASE: the preservation hold' }),
    preserveUntil: t.expose('preserveUntil', { type: 'DateTime', nullable: true, description: 'PRESERVE: keep the evidence at least until then' }),
  }),
});

const Page = builder.objectRef<EnforcementPage>('EnforcementFeedPage').implement({
  fields: (t) => ({
    items: t.field({ type: [Instruction], resolve: (p) => p.items }),
    cursor: t.exposeInt('cursor', { description: 'Pass as `after` to continue' }),
    hasMore: t.exposeBoolean('hasMore'),
  }),
});

builder.queryField('enforcementFeed', (t) =>
  t.field({
    type: Page,
    authScopes: { $any: { role: 'PLATFORM', auditor: true } },
    description: 'Enforcement to carry out or undo, in order, after the cursor (the platform service, leads, admins)',
    args: {
      after: t.arg.int({ defaultValue: 0 }),
      first: t.arg.int({ defaultValue: 100, description: 'At most 500' }),
    },
    resolve: (_root, args, ctx) => {
      const after = args.after ?? 0;
      const first = args.first ?? 100;
      if (after < 0 || first < 1 || first > 500) {
        throw new ValidationError([{ path: after < 0 ? 'after' : 'first', message: after < 0 ? 'must not be negative' : 'must be from 1 to 500' }]);
      }
      return enforcementFeed(ctx.prisma, after, first);
    },
  }),
);
