// What of the audit log a reader is shown. The log itself is never changed (verification reads the raw events): an
// event that names another case — a link, an unlink, a decision applied from or to linked cases, a close as a duplicate
// — is shown only to a reader who may see every case it names, as `Case.links` leaves out a linked case the reader
// may not see. Readers who may see every category (oversight) see every event.
import type { AuditEvent } from '../generated/prisma/client.js';
import { CATEGORIES, type Category, type Role } from '../policy/index.js';
import { maySeeCase } from './access.js';
import { isUuid } from './validation.js';

/** The ids of cases an event names besides its own case, from the change sets that carry them. */
export function casesNamedBy(event: Pick<AuditEvent, 'caseId' | 'changes'>): string[] {
  const changes = event.changes;
  if (!changes || typeof changes !== 'object' || Array.isArray(changes)) return [];
  const c = changes as Record<string, unknown>;
  const ids: unknown[] = [c.linkedCaseId, c.duplicateOfId];
  const ref = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).caseId : undefined);
  ids.push(ref(c.appliedFrom));
  for (const key of ['applied', 'refused']) if (Array.isArray(c[key])) for (const item of c[key] as unknown[]) ids.push(ref(item));
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && isUuid(id) && id !== event.caseId))];
}

/** Whether these roles see every category, so no event is ever hidden from them. */
export const seesEveryCategory = (roles: readonly Role[]): boolean =>
  CATEGORIES.every((c) => maySeeCase(roles, c));

/**
 * Whether a reader with `roles` is shown `event`: every case it names is one they may see. `categoryOf` answers the
 * category of a named case (undefined when no such case exists, which hides nothing).
 */
export function mayReadAuditEvent(roles: readonly Role[], event: Pick<AuditEvent, 'caseId' | 'changes'>, categoryOf: (caseId: string) => Category | null | undefined): boolean {
  return casesNamedBy(event).every((id) => {
    const category = categoryOf(id);
    return category == null || maySeeCase(roles, category);
  });
}
