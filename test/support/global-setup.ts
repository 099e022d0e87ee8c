// Once per test run, before any test file: a migrated database every file's fresh database is copied from, so no file
// pays for initdb and the migrations again. On the embedded database it is a dumped PGlite data directory (a file,
// loaded with `loadDataDir`); on a server (DATABASE_URL) a template database (`CREATE DATABASE … TEMPLATE`). The
// migrations themselves are still tested from nothing (test/foundation.test.ts, test/migration-edit.test.ts), and every
// file's database still runs `applyMigrations`, which finds them applied and their checksums unchanged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The dumped, migrated PGlite data directory (embedded runs). */
    embeddedImage?: string;
    /** The migrated template database on the server (DATABASE_URL runs). */
    templateDatabase?: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const name = `cs_template_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      await applyMigrations(pool);
    } finally {
      await pool.end();
    }
    project.provide('templateDatabase', name);
    return async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'cs-test-image-'));
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, path: join(dir, '.s.PGSQL.5432') });
  await server.start();
  const pool = new pg.Pool({ connectionString: `postgresql://postgres@${encodeURIComponent(dir)}/postgres?sslmode=disable`, max: 1 });
  try {
    await applyMigrations(pool);
  } finally {
    await pool.end();
    await server.stop();
  }
  const image = await db.dumpDataDir('none');
  await db.close();
  const file = join(dir, 'migrated.tar');
  writeFileSync(file, Buffer.from(await image.arrayBuffer()));
  project.provide('embeddedImage', file);
  return async () => rmSync(dir, { recursive: true, force: true });
}
