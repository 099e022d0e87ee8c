// "A migration edited after it was applied stops start-up with an error naming it", for real: a copy of the project
// whose migrations folder is its own, started as a process (npm start's entry point) until it serves, stopped, one
// of its applied migration files edited, and started again.
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from './support/harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Outcome {
  served: boolean;
  code: number | null;
  stderr: string;
}

/** Starts the copy's src/main.ts; resolves when it serves (then stops it with SIGTERM) or exits by itself. */
function start(dir: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let served = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no outcome within 100 s; stderr: ${stderr}`));
    }, 100_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!served && stdout.includes('serving http')) {
        served = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ served, code, stderr });
    });
  });
}

describe('migrations', () => {
  it('a migration file edited after it was applied stops a real start-up with one line naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migration-edit-'));
    const database = process.env.DATABASE_URL ? await freshDatabase() : null;
    try {
      // The copy: its own src and migrations; the repository's packages.
      cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
      cpSync(join(ROOT, 'prisma'), join(dir, 'prisma'), { recursive: true });
      cpSync(join(ROOT, 'console'), join(dir, 'console'), { recursive: true });
      for (const file of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, file), join(dir, file));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LEASE_SWEEP_MS: '600000',
        ...(database ? { DATABASE_URL: database.url } : { DATA_DIR: join(dir, 'data') }),
      };

      const first = await start(dir, env);
      expect(first, first.stderr).toMatchObject({ served: true, code: 0 });

      const migrations = readdirSync(join(dir, 'prisma/migrations'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      const edited = migrations[1]!;
      appendFileSync(join(dir, 'prisma/migrations', edited, 'migration.sql'), '\n-- an edit made after this migration was applied\n');

      const second = await start(dir, env);
      expect(second.served).toBe(false);
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(`Database migration error: Migration ${edited} was modified after it was applied`);

    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database?.drop().catch(() => {});
    }
  }, 320_000);

  it('a start-up that misses a folder it serves names the folder, not the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'missing-console-'));
    try {
      cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
      cpSync(join(ROOT, 'prisma'), join(dir, 'prisma'), { recursive: true });
      for (const file of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, file), join(dir, file));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const outcome = await start(dir, { PATH: process.env.PATH, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: 'memory://' });
      expect(outcome.served).toBe(false);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr.trim()).toMatch(/^Cannot start: .*console.* is missing/);
      expect(outcome.stderr).not.toMatch(/database/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
