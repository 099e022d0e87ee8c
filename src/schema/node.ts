// Object identification: the Node interface and `node(id)` / `nodes(ids)`. Every type with an id implements Node
// and answers the id it always has (src/services/nodes.ts says how an id is found without naming its type); the two
// views that share another Node's id (Viewer: the signed-in Reviewer; AppealReceipt: the appellant's Appeal) do not,
// so that no id names two Node objects.
import { builder } from './builder.js';
import { findNodes, MAX_NODES, type FoundNode } from '../services/nodes.js';

/** The type of each object node() answers, for resolveType. */
const typenames = new WeakMap<object, string>();
const tag = (found: FoundNode | null) => {
  if (!found) return null;
  typenames.set(found.value, found.typename);
  return found.value;
};

export const NodeRef = builder.interfaceRef<object>('Node').implement({
  description: 'An object with an id that names it alone: node(id) fetches it again',
  resolveType: (value) => typenames.get(value) ?? null,
  fields: (t) => ({
    id: t.id({ resolve: (value) => (value as { id: string }).id }),
  }),
});

builder.queryField('node', (t) =>
  t.field({
    type: NodeRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'The object with this id; null when it does not exist or is not yours to read (alike)',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => tag((await findNodes(ctx.prisma, ctx.user?.roles ?? [], [String(id)]))[0] ?? null),
  }),
);

builder.queryField('nodes', (t) =>
  t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    authScopes: { authenticated: true },
    description: `The objects with these ids, in order; null for each that does not exist or is not yours to read. At most ${MAX_NODES}`,
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, ctx) => (await findNodes(ctx.prisma, ctx.user?.roles ?? [], ids.map(String))).map(tag),
  }),
);
