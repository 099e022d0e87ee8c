// The case as a unit of work committed it, carried by the unit's live events so that delivering an event needs no read
// of the case, on this instance or any other. Read inside the unit after all its writes: the rows it changed stay
// locked until commit, so this is exactly what commits. Content references (content id, URL, reported account) are
// left out, so they never travel through Redis; a subscription that selects them, or anything else the snapshot does
// not hold, reads the case from the database as before.
import type { Tx } from '../db/database.js';
import { isRecord, plainSelect } from './selection.js';

export interface CaseSnapshot {
  /** The row, JSON-safe: dates as ISO strings, listed in `dates` (dotted paths) so any receiver can restore them. */
  row: Record<string, unknown>;
  dates: string[];
}

/** The Case columns a snapshot leaves out: the content references. */
export const SNAPSHOT_OMITS = { contentId: true, contentUrl: true, reportedAccountId: true } as const;

export async function snapshotCases(tx: Tx, ids: string[]): Promise<Map<string, CaseSnapshot>> {
  const rows = await tx.case.findMany({
    where: { id: { in: ids } },
    omit: SNAPSHOT_OMITS,
    include: { assignee: { select: { id: true, name: true } } },
  });
  return new Map(rows.map((row) => [row.id, toSnapshot(row)]));
}

/** A row as a snapshot: dates as ISO strings, their paths listed. */
export function toSnapshot(source: Record<string, unknown>): CaseSnapshot {
  const dates: string[] = [];
  const walk = (value: Record<string, unknown>, prefix: string): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(value).map(([key, v]) => {
        if (v instanceof Date) {
          dates.push(prefix + key);
          return [key, v.toISOString()];
        }
        if (v && typeof v === 'object' && !Array.isArray(v)) return [key, walk(v as Record<string, unknown>, `${prefix}${key}.`)];
        return [key, v];
      }),
    );
  return { row: walk(source, ''), dates };
}

/** A fresh copy of the row with its dates restored, whether the snapshot came in process or through Redis as JSON. */
export function fromSnapshot(snapshot: CaseSnapshot): Record<string, unknown> {
  const row = JSON.parse(JSON.stringify(snapshot.row)) as Record<string, unknown>;
  for (const path of snapshot.dates) {
    const keys = path.split('.');
    let at: Record<string, unknown> | null = row;
    for (const key of keys.slice(0, -1)) at = (at?.[key] as Record<string, unknown> | null) ?? null;
    const last = keys.at(-1)!;
    if (at && typeof at[last] === 'string') at[last] = new Date(at[last] as string);
  }
  return row;
}

/**
 * Whether `row` holds everything a Prisma query asks for. Only plain `select`s are answered from a snapshot: each
 * selected field present, each selected relation present and itself covered (a relation the case does not have, null,
 * covers any selection of it). A whole relation (`true`), an `include`, filters, ordering or a to-many relation are not:
 * the snapshot holds a relation only in part.
 */
export function covers(query: unknown, row: unknown): boolean {
  if (row === null) return true;
  const select = plainSelect(query);
  if (!select || !isRecord(row)) return false;
  for (const [field, wanted] of Object.entries(select)) {
    if (wanted === false || wanted === undefined) continue;
    if (!(field in row)) return false;
    const value = row[field];
    if (wanted === true ? isRecord(value) : !covers(wanted, value)) return false;
  }
  return true;
}

/**
 * A case read from the database for a selection the snapshot does not cover, with every selected field the snapshot
 * does hold put back to its committed value: the case's own fields always show the change the event is about, while
 * what the snapshot lacks (content references, related records) is as read.
 */
export function withCommitted(query: unknown, row: Record<string, unknown> | null, committed: Record<string, unknown>) {
  if (!row || !isRecord(query) || !isRecord(query.select)) return row;
  const merged = { ...row };
  for (const [field, wanted] of Object.entries(query.select)) {
    if (!wanted || !(field in committed)) continue;
    const value = committed[field];
    if (wanted === true ? !isRecord(value) : covers(wanted, value)) merged[field] = value;
  }
  return merged;
}
