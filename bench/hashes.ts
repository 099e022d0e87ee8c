// PDQ bank lookups: the multi-index against a linear scan of the same 1,000,000-hash bank in the same run (every
// scanned query's answers compared), the index's memory, and loading a bank of that size from each database through
// the import the command line uses and the load every instance does at start.
import { randomFillSync } from 'node:crypto';
import { openDatabase } from '../src/db/database.js';
import { PdqBankIndex } from '../src/matching/bank-index.js';
import { PdqIndex, linearScan, pdqHex, type PdqHit } from '../src/matching/pdq.js';
import { createHashBank, importBankHashes } from '../src/services/hash-banks.js';
import type { ServiceContext } from '../src/services/context.js';
import { benchDatabase, serverAvailable, type Target } from './lib/databases.js';
import { fmt, type Results } from './lib/results.js';

const BANK_SIZE = 1_000_000;
const THRESHOLD = 31;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** Half the queries lie near a bank hash (0 to 31 bits flipped), half are random. */
function queries(bank: Uint32Array, count: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  const random = new Uint32Array(count * 40);
  randomFillSync(random);
  for (let q = 0; q < count; q++) {
    const query = new Uint32Array(8);
    if (q % 2) randomFillSync(query);
    else {
      const i = random[q * 40]! % (bank.length / 8);
      query.set(bank.subarray(i * 8, i * 8 + 8));
      for (let b = 0, flips = random[q * 40 + 1]! % (THRESHOLD + 1); b < flips; b++) {
        const bit = random[q * 40 + 2 + b]! % 256;
        query[bit >>> 5]! ^= 1 << (bit & 31);
      }
    }
    out.push(query);
  }
  return out;
}

function time(qs: Uint32Array[], search: (q: Uint32Array) => PdqHit[]) {
  const times: number[] = [];
  const answers: PdqHit[][] = [];
  const started = performance.now();
  for (const q of qs) {
    const t = performance.now();
    answers.push(search(q));
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), perSecond: qs.length / seconds, answers };
}

export async function hashScenarios(quick: boolean, results: Results, targets: Target[]) {
  const bank = new Uint32Array(BANK_SIZE * 8);
  randomFillSync(bank);
  const rssBefore = process.memoryUsage().rss;
  const buildStarted = performance.now();
  const index = new PdqIndex(bank);
  const built = performance.now() - buildStarted;
  const rssGrowth = process.memoryUsage().rss - rssBefore;

  const indexQueries = queries(bank, quick ? 2_000 : 20_000);
  const scanQueries = indexQueries.slice(0, quick ? 40 : 400);
  time(indexQueries.slice(0, 500), (q) => index.search(q, THRESHOLD)); // warm-up
  const fast = time(indexQueries, (q) => index.search(q, THRESHOLD));
  const scan = time(scanQueries, (q) => linearScan(bank, q, THRESHOLD));
  // Every scanned query must get the same answers from the index.
  scanQueries.forEach((q, i) => {
    const expected = JSON.stringify(scan.answers[i]);
    if (JSON.stringify(fast.answers[i]) !== expected) throw new Error(`index and scan disagree on query ${i}: ${pdqHex(q)}`);
  });
  const matched = fast.answers.filter((a) => a.length).length;

  results.add({
    scenario: `PDQ lookup, ${fmt(BANK_SIZE)}-hash bank, distance ≤ ${THRESHOLD}: throughput`,
    value: `${fmt(fast.perSecond)} lookups/s`,
    baseline: `linear scan ${fmt(scan.perSecond, 1)} lookups/s`,
    ratio: fast.perSecond / scan.perSecond,
    goal: '≥ 100×',
    met: fast.perSecond / scan.perSecond >= 100,
    note: `${fmt(indexQueries.length)} lookups, half near a bank hash (${fmt(matched)} matched); the ${scanQueries.length} scanned agree`,
  });
  results.add({
    scenario: 'PDQ lookup latency p50 / p99',
    value: `${fmt(fast.p50, 3)} / ${fmt(fast.p99, 3)} ms`,
    baseline: `linear scan ${fmt(scan.p50, 1)} / ${fmt(scan.p99, 1)} ms`,
    ratio: scan.p50 / fast.p50,
    goal: 'p99 < 5 ms',
    met: fast.p99 < 5,
  });
  results.add({
    scenario: 'PDQ index memory and build',
    value: `${fmt(index.byteLength / 2 ** 20)} MiB`,
    baseline: `the hashes alone ${fmt(bank.byteLength / 2 ** 20)} MiB`,
    ratio: index.byteLength / bank.byteLength,
    note: `built in ${fmt(built)} ms; process RSS grew ${fmt(rssGrowth / 2 ** 20)} MiB`,
  });

  const size = quick ? 100_000 : BANK_SIZE;
  const list = Array.from({ length: size }, (_, i) => pdqHex(bank, i * 8)).join('\n');
  for (const target of targets) {
    if (target === 'server' && !(await serverAvailable())) {
      results.add({ scenario: 'PDQ bank import and load on the PostgreSQL server', value: 'skipped', note: 'no server reachable' });
      continue;
    }
    const place = await benchDatabase(target);
    const db = await openDatabase({ databaseUrl: place.env.DATABASE_URL || undefined, dataDir: place.env.DATA_DIR ?? 'unused' });
    try {
      const loader = new PdqBankIndex(db.prisma, THRESHOLD);
      const ctx: ServiceContext = {
        prisma: db.prisma,
        actor: { kind: 'SYSTEM', id: 'bench' },
        requestId: null,
        now: () => new Date(),
        events: { publish: () => {} },
        settings: { leaseMinutes: 10, dailyExposureCap: 40, secret: 'bench-secret-0123456789-0123456789' },
        ncmec: null,
        hashBanks: new PdqBankIndex(db.prisma, THRESHOLD, { broadcast: () => {} }),
      };
      const created = await createHashBank(ctx, { name: 'bench', source: 'random placeholder hashes' });
      const importStarted = performance.now();
      await importBankHashes(ctx, { bankId: created.id, algorithm: 'PDQ', content: list }, { timeoutMs: 60 * 60_000 });
      const imported = (performance.now() - importStarted) / 1000;
      const loadStarted = performance.now();
      await loader.refresh();
      const loaded = (performance.now() - loadStarted) / 1000;
      if (loader.stats().hashes !== size) throw new Error(`loaded ${loader.stats().hashes} of ${size} hashes`);
      results.add({ scenario: `PDQ bank of ${fmt(size)}: import in one transaction (${target})`, value: `${fmt(imported, 1)} s`, note: `${fmt(size / imported)} hashes/s` });
      results.add({ scenario: `PDQ bank of ${fmt(size)}: load into the index at start (${target})`, value: `${fmt(loaded, 1)} s`, note: 'read in pages of 65,536, then built' });
    } finally {
      await db.close();
      await place.drop();
    }
  }
}
