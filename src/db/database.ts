// One way into the database: pg → @prisma/adapter-pg → Prisma client, whether the PostgreSQL is embedded or a server.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { applyMigrations, migrationsApplied } from './migrate.js';
import { AccessWatch } from './access-watch.js';

export type { PrismaClient };

/**
 * Prisma 7 compiles each query shape once and reuses the plan for any values (docs/prisma.md): without the cache it is
 * no faster than 6.19, which compiled every query. A shape is a model, an operation and a selection, so the service's
 * queries fit with room to spare; 0 would turn it off.
 */
export const QUERY_PLAN_CACHE_SIZE = 2000;
const clientFor = (pool: pg.Pool) => new PrismaClient({ adapter: new PrismaPg(pool), queryPlanCacheMaxSize: QUERY_PLAN_CACHE_SIZE });
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface DatabaseOptions {
  /** A PostgreSQL server; when absent an embedded PGlite in `dataDir` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** With `dataDir` `memory://`: start the embedded database from this dumped data directory (src/db/embedded.ts). */
  embeddedImage?: Blob | undefined;
  migrate?: boolean;
  poolSize?: number;
}

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** The reviewer-access generation as the pool's connections hear it (src/db/access-watch.ts). */
  accessWatch: AccessWatch;
  /** `embedded` or `server`, with the host (the embedded database's socket directory) and database (never credentials). */
  target: { kind: 'embedded' | 'server'; host: string; database: string };
  ready(): Promise<boolean>;
  /**
   * A client with its own small pool and a statement timeout, for work that must never take the connections intake and
   * reviewers use (analytics). The embedded database has one session, so there it is the main client: its callers keep
   * each statement short instead.
   */
  sidePool(options: { size: number; statementTimeoutMs: number }): { prisma: PrismaClient; separate: boolean; close(): Promise<void> };
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = options.databaseUrl;
  if (!connectionString) {
    embedded = await startEmbeddedPostgres(options.dataDir, options.embeddedImage);
    connectionString = embedded.connectionString;
  }
  const url = new URL(connectionString);
  const accessWatch = new AccessWatch();
  const pool = new pg.Pool({
    connectionString,
    max: embedded ? 1 : (options.poolSize ?? 10),
    connectionTimeoutMillis: 10_000,
    // A connection the server terminates while checked out (between a transaction's statements, say) emits 'error' on
    // its client, which the pool listens for only while the client is idle; unheard, it would crash the process. The
    // statement in flight still fails with the error, so nothing is hidden.
    onConnect: async (client) => {
      client.on('error', () => {});
      await accessWatch.onConnect(client);
    },
  });
  accessWatch.watch(pool);
  // An idle client that loses its server emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => {});
  try {
    if (options.migrate !== false) await applyMigrations(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw error;
  }
  const prisma = clientFor(pool);
  return {
    prisma,
    pool,
    accessWatch,
    target: { kind: embedded ? 'embedded' : 'server', host: decodeURIComponent(url.host), database: url.pathname.slice(1) },
    async ready() {
      try {
        return await migrationsApplied(pool);
      } catch {
        return false;
      }
    },
    sidePool({ size, statementTimeoutMs }) {
      if (embedded) return { prisma, separate: false, close: async () => {} };
      const side = new pg.Pool({ connectionString, max: size, connectionTimeoutMillis: 10_000, statement_timeout: statementTimeoutMs });
      side.on('error', () => {});
      const sideClient = clientFor(side);
      return {
        prisma: sideClient,
        separate: true,
        async close() {
          await sideClient.$disconnect();
          await endPool(side);
        },
      };
    },
    async close() {
      await prisma.$disconnect();
      await endPool(pool);
      await embedded?.stop();
    },
  };
}

/**
 * Ends a pool, waiting at most five seconds: `pool.end()` waits for every checked-out client, and a client whose
 * server connection was terminated mid-transaction can stay checked out for good, which would hang shutdown.
 */
async function endPool(pool: pg.Pool): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pool.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
  clearTimeout(timer);
}
