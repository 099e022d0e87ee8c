// Where a benchmark's server keeps its data: a fresh embedded PGlite directory, or a fresh database on the
// PostgreSQL server (BENCH_POSTGRES_URL, else DATABASE_URL, else the local server), dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Target = 'embedded' | 'server';

export interface BenchDatabase {
  target: Target;
  /** Environment for a server process using this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export const serverAdminUrl = () => process.env.BENCH_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function serverAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverAdminUrl(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function benchDatabase(target: Target): Promise<BenchDatabase> {
  if (target === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'cs-bench-'));
    return { target, env: { DATA_DIR: dir, DATABASE_URL: '' }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `cs_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverAdminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverAdminUrl());
  url.pathname = `/${name}`;
  return {
    target,
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: serverAdminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
