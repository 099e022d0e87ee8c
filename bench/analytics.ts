// The transparency report on a year of generated data (1,000,000 cases in full mode), timed in-process through the
// service the GraphQL field calls, against a plain count(*) over the same cases in the same run.
import { openDatabase } from '../src/db/database.js';
import { queueHealth, transparencyReport, transparencySeries } from '../src/services/analytics.js';
import { BENCH_YEAR, generate } from './generate.js';
import { benchDatabase, serverAvailable, type Target } from './lib/databases.js';
import { median } from './lib/load.js';
import { fmt, type Results } from './lib/results.js';

async function timed(runs: number, work: () => Promise<unknown>) {
  await work(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

export async function analyticsScenarios(quick: boolean, results: Results, targets: Target[]) {
  const cases = quick ? 20_000 : 1_000_000;
  const runs = quick ? 2 : 5;
  for (const target of targets) {
    if (target === 'server' && !(await serverAvailable())) {
      results.add({ scenario: 'analytics on the PostgreSQL server', value: 'skipped', note: 'no server reachable' });
      continue;
    }
    const place = await benchDatabase(target);
    const db = await openDatabase({ databaseUrl: place.env.DATABASE_URL || undefined, dataDir: place.env.DATA_DIR ?? 'unused' });
    try {
      const started = performance.now();
      await generate(db.pool, { cases, ...BENCH_YEAR });
      const generated = (performance.now() - started) / 1000;
      const counts = await db.pool.query(`SELECT (SELECT count(*) FROM "Report")::int AS reports, (SELECT count(*) FROM "Decision")::int AS decisions, (SELECT count(*) FROM "Appeal")::int AS appeals`);
      results.add({
        scenario: `generator: ${fmt(cases)} cases (${target})`,
        value: `${fmt(generated, 1)} s`,
        note: `${fmt(counts.rows[0].reports)} reports, ${fmt(counts.rows[0].decisions)} decisions, ${fmt(counts.rows[0].appeals)} appeals`,
      });
      const baseline = await timed(runs, () => db.pool.query('SELECT count(*) FROM "Case"'));
      const now = new Date('2025-12-31T12:00:00Z');
      // The first report over the year stores the figures of its closed days; later ones read them.
      const firstStarted = performance.now();
      await transparencyReport(db.prisma, BENCH_YEAR, now);
      const first = performance.now() - firstStarted;
      const year = await timed(runs, () => transparencyReport(db.prisma, BENCH_YEAR, now));
      const month = await timed(runs, () => transparencyReport(db.prisma, { from: new Date('2025-06-01T00:00:00Z'), to: new Date('2025-07-01T00:00:00Z') }, now));
      const series = await timed(runs, () => transparencySeries(db.prisma, BENCH_YEAR, 'MONTH', now));
      const health = await timed(runs, () => queueHealth(db.prisma, now));
      const base = `count(*) ${fmt(baseline, 1)} ms`;
      results.add({
        scenario: `transparency report, whole year of ${fmt(cases)} cases (${target})`,
        value: `${fmt(year, 1)} ms`,
        baseline: base,
        ratio: year / baseline,
        ...(target === 'server' && !quick ? { goal: '< 1 s', met: year < 1000 } : {}),
      });
      results.add({ scenario: `transparency report, whole year, first request: stores 365 days of figures (${target})`, value: `${fmt(first, 1)} ms`, baseline: base, ratio: first / baseline });
      results.add({ scenario: `transparency report, one month (${target})`, value: `${fmt(month, 1)} ms`, baseline: base, ratio: month / baseline });
      results.add({ scenario: `transparency series by month, whole year (${target})`, value: `${fmt(series, 1)} ms`, baseline: base, ratio: series / baseline });
      results.add({ scenario: `queue health (${target})`, value: `${fmt(health, 1)} ms`, baseline: base, ratio: health / baseline });
    } finally {
      await db.close();
      await place.drop();
    }
  }
}
