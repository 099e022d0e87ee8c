// An embedded PostgreSQL (PGlite) served over the PostgreSQL wire protocol, so the application reaches it exactly as
// it reaches a server: through pg and @prisma/adapter-pg. PGlite runs one session, so the pool in front of it holds
// one connection. PGlite has no passwords and every session is its superuser, so it listens on no TCP port: only on a
// Unix socket inside a fresh directory that only this process's user can enter (0700), removed again on stop.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * `dataDir` is a folder to persist in, or `memory://` for a throwaway database. A throwaway database may start from
 * `image`, a data directory PGlite dumped (`dumpDataDir`): that skips initdb, which is most of a fresh start (about 1.5 s
 * against 6–10 s on a loaded two-core machine). The tests start every file's database from one migrated image.
 */
export async function startEmbeddedPostgres(dataDir: string, image?: Blob): Promise<EmbeddedPostgres> {
  const inMemory = dataDir.startsWith('memory://');
  if (image && !inMemory) throw new Error('An embedded database starts from an image only in memory (memory://)');
  const releaseLock = inMemory ? () => {} : lockDataDir(resolve(dataDir));
  let socketDir: string | undefined;
  try {
    const db = inMemory ? await PGlite.create(image ? { loadDataDir: image } : undefined) : await PGlite.create(resolve(dataDir));
    // The pool in front (src/db/database.ts) holds one connection, so one session talks to PGlite at a time. The socket
    // server still admits a few: pg destroys a connection whose query failed and opens its replacement at once, before
    // the old socket has finished closing, and a limit of one would refuse that replacement.
    // mkdtemp creates the directory with mode 0700; pg finds the socket as <dir>/.s.PGSQL.5432.
    socketDir = mkdtempSync(join(tmpdir(), 'pglite-'));
    const socketPath = join(socketDir, '.s.PGSQL.5432');
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 4 });
    await server.start();
    chmodSync(socketPath, 0o600);
    const dir = socketDir;
    return {
      connectionString: `postgresql://postgres@${encodeURIComponent(dir)}/postgres?sslmode=disable`,
      async stop() {
        await server.stop();
        await db.close();
        rmSync(dir, { recursive: true, force: true });
        releaseLock();
      },
    };
  } catch (error) {
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    releaseLock();
    throw error;
  }
}

/** Another live process (normally the server) holds the embedded database's folder. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`DATA_DIR ${dir} is in use by process ${pid}`);
    this.name = 'DataDirInUseError';
  }
}

/** Two processes writing one PGlite folder would corrupt it; a pid file refuses the second while the first lives. */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, '.server.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8'));
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new DataDirInUseError(dir, holder);
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
