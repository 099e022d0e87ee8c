// Whether rows already in hand answer a Prisma query that Pothos built for a selection, so no read is needed.
import { isDeepStrictEqual } from 'node:util';

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * True when a row read with `{ select: loadedWith }` holds everything `query` asks for: `query` is a plain `select`,
 * and each field it selects was selected for the row with the very same arguments (a relation's own `select`, order
 * and limit included). Anything else, an `include` or a relation asked for differently, is not answered.
 */
export function answeredBy(query: unknown, loadedWith: Record<string, unknown>): boolean {
  if (!isRecord(query) || !isRecord(query.select)) return false;
  if (Object.keys(query).some((key) => key !== 'select')) return false;
  return Object.entries(query.select).every(([field, wanted]) => !wanted || isDeepStrictEqual(wanted, loadedWith[field]));
}
