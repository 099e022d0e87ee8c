// The audit chain anchored outside the database: a superuser who rewrites a past event and recomputes every later hash,
// or cuts off the newest events and moves the head back, passes the chain's own check, but not the signed checkpoints,
// and `npm run audit:verify` names the rewritten or truncated range.
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { hashEvent, verifyAuditChain, type AuditBody } from '../src/services/audit.js';
import {
  checkpointSignatureValid,
  readCheckpoints,
  startCheckpointWriter,
  verifyAgainstCheckpoints,
  type Checkpoint,
} from '../src/services/audit-checkpoints.js';
import { createLogger } from '../src/logger.js';
import { freshDatabase, hex, startServer, type TestDatabase, type TestServer } from './support/harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
// The 32-byte seed (hex) as an operator would put it in AUDIT_SIGNING_KEY; the public half as base64 for the verifier.
const SEED = (privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).subarray(16).toString('hex');
const PUBLIC = (createPublicKey(privateKey).export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('base64');

const dir = mkdtempSync(join(tmpdir(), 'audit-checkpoints-'));
const file = join(dir, 'checkpoints.jsonl');
const dataDir = join(dir, 'pg');
let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  if (process.env.DATABASE_URL) database = await freshDatabase();
  else {
    // A database on disk, so the command-line verifier can open it after the test closes it.
    const db = await openDatabase({ dataDir });
    database = { db, url: undefined, drop: () => db.close() };
  }
  server = await startServer({ AUDIT_SIGNING_KEY: SEED, AUDIT_CHECKPOINT_FILE: file, AUDIT_CHECKPOINT_INTERVAL_MS: '200' }, database);
}, 180_000);
afterAll(async () => {
  await server?.app.stop().catch(() => {});
  await database?.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename } }`;
const fileReports = async (n: number) => {
  for (let i = 0; i < n; i++) {
    const res = await server.gql(SUBMIT, { input: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' } });
    expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  }
};
const headSeq = async () => Number((await database.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
const checkpoints = async () => (await readCheckpoints(file)).checkpoints;
const until = async (check: () => Promise<boolean>, what: string, timeout = 15_000) => {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const sql = (text: string, values: unknown[] = []) => database.db.pool.query(text, values);

async function dropServerDatabase(url: string) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  await c.end();
}

/** As a superuser would: recompute every hash from `fromSeq` on, and the head, so the chain verifies again. */
async function recomputeFrom(fromSeq: number) {
  const events = await database.db.prisma.auditEvent.findMany({ where: { seq: { gte: BigInt(fromSeq) } }, orderBy: { seq: 'asc' } });
  let prev = fromSeq === 1 ? '0'.repeat(64) : (await database.db.prisma.auditEvent.findUniqueOrThrow({ where: { seq: BigInt(fromSeq - 1) } })).hash;
  for (const e of events) {
    const body: AuditBody = {
      seq: Number(e.seq), at: e.at, actorKind: e.actorKind, actorId: e.actorId, actorRoles: e.actorRoles, action: e.action,
      entityType: e.entityType, entityId: e.entityId, caseId: e.caseId, changes: e.changes, policyVersion: e.policyVersion, requestId: e.requestId,
    };
    const hash = hashEvent(prev, body);
    await sql(`UPDATE "AuditEvent" SET "prevHash" = $1, hash = $2 WHERE seq = $3`, [prev, hash, body.seq]);
    prev = hash;
  }
  await sql(`UPDATE "AuditChainHead" SET hash = $1 WHERE id = 1`, [prev]);
}

describe('signed audit checkpoints', () => {
  it('are written at the interval and at shutdown, signed over the head sequence and hash', async () => {
    await fileReports(6);
    const head1 = await headSeq();
    await until(async () => (await checkpoints()).some((c) => c.seq === head1), 'a checkpoint of the head');
    await fileReports(4);
    const head2 = await headSeq();
    await server.app.stop();
    const written = await checkpoints();
    expect(written.at(-1)!.seq).toBe(head2);
    const head = await database.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(written.at(-1)!.hash).toBe(head.hash);
    for (const c of written) expect(checkpointSignatureValid(publicKey, c)).toBe(true);
    // A checkpoint edited after signing does not verify.
    expect(checkpointSignatureValid(publicKey, { ...written.at(-1)!, seq: head2 + 5 })).toBe(false);
    // The file is the operator's only: owner read/write.
    expect((await import('node:fs')).statSync(file).mode & 0o077).toBe(0);
    expect((await verifyAgainstCheckpoints(database.db.prisma, written, publicKey)).ok).toBe(true);
  });

  it('a past event rewritten with every later hash recomputed is detected and its range named', async () => {
    const written = await checkpoints();
    const head = await headSeq();
    const target = written[0]!.seq > 2 ? written[0]!.seq - 1 : written[0]!.seq; // an event at or before the first checkpoint
    const saved = await sql(`SELECT row_to_json(e) AS row FROM "AuditEvent" e WHERE seq >= $1`, [target]);
    const savedHead = (await sql(`SELECT hash FROM "AuditChainHead" WHERE id = 1`)).rows[0].hash as string;
    await sql('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER');
    try {
      await sql(`UPDATE "AuditEvent" SET changes = '{"category":"edited"}' WHERE seq = $1`, [target]);
      await recomputeFrom(target);
      // The chain alone cannot tell.
      expect(await verifyAuditChain(database.db.prisma)).toMatchObject({ ok: true, checkedEvents: head });

      const result = await verifyAgainstCheckpoints(database.db.prisma, written, publicKey);
      expect(result.ok).toBe(false);
      const before = written.filter((c: Checkpoint) => c.seq < target).map((c) => c.seq);
      const from = (before.length ? Math.max(...before) : 0) + 1;
      const to = Math.min(...written.filter((c) => c.seq >= target).map((c) => c.seq));
      expect(result.problems).toEqual([expect.objectContaining({ kind: 'rewritten', fromSeq: from, toSeq: to })]);
      expect(result.problems[0]!.message).toContain(`events ${from}–${to} were rewritten`);
    } finally {
      await sql(`DELETE FROM "AuditEvent" WHERE seq >= $1`, [target]);
      for (const { row } of saved.rows) await sql(`INSERT INTO "AuditEvent" SELECT * FROM json_populate_record(NULL::"AuditEvent", $1)`, [row]);
      await sql(`UPDATE "AuditChainHead" SET hash = $1 WHERE id = 1`, [savedHead]);
      await sql('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER');
    }
    expect((await verifyAgainstCheckpoints(database.db.prisma, written, publicKey)).ok).toBe(true);
  });

  it('a truncated tail with the head moved back is detected, never signed again, and named by npm run audit:verify', async () => {
    const written = await checkpoints();
    const latest = written.at(-1)!.seq;
    const keep = latest - 3;
    await sql('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER');
    await sql(`DELETE FROM "AuditEvent" WHERE seq > $1`, [keep]);
    await sql('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER');
    const last = (await sql(`SELECT hash FROM "AuditEvent" WHERE seq = $1`, [keep])).rows[0].hash as string;
    await sql(`UPDATE "AuditChainHead" SET seq = $1, hash = $2 WHERE id = 1`, [keep, last]);
    expect(await verifyAuditChain(database.db.prisma)).toMatchObject({ ok: true, checkedEvents: keep });

    // An instance started on the cut-back chain refuses to sign it.
    const writer = await startCheckpointWriter({ prisma: database.db.prisma, key: privateKey, file, intervalMs: 60_000, logger: createLogger('silent') });
    expect(await writer.writeNow()).toBeNull();
    await writer.stop();
    expect((await checkpoints()).length).toBe(written.length);

    await database.db.close();
    const env = {
      ...process.env,
      ...(database.url ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir }),
      AUDIT_VERIFY_KEY: PUBLIC,
      AUDIT_CHECKPOINT_FILE: file,
      LOG_LEVEL: 'silent',
    };
    delete (env as Record<string, string | undefined>).AUDIT_SIGNING_KEY;
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/audit-verify.ts'], { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.stderr).toContain(`events ${keep + 1}–${latest} are missing`);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, problems: [{ kind: 'truncated', fromSeq: keep + 1, toSeq: latest }] });
    // Closed above; the server pass still drops its database.
    database = { ...database, drop: async () => (database.url ? dropServerDatabase(database.url) : undefined) };
  }, 180_000);

  it('an unreadable key is a configuration error naming the variable', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(() => loadConfig({ AUDIT_SIGNING_KEY: 'not-a-key' })).toThrow(/^Invalid configuration: AUDIT_SIGNING_KEY must be an Ed25519 private key/);
    expect(() => loadConfig({ AUDIT_VERIFY_KEY: 'zz' })).toThrow(/AUDIT_VERIFY_KEY/);
    expect(loadConfig({ AUDIT_SIGNING_KEY: SEED }).AUDIT_SIGNING_KEY).toBe(SEED);
    readFileSync(file); // the file is still there
  });
});
