// Prisma queries that Pothos builds for a selection, and whether rows already in hand answer them, so that no read is
// needed (the intake's answer here; a live event's committed case in src/services/case-snapshot.ts).
import { isDeepStrictEqual } from 'node:util';

/** A plain object: not null, an array or a date. */
export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** The query's `select`, when the query is nothing else (no `include`, filter, order or limit); otherwise null. */
export function plainSelect(query: unknown): Record<string, unknown> | null {
  if (!isRecord(query) || !isRecord(query.select)) return null;
  return Object.keys(query).length === 1 ? query.select : null;
}

/**
 * True when a row read with `{ select: loadedWith }` holds everything `query` asks for: `query` is a plain `select`,
 * and each field it selects was selected for the row with the very same arguments (a relation's own `select`, order
 * and limit included). Anything else, an `include` or a relation asked for differently, is not answered.
 */
export function answeredBy(query: unknown, loadedWith: Record<string, unknown>): boolean {
  const select = plainSelect(query);
  return !!select && Object.entries(select).every(([field, wanted]) => !wanted || isDeepStrictEqual(wanted, loadedWith[field]));
}
