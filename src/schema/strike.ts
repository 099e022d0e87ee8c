// Strikes recorded against a reported account (the enforcement ladder's LADDER-2), as shown on that account's cases.
import DataLoader from 'dataloader';
import { builder } from './builder.js';
import { CategoryEnum } from './enums.js';
import type { Category } from '../policy/index.js';
import type { GraphQLContext } from './context.js';

export interface StrikeView {
  caseId: string;
  recordedAt: Date;
  category: Category;
  /** False once the decision that recorded it was reversed on appeal. */
  active: boolean;
}

export const AccountStrikeRef = builder.objectRef<StrikeView>('AccountStrike').implement({
  description: "A strike recorded against the reported account by a decision (the platform's enforcement ladder, not policy text)",
  fields: (t) => ({
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
    category: t.expose('category', { type: CategoryEnum, description: 'The category of the case whose decision recorded it' }),
    active: t.exposeBoolean('active', { description: 'False once the decision that recorded it was reversed on appeal' }),
  }),
});

// One query per request for every account asked about (a queue page lists many cases).
const loaders = new WeakMap<object, DataLoader<string, StrikeView[]>>();

export function strikesOf(ctx: GraphQLContext, accountId: string): Promise<StrikeView[]> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (accounts) => {
      const rows = await ctx.prisma.accountStrike.findMany({
        where: { accountId: { in: [...accounts] } },
        orderBy: [{ recordedAt: 'asc' }, { id: 'asc' }],
        select: { accountId: true, caseId: true, recordedAt: true, category: true, decision: { select: { reversedAt: true } } },
      });
      return accounts.map((a) =>
        rows.filter((r) => r.accountId === a).map((r) => ({ caseId: r.caseId, recordedAt: r.recordedAt, category: r.category, active: r.decision.reversedAt === null })),
      );
    });
    loaders.set(ctx, loader);
  }
  return loader.load(accountId);
}
