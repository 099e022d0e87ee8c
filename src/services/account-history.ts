// Account history: what the service knows about one reported account, for staff qualified to see its cases. Every
// part is narrowed in SQL to the cases the caller may read by content (the same rule as `cases(filter:
// {reportedAccountId})`, src/services/case-search.ts), so a hidden case is absent and no count includes one.
import type { Prisma } from '../generated/prisma/client.js';
import type { Tx } from '../db/database.js';
import type { Category, Role } from '../policy/index.js';
import { REPEAT_OFFENCE_THRESHOLD, VIOLATING_ACTIONS, isRepeatOffender } from '../policy/index.js';
import { caseSearchWhere } from './case-search.js';
import type { ServiceContext } from './context.js';
import { ValidationError } from './errors.js';

/** Lists (decisions, strikes, open appeals) hold at most this many rows, newest first; cases page. */
export const ACCOUNT_HISTORY_LIST_LIMIT = 100;

/** A case that carries a standing (not reversed) decision with a violating action. */
const violating: Prisma.CaseWhereInput = { decisions: { some: { reversedAt: null, actions: { hasSome: [...VIOLATING_ACTIONS] } } } };

/**
 * Earlier cases about `accountId` in `categories` with a standing violating decision (the repeat-offence count), for
 * the intake unit of work; the one-statement intake counts the same in SQL (src/services/intake-statement.ts).
 */
export async function countPriorViolations(tx: Tx, accountId: string | null, categories: readonly Category[], exceptCaseId?: string): Promise<number> {
  if (!accountId || !categories.length) return 0;
  return tx.case.count({
    where: { reportedAccountId: accountId, category: { in: [...categories] }, ...violating, ...(exceptCaseId ? { id: { not: exceptCaseId } } : {}) },
  });
}

export interface AccountHistory {
  accountId: string;
  /** The cases of the account the caller may see: the WHERE for its case list. */
  caseWhere: Prisma.CaseWhereInput;
  violationCount: () => Promise<number>;
  repeatOffender: () => Promise<boolean>;
  threshold: number;
}

/** Validates the id and returns the caller's view of the account, each part read on demand. */
export function accountHistory(ctx: Pick<ServiceContext, 'prisma'>, roles: readonly Role[], rawId: string): AccountHistory {
  const accountId = rawId.trim();
  if (!accountId || accountId.length > 256) throw new ValidationError([{ path: 'id', message: 'must be 1 to 256 characters' }]);
  const caseWhere = caseSearchWhere(roles, { reportedAccountId: accountId });
  let counted: Promise<number> | undefined;
  const violationCount = () => (counted ??= ctx.prisma.case.count({ where: { ...caseWhere, ...violating } }));
  return { accountId, caseWhere, violationCount, repeatOffender: async () => isRepeatOffender(await violationCount()), threshold: REPEAT_OFFENCE_THRESHOLD };
}
