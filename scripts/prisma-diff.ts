// `prisma migrate diff` through Prisma 6.19's WASM schema engine (Prisma 7 diffs only with its native engine, which is
// never downloaded here: docs/prisma.md), with an embedded PGlite served for the adapter connection it opens.
// The CLI runs as an asynchronous child: this process must keep serving the PGlite socket while it waits.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

const prismaCli = fileURLToPath(new URL('./prisma.mjs', import.meta.url));
const prisma6Config = fileURLToPath(new URL('../prisma/prisma6.config.ts', import.meta.url));

/**
 * Prisma 7's datamodel has no datasource `url` (the client connects through the adapter), and Prisma 6 refuses a
 * datasource without one; the diff never uses it. So the CLI reads a copy with a placeholder URL.
 */
export function forPrisma6(datamodel: string): string {
  return datamodel.replace(/(datasource\s+\w+\s*\{)([^}]*)\}/, (block, open: string, body: string) =>
    /^\s*url\s*=/m.test(body) ? block : `${open}${body}  url = "postgresql://unused"\n}`,
  );
}

/** Returns the SQL that takes a database from `from` (a datamodel path, or empty) to the datamodel at `to`. */
export async function prismaMigrateDiff(from: string | 'empty', to: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'prisma-diff-'));
  const copy = (path: string, name: string) => {
    const target = join(dir, name);
    writeFileSync(target, forPrisma6(readFileSync(path, 'utf8')));
    return target;
  };
  const pg = await startEmbeddedPostgres('memory://');
  try {
    const fromArgs = from === 'empty' ? ['--from-empty'] : ['--from-schema-datamodel', copy(from, 'from.prisma')];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [prismaCli, '--v6', 'migrate', 'diff', '--config', prisma6Config, ...fromArgs, '--to-schema-datamodel', copy(to, 'to.prisma'), '--script'],
      { env: { ...process.env, PRISMA_CLI_DATABASE_URL: pg.connectionString }, timeout: 120_000, maxBuffer: 16 << 20 },
    );
    return stdout;
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
