// Who is signed in, and reviewer identities as others see them.
import { builder } from './builder.js';
import { RoleEnum } from './enums.js';
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
builder.prismaObject('Reviewer', {
  authScopes: { $any: { reviewer: true, oversight: true } },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: Viewer,
    nullable: true,
    authScopes: { public: true },
    description: 'The signed-in user, or null for an anonymous caller',
    resolve: (_root, _args, ctx) => ctx.user,
  }),
);
