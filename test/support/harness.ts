// Test harness: a real server on a fresh database. Without DATABASE_URL the database is an in-memory PGlite; with it,
// a new database is created on that PostgreSQL server for the test file and dropped afterwards.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import pg from 'pg';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { mintToken } from '../../src/auth/jwt.js';
import type { Logger } from '../../src/logger.js';
import type { Role } from '../../src/policy/index.js';

export const TEST_SECRET = 'test-secret-0123456789-0123456789-abcdef';

export interface TestDatabase {
  db: Database;
  url: string | undefined;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a copy of the run's migrated image or template database
 * (test/support/global-setup.ts), or, when a file runs without that set-up, a database migrated from nothing.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const imageFile = inject('embeddedImage');
    const embeddedImage = imageFile ? new Blob([readFileSync(imageFile)]) : undefined;
    const db = await openDatabase({ dataDir: 'memory://', embeddedImage });
    return { db, url: undefined, drop: () => db.close() };
  }
  const name = `cs_test_${randomBytes(6).toString('hex')}`;
  const template = inject('templateDatabase');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused' });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  database: TestDatabase;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string; headers?: Record<string, string> }): Promise<GqlResponse<T>>;
  /** An HTTP request to the server: over the socket, or straight to yoga when the server does not listen. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /**
   * false: build the app without opening a port; requests go to `app.yoga.fetch` in-process (no WebSocket, and `url`
   * is not reachable over the network). For tests of authorization and workflow rules that need no socket.
   */
  listen?: boolean;
}

export interface GqlResponse<T> {
  status: number;
  data: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  headers: Headers;
}

export async function startServer(env: Record<string, string> = {}, shared?: TestDatabase, options: StartOptions = {}): Promise<TestServer> {
  const database = shared ?? (await freshDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    LEASE_SWEEP_MS: '600000',
    // Tests file many reports from one address; the rate-limit tests set their own limits. Each server gets its own
    // Redis namespace so counters never leak between test files.
    INTAKE_LIMIT_PER_ADDRESS: '100000',
    INTAKE_LIMIT_GLOBAL: '100000',
    REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  });
  // TEST_COMPILED_EXECUTION=1 runs a test file with queries and mutations compiled (src/plugins/compiled-execution.ts).
  const compiledExecution = process.env.TEST_COMPILED_EXECUTION === '1';
  const app = await buildApp({ config, database: database.db, compiledExecution, ...(options.logger ? { logger: options.logger } : {}) });
  const listen = options.listen !== false;
  const port = listen ? (await app.start(0, '127.0.0.1')).port : 0;
  const url = listen ? `http://127.0.0.1:${port}/graphql` : 'http://in-process/graphql';
  const send = listen ? (input: string, init?: RequestInit) => fetch(input, init) : (input: string, init?: RequestInit) => Promise.resolve(app.yoga.fetch(new URL(input), init ?? {}, { clientAddress: '127.0.0.1', transport: {} }));
  return {
    app,
    url,
    wsUrl: listen ? `ws://127.0.0.1:${port}/graphql` : 'ws://in-process/graphql',
    database,
    fetch: send,
    async gql(query, variables, options = {}) {
      const res = await send(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data: any; errors?: any[] };
      return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
    },
    async close() {
      await app.stop();
      if (!shared) await database.drop();
    },
  };
}

export const token = (sub: string, roles: Role[], name = `Reviewer ${sub}`) => mintToken(TEST_SECRET, { sub, name, roles });

/** A random lowercase hex string of `bytes` bytes: a neutral placeholder hash. */
export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Reads one client operation file from the contract in test/contract. */
export async function clientOperations(file: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  return readFileSync(new URL(`../contract/${file}`, import.meta.url), 'utf8');
}
