// Finding cases for staff: filters, the caller's visibility as SQL, and the keyset cursor over (createdAt, id).
// Who may see a case is decided in the WHERE clause, so a page, its cursor and its count never include (or count) a
// case the caller may not read. The order is newest first: (createdAt DESC, id DESC), a total order on rows.
import type { Prisma } from '../generated/prisma/client.js';
import type { CaseStatus } from '../generated/prisma/enums.js';
import { CATEGORIES, canHandleCategory, type Category, type QueueName, type Role } from '../policy/index.js';
import { maySeeCase } from './access.js';
import { ValidationError } from './errors.js';
import { isUuid } from './validation.js';

export const CASES_DEFAULT_PAGE = 20;
export const CASES_MAX_PAGE = 100;

export interface TimeRange {
  from?: Date | null;
  to?: Date | null;
}

export interface CaseFilter {
  status?: CaseStatus[] | null;
  category?: Category[] | null;
  queue?: QueueName[] | null;
  assigneeId?: string | null;
  reportedAccountId?: string | null;
  contentId?: string | null;
  createdAt?: TimeRange | null;
  updatedAt?: TimeRange | null;
}

export interface CaseKey {
  createdAt: Date;
  id: string;
}

/** An opaque cursor: base64url of [createdAt, id]. */
export const encodeCaseCursor = (row: CaseKey): string => Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');

export function decodeCaseCursor(cursor: string): CaseKey {
  const refuse = () => new ValidationError([{ path: 'after', message: 'is not a cursor of this list' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') throw refuse();
  const createdAt = new Date(parsed[0]);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== parsed[0] || !isUuid(parsed[1])) throw refuse();
  return { createdAt, id: parsed[1] };
}

/** A page size from 1 to CASES_MAX_PAGE; anything else is refused rather than quietly clamped. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? CASES_DEFAULT_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > CASES_MAX_PAGE) {
    throw new ValidationError([{ path: 'first', message: `must be from 1 to ${CASES_MAX_PAGE}` }]);
  }
  return size;
}

function range(path: string, r: TimeRange | null | undefined): Prisma.DateTimeFilter | undefined {
  if (!r || (!r.from && !r.to)) return undefined;
  if (r.from && r.to && r.from.getTime() > r.to.getTime()) throw new ValidationError([{ path: `${path}.from`, message: 'must not be after to' }]);
  return { ...(r.from ? { gte: r.from } : {}), ...(r.to ? { lt: r.to } : {}) };
}

/**
 * The WHERE clause for a caller with these roles: the filter, narrowed to the categories they may see (like
 * `case(id)`). A filter on the content id or the reported account matches only cases whose content the caller may
 * read, so it cannot be used to learn what a case they may see but not open refers to.
 */
export function caseSearchWhere(roles: readonly Role[], filter: CaseFilter | null | undefined): Prisma.CaseWhereInput {
  const f = filter ?? {};
  const byContent = !!f.contentId || !!f.reportedAccountId;
  let categories: Category[] = CATEGORIES.filter(
    (c) => maySeeCase(roles, c) && (!byContent || canHandleCategory(roles, c) || roles.includes('LAW_ENFORCEMENT_LIAISON')),
  );
  if (f.category) categories = categories.filter((c) => f.category!.includes(c));
  const created = range('filter.createdAt', f.createdAt);
  const updated = range('filter.updatedAt', f.updatedAt);
  return {
    // Only a narrowing predicate: a caller who may see every category gets no category clause (and no index bias).
    ...(categories.length < CATEGORIES.length ? { category: { in: categories } } : {}),
    ...(f.status ? { status: { in: f.status } } : {}),
    ...(f.queue ? { queue: { in: f.queue } } : {}),
    ...(f.assigneeId ? { assigneeId: f.assigneeId } : {}),
    ...(f.reportedAccountId ? { reportedAccountId: f.reportedAccountId } : {}),
    ...(f.contentId ? { contentId: f.contentId } : {}),
    ...(created ? { createdAt: created } : {}),
    ...(updated ? { updatedAt: updated } : {}),
  };
}

/** Cases strictly after the cursor in (createdAt DESC, id DESC) order. */
export const afterCursor = (key: CaseKey): Prisma.CaseWhereInput => ({
  OR: [{ createdAt: { lt: key.createdAt } }, { createdAt: key.createdAt, id: { lt: key.id } }],
});

export const CASE_ORDER: Prisma.CaseOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
