// Who is signed in, and reviewer identities as others see them.
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { RoleEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { setReviewerAccess } from '../services/reviewers.js';
import type { Role } from '../policy/index.js';
import type { AuthUser } from './context.js';

export const Viewer = builder.objectRef<AuthUser>('Viewer').implement({
  description: 'The signed-in user, from their token',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    roles: t.field({ type: [RoleEnum], resolve: (u) => u.roles }),
  }),
});

/** Reviewer identity is for reviewers and oversight, never analysts or the public. */
// Selects only the columns asked for, so a case's assignee can come from a live event's snapshot of the case.
builder.prismaObject('Reviewer', {
  interfaces: [NodeRef],
  select: { id: true },
  authScopes: { $any: { reviewer: true, oversight: true } },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    // Nullable: a reviewer is reached from many payloads (an assessment's or decision's author) whose callers are not
    // auditors; a denied non-null field there would null the whole answer.
    revokedRoles: t.field({ type: [RoleEnum], nullable: true, description: 'Leads and admins only', authScopes: { auditor: true }, select: { revokedRoles: true }, resolve: (r) => r.revokedRoles as Role[] }),
    suspended: t.boolean({ nullable: true, description: 'Leads and admins only', authScopes: { auditor: true }, select: { suspendedAt: true }, resolve: (r) => r.suspendedAt !== null }),
  }),
});

const ReviewerAccessInput = builder.inputType('ReviewerAccessInput', {
  fields: (t) => ({
    reviewerId: t.id({ required: true }),
    revokedRoles: t.field({ type: [RoleEnum], required: true, description: 'Withdrawn even while tokens still carry them' }),
    suspended: t.boolean({ required: true }),
  }),
});

const SetReviewerAccessSuccess = builder.objectRef<{ reviewerId: string }>('SetReviewerAccessSuccess').implement({
  fields: (t) => ({
    reviewer: t.prismaField({ type: 'Reviewer', resolve: (query, r, _a, ctx) => ctx.prisma.reviewer.findUniqueOrThrow({ ...query, where: { id: r.reviewerId } }) }),
  }),
});

builder.mutationField('setReviewerAccess', (t) =>
  t.field({
    type: SetReviewerAccessSuccess,
    authScopes: { role: 'ADMIN' },
    description: 'Withdraw roles from a reviewer or suspend them; applies to the next request and live event (admins)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'SetReviewerAccessResult' } },
    args: { input: t.arg({ type: ReviewerAccessInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ reviewerId: (await setReviewerAccess(ctx.services, { ...input, reviewerId: String(input.reviewerId) })).id }),
  }),
);

builder.queryField('me', (t) =>
  t.field({
    type: Viewer,
    nullable: true,
    authScopes: { public: true },
    description: 'The signed-in user, or null for an anonymous caller',
    resolve: (_root, _args, ctx) => ctx.user,
  }),
);
