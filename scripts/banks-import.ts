// npm run banks:import -- --bank NAME --algorithm PDQ|MD5|SHA256 [--source TEXT] [--category CATEGORY] FILE
// Adds every hash in FILE (one per line, or CSV with the hash first) to the bank, all or nothing, audited as the
// system actor `banks-import:<os user>`. With --source, a bank that does not exist yet is created first. Running
// servers pick the change up at their next match, at once when REDIS_URL is set. The embedded database is one
// process's: stop the server first, or use the `importHashBank` mutation.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createLive } from '../src/live/pubsub.js';
import { PdqBankIndex } from '../src/matching/bank-index.js';
import { CATEGORIES, type Category } from '../src/policy/index.js';
import type { ServiceContext } from '../src/services/context.js';
import { HASH_ALGORITHMS, createHashBank, importBankHashes, type HashAlgorithm } from '../src/services/hash-banks.js';
import { openConfiguredDatabase } from './open-db.js';

const usage = 'usage: npm run banks:import -- --bank NAME --algorithm PDQ|MD5|SHA256 [--source TEXT] [--category CATEGORY] FILE';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { bank: { type: 'string' }, algorithm: { type: 'string' }, source: { type: 'string' }, category: { type: 'string' } },
});
const algorithm = values.algorithm?.toUpperCase().replace('-', '') as HashAlgorithm | undefined;
const category = values.category as Category | undefined;
if (!values.bank || !algorithm || !HASH_ALGORITHMS.includes(algorithm) || positionals.length !== 1 || (category && !CATEGORIES.includes(category))) {
  console.error(usage);
  process.exit(2);
}

let content: string;
try {
  content = await readFile(positionals[0]!, 'utf8');
} catch (error) {
  console.error(`Cannot read ${positionals[0]}: ${(error as Error).message}`);
  process.exit(1);
}

const config = loadConfig();
const db = await openConfiguredDatabase({ command: 'npm run banks:import' });
const live = config.REDIS_URL ? createLive(config.REDIS_URL) : null;
const ctx: ServiceContext = {
  prisma: db.prisma,
  actor: { kind: 'SYSTEM', id: `banks-import:${userInfo().username}` },
  requestId: null,
  now: () => new Date(),
  events: { publish: () => {} },
  settings: { leaseMinutes: config.LEASE_MINUTES, dailyExposureCap: config.DAILY_EXPOSURE_CAP, secret: config.JWT_SECRET },
  ncmec: null,
  // This process never matches; a change is only announced to the servers.
  hashBanks: new PdqBankIndex(db.prisma, config.PDQ_MATCH_DISTANCE, {
    broadcast: () => live?.pubsub.publish('hashBanks', { at: new Date().toISOString() }),
  }),
};

try {
  let bank = await db.prisma.hashBank.findUnique({ where: { name: values.bank } });
  if (!bank && values.source) bank = await createHashBank(ctx, { name: values.bank, source: values.source, category });
  if (!bank) throw new Error(`There is no bank named "${values.bank}"; pass --source to create it`);
  const started = performance.now();
  const result = await importBankHashes(ctx, { bankId: bank.id, algorithm, content }, { timeoutMs: 60 * 60_000 });
  console.log(JSON.stringify({ bank: bank.name, ...result, seconds: Math.round((performance.now() - started) / 100) / 10 }));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await live?.close();
  await db.close();
}
