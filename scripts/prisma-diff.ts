// `prisma migrate diff` through the WASM engine, with an embedded PGlite served for the adapter connection it opens.
// The CLI runs as an asynchronous child: this process must keep serving the PGlite socket while it waits.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

const prismaCli = fileURLToPath(new URL('./prisma.mjs', import.meta.url));

/** Returns the SQL that takes a database from `from` (a datamodel path, or empty) to the datamodel at `to`. */
export async function prismaMigrateDiff(from: string | 'empty', to: string): Promise<string> {
  const pg = await startEmbeddedPostgres('memory://');
  try {
    const fromArgs = from === 'empty' ? ['--from-empty'] : ['--from-schema-datamodel', from];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [prismaCli, 'migrate', 'diff', ...fromArgs, '--to-schema-datamodel', to, '--script'],
      { env: { ...process.env, PRISMA_CLI_DATABASE_URL: pg.connectionString }, timeout: 120_000, maxBuffer: 16 << 20 },
    );
    return stdout;
  } finally {
    await pg.stop();
  }
}
