// Transparency figures and queue health, computed in PostgreSQL: aggregates only, never content or identities.
// Every period is half-open, [from, to), in UTC. Counts come from per-day figures of closed days plus live counts for
// the rest (src/services/daily-figures.ts); time to action is computed over the whole period in one statement.
import type { PrismaClient } from '../db/database.js';
import { Prisma } from '../generated/prisma/client.js';
import { CATEGORIES, QUEUE_NAMES, type Category, type EnforcementAction, type QueueName } from '../policy/index.js';
import { DomainError, ValidationError } from './errors.js';
import { fromUtc, inPeriod, isoOf, utcTimestamp } from './sql.js';
import { additiveFigures, figure, groupOf, isoDay, total, type Period } from './daily-figures.js';

export type { Period };

export interface TransparencyReport extends Period {
  generatedAt: Date;
  reportsReceived: Array<{ category: Category; count: number }>;
  casesOpened: number;
  decisions: Array<{ action: EnforcementAction; category: Category; count: number }>;
  /** Cases whose first decision fell in the period. */
  casesDecided: number;
  timeToActionSeconds: { median: number | null; p90: number | null };
  decidedWithinSlaRatio: number | null;
  appeals: { received: number; decided: number; overturned: number; reversalRate: number | null };
  ncmecReportsFiled: number;
  lawEnforcementReferrals: number;
}

export const BUCKETS = ['DAY', 'WEEK', 'MONTH'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const MAX_SERIES_BUCKETS = 1000;

export interface SeriesPoint {
  bucketStart: Date;
  reportsReceived: number;
  casesOpened: number;
  casesDecided: number;
  medianTimeToActionSeconds: number | null;
  appealsReceived: number;
  appealsOverturned: number;
  ncmecReportsFiled: number;
  lawEnforcementReferrals: number;
}

export interface QueueHealth {
  queue: QueueName;
  /** Cases waiting in the queue, claimed or not. */
  open: number;
  /** Of those, cases under a live lease. */
  claimed: number;
  /** When the oldest waiting case was first reported. */
  oldestOpenSince: Date | null;
  /** Waiting cases past their SLA due time now. */
  breachingSla: number;
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** How far back and how long a period may be: the bound on what one request can make the database do. */
export interface AnalyticsLimits {
  earliest: Date;
  maxPeriodDays: number;
}

export const DEFAULT_ANALYTICS_LIMITS: AnalyticsLimits = { earliest: new Date('2000-01-01T00:00:00Z'), maxPeriodDays: 1096 };

/** Where analytics runs: its own client (its own pool and statement timeout on a server) and at most `slots` at once. */
export interface AnalyticsAccess {
  prisma: PrismaClient;
  limits: AnalyticsLimits;
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** A statement ran past ANALYTICS_STATEMENT_TIMEOUT_MS and was cancelled. Days already stored stay stored. */
export class AnalyticsTimeoutError extends DomainError {
  readonly code = 'ANALYTICS_TIMEOUT';
  constructor() {
    super('The figures took too long to compute; try again (work already done is kept) or choose a shorter period');
  }
}

/** Admits `slots` analytics requests at once; the rest wait their turn, first come first served. */
export function analyticsAccess(prisma: PrismaClient, limits: AnalyticsLimits, slots: number): AnalyticsAccess {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    prisma,
    limits,
    async run(work) {
      if (active < slots) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } catch (error) {
        throw isStatementTimeout(error) ? new AnalyticsTimeoutError() : error;
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
  };
}

/** PostgreSQL's query_canceled (57014), however the driver and Prisma wrap it. */
function isStatementTimeout(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown; meta?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 6; depth++) {
    if (e.code === '57014' || (typeof e.message === 'string' && /statement timeout|57014/.test(e.message))) return true;
    const meta = e.meta as { driverAdapterError?: unknown } | undefined;
    e = (meta?.driverAdapterError ?? e.cause) as typeof e;
  }
  return false;
}

const DAY_MS = 86_400_000;

export function validatePeriod(period: Period, limits: AnalyticsLimits = DEFAULT_ANALYTICS_LIMITS): void {
  if (!(period.from < period.to)) throw new ValidationError([{ path: 'to', message: 'must be after from' }]);
  if (period.from < limits.earliest) {
    throw new ValidationError([{ path: 'from', message: `must not be before ${limits.earliest.toISOString().slice(0, 10)}` }]);
  }
  if (period.to.getTime() - period.from.getTime() > limits.maxPeriodDays * DAY_MS) {
    throw new ValidationError([{ path: 'to', message: `the period may span at most ${limits.maxPeriodDays} days` }]);
  }
}

export async function transparencyReport(prisma: PrismaClient, period: Period, now: Date, limits = DEFAULT_ANALYTICS_LIMITS): Promise<TransparencyReport> {
  validatePeriod(period, limits);
  const [figures, timing] = await Promise.all([
    additiveFigures(prisma, period, now).then((groups) => groups.get('') ?? new Map()),
    // Exact percentiles cannot be summed from days, so time to action is always computed over the whole period.
    prisma.$queryRaw<Array<{ decided: number; median: number | null; p90: number | null; withinsla: number | null }>>`
      SELECT count(*)::int AS decided,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstDecidedAt" - "createdAt")::float8) AS median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM "firstDecidedAt" - "createdAt")::float8) AS p90,
             (avg(CASE WHEN "firstDecisionWithinSla" THEN 1 ELSE 0 END))::float8 AS withinsla
      FROM "Case" WHERE ${inPeriod('firstDecidedAt', period)}`,
  ]);
  const t = timing[0]!;
  const decided = figure(figures, 'appealsDecided');
  const overturned = figure(figures, 'appealsOverturned');
  const decisions = [...(figures.get('decisions') ?? new Map<string, number>())]
    .map(([key, count]) => {
      const [category, action] = key.split('|') as [Category, EnforcementAction];
      return { action, category, count };
    })
    .filter((d) => d.count > 0)
    .sort((a, b) => a.category.localeCompare(b.category) || a.action.localeCompare(b.action));
  return {
    ...period,
    generatedAt: now,
    reportsReceived: CATEGORIES.map((category) => ({ category, count: figure(figures, 'reports', category) })),
    casesOpened: figure(figures, 'opened'),
    decisions,
    casesDecided: Number(t.decided),
    timeToActionSeconds: { median: num(t.median), p90: num(t.p90) },
    decidedWithinSlaRatio: num(t.withinsla),
    appeals: {
      received: figure(figures, 'appealsReceived'),
      decided,
      overturned,
      reversalRate: decided ? overturned / decided : null,
    },
    ncmecReportsFiled: figure(figures, 'ncmecReportsFiled'),
    lawEnforcementReferrals: figure(figures, 'lawEnforcementReferrals'),
  };
}

/**
 * One point per bucket (weeks start on Monday), zeros included. Buckets are aligned to calendar boundaries in UTC, so
 * the first and last may cover only part of the period; every count still respects [from, to).
 */
export async function transparencySeries(prisma: PrismaClient, period: Period, bucket: Bucket, now: Date, limits = DEFAULT_ANALYTICS_LIMITS): Promise<SeriesPoint[]> {
  validatePeriod(period, limits);
  const starts = bucketStarts(period, bucket);
  if (starts.length > MAX_SERIES_BUCKETS) {
    throw new ValidationError([{ path: 'bucket', message: `the period spans more than ${MAX_SERIES_BUCKETS} buckets; choose a larger bucket` }]);
  }
  const unit = bucket.toLowerCase() as 'day' | 'week' | 'month';
  const [groups, decided] = await Promise.all([
    additiveFigures(prisma, period, now, unit),
    prisma.$queryRaw<Array<{ b: string; n: number; median: number | null }>>`
      SELECT ${groupOf(Prisma.sql`"firstDecidedAt"`, unit)} AS b, count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstDecidedAt" - "createdAt")::float8) AS median
      FROM "Case" WHERE ${inPeriod('firstDecidedAt', period)} GROUP BY 1`,
  ]);
  const decidedIn = new Map(decided.map((d) => [d.b, d]));
  // Groups are keyed by their first day, which is each bucket's start; empty buckets get zeros.
  return starts.map((start) => {
    const key = isoDay(start);
    const figures = groups.get(key);
    return {
      bucketStart: start,
      reportsReceived: total(figures, 'reports'),
      casesOpened: figure(figures, 'opened'),
      casesDecided: Number(decidedIn.get(key)?.n ?? 0),
      medianTimeToActionSeconds: num(decidedIn.get(key)?.median),
      appealsReceived: figure(figures, 'appealsReceived'),
      appealsOverturned: figure(figures, 'appealsOverturned'),
      ncmecReportsFiled: figure(figures, 'ncmecReportsFiled'),
      lawEnforcementReferrals: figure(figures, 'lawEnforcementReferrals'),
    };
  });
}

/** Calendar bucket starts in UTC covering the period: days, weeks from Monday, months. */
export function bucketStarts(period: Period, bucket: Bucket): Date[] {
  const f = period.from;
  let cursor =
    bucket === 'MONTH'
      ? new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth(), 1))
      : new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth(), f.getUTCDate() - (bucket === 'WEEK' ? (f.getUTCDay() + 6) % 7 : 0)));
  const starts: Date[] = [];
  while (cursor < period.to && starts.length <= MAX_SERIES_BUCKETS) {
    starts.push(cursor);
    cursor =
      bucket === 'MONTH'
        ? new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, 1))
        : new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth(), cursor.getUTCDate() + (bucket === 'WEEK' ? 7 : 1)));
  }
  return starts;
}

/** Per queue: what waits, what is claimed, the oldest waiting case and how many are past their SLA at `now`. */
export async function queueHealth(prisma: PrismaClient, now: Date): Promise<QueueHealth[]> {
  const rows = await prisma.$queryRaw<Array<{ queue: QueueName; open: number; claimed: number; oldest: unknown; breaching: number }>>`
    SELECT "queue"::text AS queue, count(*)::int AS open,
           count(*) FILTER (WHERE "assigneeId" IS NOT NULL AND "leaseExpiresAt" > ${utcTimestamp(now)})::int AS claimed,
           ${isoOf(Prisma.sql`min("createdAt")`)} AS oldest,
           count(*) FILTER (WHERE "slaDueAt" < ${utcTimestamp(now)})::int AS breaching
    FROM "Case"
    WHERE ("queue" = 'APPEALS' AND "status" = 'APPEALED') OR ("queue" <> 'APPEALS' AND "status" IN ('OPEN', 'IN_REVIEW'))
    GROUP BY 1`;
  const byQueue = new Map(rows.map((r) => [r.queue, r]));
  return QUEUE_NAMES.map((queue) => {
    const r = byQueue.get(queue);
    return {
      queue,
      open: Number(r?.open ?? 0),
      claimed: Number(r?.claimed ?? 0),
      oldestOpenSince: fromUtc(r?.oldest),
      breachingSla: Number(r?.breaching ?? 0),
    };
  });
}

const csvCell = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The report as CSV for publication: one figure per row, `metric,category,action,value`. */
export function transparencyReportCsv(report: TransparencyReport): string {
  const rows: Array<[string, string, string, string | number | null]> = [
    ['period_from', '', '', report.from.toISOString()],
    ['period_to', '', '', report.to.toISOString()],
    ...report.reportsReceived.map((r): [string, string, string, number] => ['reports_received', r.category, '', r.count]),
    ['cases_opened', '', '', report.casesOpened],
    ...report.decisions.map((d): [string, string, string, number] => ['decisions', d.category, d.action, d.count]),
    ['cases_decided', '', '', report.casesDecided],
    ['time_to_action_median_seconds', '', '', report.timeToActionSeconds.median],
    ['time_to_action_p90_seconds', '', '', report.timeToActionSeconds.p90],
    ['decided_within_sla_ratio', '', '', report.decidedWithinSlaRatio],
    ['appeals_received', '', '', report.appeals.received],
    ['appeals_decided', '', '', report.appeals.decided],
    ['appeals_overturned', '', '', report.appeals.overturned],
    ['appeal_reversal_rate', '', '', report.appeals.reversalRate],
    ['ncmec_reports_filed', '', '', report.ncmecReportsFiled],
    ['law_enforcement_referrals', '', '', report.lawEnforcementReferrals],
  ];
  return ['metric,category,action,value', ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n') + '\r\n';
}
