// Transparency figures and queue health, computed in PostgreSQL: aggregates only, never content or identities.
// Every period is half-open, [from, to), in UTC. Each figure reads one indexed column range, and the statements run
// concurrently on the pool (they are independent reads), so a report over a million cases stays within a second.
import type { PrismaClient } from '../db/database.js';
import { Prisma } from '../generated/prisma/client.js';
import { CATEGORIES, QUEUE_NAMES, type Category, type EnforcementAction, type QueueName } from '../policy/index.js';
import { ValidationError } from './errors.js';
import { fromUtc, isoOf, utcTimestamp } from './sql.js';

export interface Period {
  from: Date;
  to: Date;
}

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

const at = utcTimestamp;
const within = (column: string, period: Period) =>
  Prisma.sql`${Prisma.raw(`"${column}"`)} >= ${at(period.from)} AND ${Prisma.raw(`"${column}"`)} < ${at(period.to)}`;

const utc = fromUtc;

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function validatePeriod(period: Period, path = ''): void {
  const issues = [];
  if (!(period.from < period.to)) issues.push({ path: `${path}to`, message: 'must be after from' });
  if (issues.length) throw new ValidationError(issues);
}

export async function transparencyReport(prisma: PrismaClient, period: Period, now: Date): Promise<TransparencyReport> {
  validatePeriod(period);
  const [reports, decisions, timing, counts] = await Promise.all([
    prisma.$queryRaw<Array<{ category: Category; count: number }>>`
      SELECT "category"::text AS category, count(*)::int AS count
      FROM "Report" WHERE ${within('createdAt', period)} GROUP BY 1`,
    prisma.$queryRaw<Array<{ action: EnforcementAction; category: Category; count: number }>>`
      SELECT action::text AS action, d."category"::text AS category, count(*)::int AS count
      FROM "Decision" AS d CROSS JOIN LATERAL unnest(d."actions") AS action
      WHERE ${within('decidedAt', period)} GROUP BY 1, 2 ORDER BY 2, 1`,
    prisma.$queryRaw<Array<{ decided: number; median: number | null; p90: number | null; withinsla: number | null }>>`
      SELECT count(*)::int AS decided,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstDecidedAt" - "createdAt")::float8) AS median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM "firstDecidedAt" - "createdAt")::float8) AS p90,
             (avg(CASE WHEN "firstDecisionWithinSla" THEN 1 ELSE 0 END))::float8 AS withinsla
      FROM "Case" WHERE ${within('firstDecidedAt', period)}`,
    prisma.$queryRaw<Array<Record<'opened' | 'received' | 'decided' | 'overturned' | 'ncmec' | 'referrals', number>>>`
      SELECT (SELECT count(*) FROM "Case" WHERE ${within('createdAt', period)})::int AS opened,
             (SELECT count(*) FROM "Appeal" WHERE ${within('createdAt', period)})::int AS received,
             (SELECT count(*) FROM "Appeal" WHERE ${within('decidedAt', period)})::int AS decided,
             (SELECT count(*) FROM "Appeal" WHERE ${within('decidedAt', period)} AND "outcome" = 'OVERTURNED')::int AS overturned,
             (SELECT count(*) FROM "NcmecReport" WHERE ${within('submittedAt', period)})::int AS ncmec,
             (SELECT count(*) FROM "LawEnforcementReferral" WHERE ${within('createdAt', period)})::int AS referrals`,
  ]);
  const byCategory = new Map(reports.map((r) => [r.category, Number(r.count)]));
  const c = counts[0]!;
  const t = timing[0]!;
  return {
    ...period,
    generatedAt: now,
    reportsReceived: CATEGORIES.map((category) => ({ category, count: byCategory.get(category) ?? 0 })),
    casesOpened: Number(c.opened),
    decisions: decisions.map((d) => ({ ...d, count: Number(d.count) })),
    casesDecided: Number(t.decided),
    timeToActionSeconds: { median: num(t.median), p90: num(t.p90) },
    decidedWithinSlaRatio: num(t.withinsla),
    appeals: {
      received: Number(c.received),
      decided: Number(c.decided),
      overturned: Number(c.overturned),
      reversalRate: Number(c.decided) ? Number(c.overturned) / Number(c.decided) : null,
    },
    ncmecReportsFiled: Number(c.ncmec),
    lawEnforcementReferrals: Number(c.referrals),
  };
}

const BUCKET_STEP: Record<Bucket, string> = { DAY: '1 day', WEEK: '1 week', MONTH: '1 month' };
const BUCKET_DAYS: Record<Bucket, number> = { DAY: 1, WEEK: 7, MONTH: 28 };

/**
 * One point per bucket (weeks start on Monday), zeros included. Buckets are aligned to calendar boundaries in UTC, so
 * the first and last may cover only part of the period; every count still respects [from, to).
 */
export async function transparencySeries(prisma: PrismaClient, period: Period, bucket: Bucket): Promise<SeriesPoint[]> {
  validatePeriod(period);
  const buckets = (period.to.getTime() - period.from.getTime()) / (BUCKET_DAYS[bucket] * 86_400_000);
  if (buckets > MAX_SERIES_BUCKETS) {
    throw new ValidationError([{ path: 'bucket', message: `the period spans more than ${MAX_SERIES_BUCKETS} buckets; choose a larger bucket` }]);
  }
  const unit = bucket.toLowerCase();
  const per = (table: string, column: string, extra = Prisma.empty) => Prisma.sql`
    SELECT date_trunc(${unit}, ${Prisma.raw(`"${column}"`)}) AS b, count(*)::int AS n
    FROM ${Prisma.raw(`"${table}"`)} WHERE ${within(column, period)} ${extra} GROUP BY 1`;
  const rows = await prisma.$queryRaw<Array<Record<string, unknown>>>`
    WITH buckets AS (
      SELECT b FROM generate_series(date_trunc(${unit}, ${at(period.from)}), ${at(period.to)}, ${BUCKET_STEP[bucket]}::interval) AS b
      WHERE b < ${at(period.to)}
    ),
    reports AS (${per('Report', 'createdAt')}),
    opened AS (${per('Case', 'createdAt')}),
    decided AS (
      SELECT date_trunc(${unit}, "firstDecidedAt") AS b, count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstDecidedAt" - "createdAt")::float8) AS median
      FROM "Case" WHERE ${within('firstDecidedAt', period)} GROUP BY 1
    ),
    appeals AS (${per('Appeal', 'createdAt')}),
    overturned AS (${per('Appeal', 'decidedAt', Prisma.sql`AND "outcome" = 'OVERTURNED'`)}),
    ncmec AS (${per('NcmecReport', 'submittedAt')}),
    referrals AS (${per('LawEnforcementReferral', 'createdAt')})
    SELECT ${isoOf(Prisma.sql`buckets.b`)} AS "bucketStart",
           coalesce(reports.n, 0) AS "reportsReceived", coalesce(opened.n, 0) AS "casesOpened",
           coalesce(decided.n, 0) AS "casesDecided", decided.median AS "medianTimeToActionSeconds",
           coalesce(appeals.n, 0) AS "appealsReceived", coalesce(overturned.n, 0) AS "appealsOverturned",
           coalesce(ncmec.n, 0) AS "ncmecReportsFiled", coalesce(referrals.n, 0) AS "lawEnforcementReferrals"
    FROM buckets
    LEFT JOIN reports ON reports.b = buckets.b
    LEFT JOIN opened ON opened.b = buckets.b
    LEFT JOIN decided ON decided.b = buckets.b
    LEFT JOIN appeals ON appeals.b = buckets.b
    LEFT JOIN overturned ON overturned.b = buckets.b
    LEFT JOIN ncmec ON ncmec.b = buckets.b
    LEFT JOIN referrals ON referrals.b = buckets.b
    ORDER BY buckets.b`;
  return rows.map((r) => ({
    bucketStart: utc(r.bucketStart)!,
    reportsReceived: Number(r.reportsReceived),
    casesOpened: Number(r.casesOpened),
    casesDecided: Number(r.casesDecided),
    medianTimeToActionSeconds: num(r.medianTimeToActionSeconds),
    appealsReceived: Number(r.appealsReceived),
    appealsOverturned: Number(r.appealsOverturned),
    ncmecReportsFiled: Number(r.ncmecReportsFiled),
    lawEnforcementReferrals: Number(r.lawEnforcementReferrals),
  }));
}

/** Per queue: what waits, what is claimed, the oldest waiting case and how many are past their SLA at `now`. */
export async function queueHealth(prisma: PrismaClient, now: Date): Promise<QueueHealth[]> {
  const rows = await prisma.$queryRaw<Array<{ queue: QueueName; open: number; claimed: number; oldest: unknown; breaching: number }>>`
    SELECT "queue"::text AS queue, count(*)::int AS open,
           count(*) FILTER (WHERE "assigneeId" IS NOT NULL AND "leaseExpiresAt" > ${at(now)})::int AS claimed,
           ${isoOf(Prisma.sql`min("createdAt")`)} AS oldest,
           count(*) FILTER (WHERE "slaDueAt" < ${at(now)})::int AS breaching
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
      oldestOpenSince: utc(r?.oldest),
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
