// Additive transparency figures, kept per closed UTC day. Every figure counts events by the event's own timestamp
// (reports by creation, decisions by decision time, appeals by receipt or decision, …), so a day's figures never change
// once the day is over. They are computed once, the first time a report covers the day, and a report over a year sums
// about 365 small rows instead of scanning a million. A day counts as closed an hour after it ends, which leaves room
// for transactions that started before midnight and for clock skew between instances. Parts of a period that are not
// whole closed days (its edges, today) are counted live.
import type { PrismaClient } from '../db/database.js';
import { Prisma } from '../generated/prisma/client.js';
import { inPeriod } from './sql.js';

export interface Period {
  from: Date;
  to: Date;
}

/** metric → "category|action" → count */
export type Figures = Map<string, Map<string, number>>;

/** How to group the figures: by calendar day, week (from Monday) or month in UTC, or not at all (key ""). */
export type Grouping = 'day' | 'week' | 'month' | null;

interface Row {
  b: string;
  metric: string;
  category: string;
  action: string;
  n: number;
}

/** The group key of a date or timestamp expression: its bucket's first day as YYYY-MM-DD, or "" when not grouping. */
export const groupOf = (day: Prisma.Sql, unit: Grouping) =>
  unit ? Prisma.sql`to_char(date_trunc(${unit}, (${day})::timestamp), 'YYYY-MM-DD')` : Prisma.sql`''`;

const DAY_MS = 86_400_000;
const CLOSED_AFTER_MS = 60 * 60_000;
/** Days stored by one statement. */
export const ROLLUP_CHUNK_DAYS = 14;

const dayOf = (date: Date) => new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
const ceilDay = (date: Date) => new Date(Math.ceil(date.getTime() / DAY_MS) * DAY_MS);
/** A UTC day as YYYY-MM-DD: how groups are keyed. */
export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** Every additive figure over the period, one row per (day, metric, category, action). */
function figuresByDay(period: Period) {
  const day = (column: string) => Prisma.sql`date_trunc('day', ${Prisma.raw(`"${column}"`)})::date`;
  const count = (metric: string, table: string, column: string, extra = Prisma.empty) => Prisma.sql`
    SELECT ${day(column)} AS day, ${metric} AS metric, '' AS category, '' AS action, count(*)::int AS n
    FROM ${Prisma.raw(`"${table}"`)} WHERE ${inPeriod(column, period)} ${extra} GROUP BY 1`;
  return Prisma.sql`
    SELECT ${day('createdAt')} AS day, 'reports' AS metric, "category"::text AS category, '' AS action, count(*)::int AS n
    FROM "Report" WHERE ${inPeriod('createdAt', period)} GROUP BY 1, 3
    UNION ALL ${count('opened', 'Case', 'createdAt')}
    UNION ALL
    SELECT ${day('decidedAt')}, 'decisions', d."category"::text, action::text, count(*)::int
    FROM "Decision" AS d CROSS JOIN LATERAL unnest(d."actions") AS action WHERE ${inPeriod('decidedAt', period)} GROUP BY 1, 3, 4
    UNION ALL ${count('appealsReceived', 'Appeal', 'createdAt')}
    UNION ALL ${count('appealsDecided', 'Appeal', 'decidedAt')}
    UNION ALL ${count('appealsOverturned', 'Appeal', 'decidedAt', Prisma.sql`AND "outcome" = 'OVERTURNED'`)}
    UNION ALL ${count('ncmecReportsFiled', 'NcmecReport', 'submittedAt', Prisma.sql`AND "status" IN ('SUBMITTED', 'ACKNOWLEDGED') AND "externalReportId" IS NOT NULL`)}
    UNION ALL ${count('lawEnforcementReferrals', 'LawEnforcementReferral', 'createdAt')}`;
}

function add(groups: Map<string, Figures>, rows: Row[]) {
  for (const row of rows) {
    let figures = groups.get(row.b);
    if (!figures) groups.set(row.b, (figures = new Map()));
    let metric = figures.get(row.metric);
    if (!metric) figures.set(row.metric, (metric = new Map()));
    const key = `${row.category}|${row.action}`;
    metric.set(key, (metric.get(key) ?? 0) + Number(row.n));
  }
}

async function live(prisma: PrismaClient, period: Period, unit: Grouping, groups: Map<string, Figures>) {
  if (!(period.from < period.to)) return;
  add(groups, await prisma.$queryRaw<Row[]>`
    SELECT ${groupOf(Prisma.sql`day`, unit)} AS b, metric, category, action, sum(n)::int AS n
    FROM (${figuresByDay(period)}) AS f GROUP BY 1, 2, 3, 4`);
}

/** Computes and stores the figures of the closed days in [from, to) that have none yet. Safe on every instance. */
async function ensureRollups(prisma: PrismaClient, from: Date, to: Date) {
  const have = await prisma.dailyFigureDay.findMany({ where: { day: { gte: from, lt: to } }, select: { day: true } });
  const known = new Set(have.map((d) => isoDay(d.day)));
  // Runs of missing days, each at most ROLLUP_CHUNK_DAYS long and filled by one statement in its own transaction. The
  // figures grow a chunk at a time: no statement holds a connection for long (on the embedded database, the only
  // one, which intake and reviewers wait for), and a request cut short by the statement timeout keeps the chunks it
  // finished, so the next one starts where it stopped. The period's own bound (src/services/analytics.ts) bounds
  // how many chunks one request may fill.
  const runs: Period[] = [];
  for (let day = from.getTime(); day < to.getTime(); day += DAY_MS) {
    if (known.has(isoDay(new Date(day)))) continue;
    const last = runs[runs.length - 1];
    if (last && last.to.getTime() === day && day - last.from.getTime() < ROLLUP_CHUNK_DAYS * DAY_MS) last.to = new Date(day + DAY_MS);
    else runs.push({ from: new Date(day), to: new Date(day + DAY_MS) });
  }
  for (const run of runs) {
    // The report's other queries run alongside; on the embedded database (one connection) one of them can hold the
    // connection for seconds at a million cases, so this waits for it rather than failing after Prisma's default 2 s.
    await prisma.$transaction(async (tx) => {
      // One instance fills a run; another waiting here finds it done.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(7270737, 1)`;
      const done = await tx.dailyFigureDay.count({ where: { day: { gte: run.from, lt: run.to } } });
      if (done > 0) return;
      await tx.$executeRaw`
        INSERT INTO "DailyFigure" ("day", "metric", "category", "action", "count")
        SELECT day, metric, category, action, n FROM (${figuresByDay(run)}) AS f`;
      const days = [];
      for (let day = run.from.getTime(); day < run.to.getTime(); day += DAY_MS) days.push({ day: new Date(day) });
      await tx.dailyFigureDay.createMany({ data: days });
    }, { maxWait: 60_000, timeout: 120_000 });
  }
}

/**
 * The additive figures for a period, grouped by `unit`: stored days where they are closed, live counts for the rest.
 * Keys are each group's first day (YYYY-MM-DD), or "" when not grouping; groups with nothing in them are absent.
 */
export async function additiveFigures(prisma: PrismaClient, period: Period, now: Date, unit: Grouping = null): Promise<Map<string, Figures>> {
  const groups = new Map<string, Figures>();
  const closedUntil = dayOf(new Date(now.getTime() - CLOSED_AFTER_MS));
  const first = ceilDay(period.from);
  const last = new Date(Math.min(dayOf(period.to).getTime(), closedUntil.getTime()));
  if (first < last) {
    await ensureRollups(prisma, first, last);
    const [stored] = await Promise.all([
      prisma.$queryRaw<Row[]>`
        SELECT ${groupOf(Prisma.sql`"day"`, unit)} AS b, "metric", "category", "action", sum("count")::int AS n FROM "DailyFigure"
        WHERE "day" >= ${isoDay(first)}::date AND "day" < ${isoDay(last)}::date GROUP BY 1, 2, 3, 4`,
      live(prisma, { from: period.from, to: first }, unit, groups),
      live(prisma, { from: last, to: period.to }, unit, groups),
    ]);
    add(groups, stored);
  } else {
    await live(prisma, period, unit, groups);
  }
  return groups;
}

export const figure = (figures: Figures | undefined, metric: string, category = '', action = '') =>
  figures?.get(metric)?.get(`${category}|${action}`) ?? 0;

/** A figure summed over every category and action. */
export const total = (figures: Figures | undefined, metric: string) => [...(figures?.get(metric)?.values() ?? [])].reduce((a, b) => a + b, 0);
