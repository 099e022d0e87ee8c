// Helpers for raw SQL over the UTC `timestamp(3)` columns Prisma creates, independent of the session's time zone.
import { Prisma } from '../generated/prisma/client.js';

/** A UTC instant as a `timestamp` value. */
export const utcTimestamp = (date: Date) => Prisma.sql`(${date.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

/** Selects a `timestamp` column as an ISO-8601 UTC string, read back with `fromUtc`. */
export const isoOf = (expression: Prisma.Sql) => Prisma.sql`to_char(${expression}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export function fromUtc(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/** `"column" >= from AND "column" < to`: a half-open UTC period on a timestamp column. */
export const inPeriod = (column: string, period: { from: Date; to: Date }) =>
  Prisma.sql`${Prisma.raw(`"${column}"`)} >= ${utcTimestamp(period.from)} AND ${Prisma.raw(`"${column}"`)} < ${utcTimestamp(period.to)}`;
