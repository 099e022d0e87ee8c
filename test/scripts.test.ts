// The operator scripts beside a running server: the embedded database is one process's at a time, so while the server
// holds the data directory, npm run seed and npm run audit:verify say how to run them instead of failing obscurely.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cs-held-'));
  // The lock a running server writes: this (live) test process stands in for the server.
  writeFileSync(join(dir, '.server.pid'), String(process.pid));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

describe('scripts while the server holds the data directory', () => {
  it('npm run seed names the server holding it and says to stop it or use DATABASE_URL', async () => {
    const { code, stdout, stderr } = await run('scripts/seed.ts');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`process ${process.pid}`);
    expect(stderr).toMatch(/Stop the server/);
    expect(stderr).toMatch(/npm run seed/);
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('npm run audit:verify says how to verify through the running server instead', async () => {
    const { code, stderr } = await run('scripts/audit-verify.ts');
    expect(code).toBe(1);
    expect(stderr).toContain(`process ${process.pid}`);
    expect(stderr).toMatch(/verifyAuditChain/);
    expect(stderr).toMatch(/npm run -s token -- --role LEAD/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
