// The audit chain's hash, checked against vectors computed outside this code base, and its append under concurrent
// writers.
//
// The vectors below were computed once with Python's json and hashlib:
//   canonical = json.dumps(event, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
//   hash      = hashlib.sha256((previous_hash + canonical).encode('utf-8')).hexdigest()
// from a genesis of 64 zeros, and the first hash cross-checked with `printf '%s%s' "$prev" "$canonical" | sha256sum`.
// So the writer (appendAudit) and the verifier (verifyAuditChain), which share hashEvent, cannot agree on a wrong form.
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/harness.js';
import { GENESIS_HASH, appendAudit, hashEvent, verifyAuditChain, type AuditBody } from '../src/services/audit.js';
import { canonicalJson } from '../src/services/canonical-json.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import type { Actor, QueueEvent, ServiceContext } from '../src/services/context.js';
import { claimNextCase } from '../src/services/claims.js';
import type { Role } from '../src/policy/index.js';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fileNewCase, type NewCaseFiling } from '../src/services/intake-statement.js';
import type { AuditEntry } from '../src/services/audit.js';

const CASE_ID = '22222222-2222-4222-8222-222222222222';

interface Vector {
  actor: Actor;
  body: AuditBody;
  canonical: string;
  hash: string;
}

const VECTORS: Vector[] = [
  {
    actor: { kind: 'ANONYMOUS', clientAddress: '192.0.2.1' },
    body: {
      seq: 1,
      at: new Date('2026-01-02T03:04:05.678Z'),
      actorKind: 'ANONYMOUS_REPORTER',
      actorId: null,
      actorRoles: [],
      action: 'report.submitted',
      entityType: 'Report',
      entityId: '11111111-1111-4111-8111-111111111111',
      caseId: CASE_ID,
      changes: { category: 'MINOR_PHYSICAL_ALTERCATION', reportCount: 1, folded: false },
      policyVersion: '2026.1',
      requestId: 'req-0001',
    },
    canonical:
      '{"action":"report.submitted","actorId":null,"actorKind":"ANONYMOUS_REPORTER","actorRoles":[],"at":"2026-01-02T03:04:05.678Z","caseId":"22222222-2222-4222-8222-222222222222","changes":{"category":"MINOR_PHYSICAL_ALTERCATION","folded":false,"reportCount":1},"entityId":"11111111-1111-4111-8111-111111111111","entityType":"Report","policyVersion":"2026.1","requestId":"req-0001","seq":1}',
    hash: 'a0b986232f29a7f9e1e469be5eec5c11109d5ff79daa2eade73f590d03176cff',
  },
  {
    actor: { kind: 'USER', id: 'reviewer-7', name: 'Reviewer Seven', roles: ['REVIEWER', 'LEAD'] },
    body: {
      seq: 2,
      at: new Date('2026-01-02T03:05:00.000Z'),
      actorKind: 'USER',
      actorId: 'reviewer-7',
      actorRoles: ['REVIEWER', 'LEAD'],
      action: 'case.claimed',
      entityType: 'Case',
      entityId: CASE_ID,
      caseId: CASE_ID,
      // Keys out of order, upper case before lower, a non-ASCII key and value, nested objects in an array.
      changes: { status: { to: 'IN_REVIEW', from: 'OPEN' }, Z: 0.5, a: -3, é: 'placeholder – ü', b_2: [{ y: null, x: true }, 'q'] },
      policyVersion: '2026.1',
      requestId: 'req-0002',
    },
    canonical:
      '{"action":"case.claimed","actorId":"reviewer-7","actorKind":"USER","actorRoles":["REVIEWER","LEAD"],"at":"2026-01-02T03:05:00.000Z","caseId":"22222222-2222-4222-8222-222222222222","changes":{"Z":0.5,"a":-3,"b_2":[{"x":true,"y":null},"q"],"status":{"from":"OPEN","to":"IN_REVIEW"},"é":"placeholder – ü"},"entityId":"22222222-2222-4222-8222-222222222222","entityType":"Case","policyVersion":"2026.1","requestId":"req-0002","seq":2}',
    hash: '1b7f8badbb8371ec51087df35c9d6e169dad7f8a625a87457891daf46f55374f',
  },
  {
    actor: { kind: 'SYSTEM', id: 'lease-expiry' },
    body: {
      seq: 3,
      at: new Date('2026-01-02T03:15:00.000Z'),
      actorKind: 'SYSTEM',
      actorId: 'lease-expiry',
      actorRoles: [],
      action: 'case.lease_expired',
      entityType: 'Case',
      entityId: CASE_ID,
      caseId: null,
      changes: {},
      policyVersion: null,
      requestId: null,
    },
    canonical:
      '{"action":"case.lease_expired","actorId":"lease-expiry","actorKind":"SYSTEM","actorRoles":[],"at":"2026-01-02T03:15:00.000Z","caseId":null,"changes":{},"entityId":"22222222-2222-4222-8222-222222222222","entityType":"Case","policyVersion":null,"requestId":null,"seq":3}',
    hash: 'dca03330e922dd1d94fe4feeace509ab6bf3a9171a6ebde9d44d6be09696c81c',
  },
];

describe('audit hash: independent test vectors', () => {
  it('the canonical form and the chained SHA-256 match the vectors', () => {
    let prev = GENESIS_HASH;
    expect(prev).toBe('0'.repeat(64));
    for (const v of VECTORS) {
      expect(canonicalJson(v.body)).toBe(v.canonical);
      expect(hashEvent(prev, v.body)).toBe(v.hash);
      prev = v.hash;
    }
  });

  describe('written to a database by appendAudit', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase();
    });
    afterAll(() => database?.drop());

    it('stores exactly the vectors’ hashes, the verifier accepts them, and it names an edited event', async () => {
      const prisma = database.db.prisma;
      expect(Number((await prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq)).toBe(0);
      for (const v of VECTORS) {
        const { seq: _seq, at, actorKind: _k, actorId: _i, actorRoles: _r, requestId, ...entry } = v.body;
        await prisma.$transaction((tx) =>
          appendAudit(tx, [{ ...entry, changes: entry.changes as Record<string, unknown> }], { actor: v.actor, requestId, at }),
        );
      }
      const rows = await prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
      expect(rows.map((r) => [Number(r.seq), r.prevHash, r.hash])).toEqual([
        [1, '0'.repeat(64), VECTORS[0]!.hash],
        [2, VECTORS[0]!.hash, VECTORS[1]!.hash],
        [3, VECTORS[1]!.hash, VECTORS[2]!.hash],
      ]);
      expect(await verifyAuditChain(prisma)).toEqual({ ok: true, checkedEvents: 3, firstBrokenSeq: null, headHash: VECTORS[2]!.hash });
      expect((await prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).hash).toBe(VECTORS[2]!.hash);

      // One character of event 2's payload changed (with the append-only triggers off, as an intruder would).
      const pool = database.db.pool;
      await pool.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER');
      try {
        await pool.query(`UPDATE "AuditEvent" SET changes = jsonb_set(changes::jsonb, '{a}', '-4') WHERE seq = 2`);
      } finally {
        await pool.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER');
      }
      expect(await verifyAuditChain(prisma)).toMatchObject({ ok: false, firstBrokenSeq: 2, checkedEvents: 1 });
    });
  });
});

/** A filing of new content by the one-statement intake, carrying `entries` as its unit's audit events. */
function filing(actor: Actor, at: Date, requestId: string | null, entries: AuditEntry[], caseId: string = randomUUID()): NewCaseFiling {
  return {
    now: at,
    case: {
      id: caseId,
      contentId: `content-${randomUUID()}`,
      contentUrl: null,
      reportedAccountId: null,
      category: 'MINOR_PHYSICAL_ALTERCATION',
      queue: 'MINOR_PHYSICAL_ALTERCATION',
      priority: 3,
      slaDueAt: new Date(at.getTime() + 86_400_000),
      childAtImmediateRisk: false,
      depictedRelationClaimed: false,
    },
    report: {
      id: randomUUID(),
      mediaHashes: [],
      category: 'MINOR_PHYSICAL_ALTERCATION',
      description: 'placeholder description',
      childAtImmediateRisk: false,
      reporterRelation: 'OTHER',
      reporterAccountId: null,
      contactEmail: null,
      reporterKey: randomUUID(),
      followUpTokenHash: randomUUID(),
      idempotencyKey: null,
      requestHash: randomUUID(),
    },
    audit: { actor, requestId, entries },
  };
}

const entryOf = (v: Vector): AuditEntry => ({
  action: v.body.action,
  entityType: v.body.entityType,
  entityId: v.body.entityId,
  caseId: v.body.caseId,
  changes: v.body.changes as Record<string, unknown>,
  policyVersion: v.body.policyVersion,
});

describe('the one-statement intake writes the same chain (hash computed in SQL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database?.drop());

  it('vectors written by SQL, JavaScript and SQL in turn: exactly the vectors’ hashes, and the verifier accepts them', async () => {
    const { prisma, pool } = database.db;
    const [v1, v2, v3] = VECTORS as [Vector, Vector, Vector];
    expect(await fileNewCase(pool, filing(v1.actor, v1.body.at, v1.body.requestId, [entryOf(v1)], CASE_ID))).toMatchObject({ kind: 'filed' });
    await prisma.$transaction((tx) => appendAudit(tx, [entryOf(v2)], { actor: v2.actor, requestId: v2.body.requestId, at: v2.body.at }));
    expect(await fileNewCase(pool, filing(v3.actor, v3.body.at, v3.body.requestId, [entryOf(v3)]))).toMatchObject({ kind: 'filed' });
    const rows = await prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [Number(r.seq), r.prevHash, r.hash])).toEqual([
      [1, '0'.repeat(64), v1.hash],
      [2, v1.hash, v2.hash],
      [3, v2.hash, v3.hash],
    ]);
    expect(await verifyAuditChain(prisma)).toEqual({ ok: true, checkedEvents: 3, firstBrokenSeq: null, headHash: v3.hash });
  });

  it('SQL and JavaScript writers interleaved, 10 at a time: gapless, linear, each unit adjacent, verified (and by npm run audit:verify)', async () => {
    const { prisma, pool } = database.db;
    const before = Number((await prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    const actor: Actor = { kind: 'ANONYMOUS', clientAddress: '192.0.2.7' };
    const entries = (n: number, caseId: string): AuditEntry[] => [
      { action: 'case.opened', entityType: 'Case', entityId: caseId, caseId, changes: { status: { to: 'OPEN' }, n, 'é': 'placeholder – ü' } },
      { action: 'report.submitted', entityType: 'Report', entityId: `report-${n}`, caseId, changes: { n, nested: [{ b: 1, a: null }] } },
    ];
    let next = 0;
    const worker = async () => {
      while (next < 60) {
        const n = next++;
        const caseId = randomUUID();
        if (n % 2) await prisma.$transaction((tx) => appendAudit(tx, entries(n, caseId), { actor, requestId: `js-${n}`, at: new Date() }), { timeout: 30_000, maxWait: 30_000 });
        else expect((await fileNewCase(pool, filing(actor, new Date(), `sql-${n}`, entries(n, caseId), caseId))).kind).toBe('filed');
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    const rows = await prisma.auditEvent.findMany({ where: { seq: { gt: BigInt(before) } }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 120 }, (_, i) => before + i + 1));
    for (let i = 0; i < rows.length; i += 2) expect(rows[i]!.requestId).toBe(rows[i + 1]!.requestId);
    expect(new Set(rows.map((r) => r.requestId!.split('-')[0]))).toEqual(new Set(['js', 'sql']));
    expect(await verifyAuditChain(prisma)).toMatchObject({ ok: true, checkedEvents: before + 120 });

    // The operator's verifier, as a process of its own. The embedded database is this process's alone, so on a server.
    if (database.url) {
      const root = fileURLToPath(new URL('..', import.meta.url));
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, AUDIT_CHECKPOINT_FILE: join(tmpdir(), `none-${randomUUID()}.jsonl`) };
      delete env.AUDIT_SIGNING_KEY;
      delete env.AUDIT_VERIFY_KEY;
      const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.on('exit', (code) => resolve({ code, stdout }));
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, checkedEvents: before + 120 });
    }
  }, 120_000);
});

describe('the one-statement claim writes the same chain (hash computed in SQL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database?.drop());

  it('claims by the claim statement, the intake statement and JavaScript writers interleaved, 10 at a time: gapless, verified', async () => {
    const { prisma, pool } = database.db;
    const reviewers = Array.from({ length: 5 }, (_, i) => ({ id: `chain-claimer-${i}`, name: `Claimer ${i}`, roles: ['REVIEWER'] as Role[] }));
    await prisma.reviewer.createMany({ data: reviewers });
    const anonymous: Actor = { kind: 'ANONYMOUS', clientAddress: '192.0.2.8' };
    const entries = (n: number, caseId: string): AuditEntry[] => [
      { action: 'case.opened', entityType: 'Case', entityId: caseId, caseId, changes: { status: { to: 'OPEN' }, n } },
    ];
    for (let n = 0; n < 20; n++) {
      const caseId = randomUUID();
      expect((await fileNewCase(pool, filing(anonymous, new Date(), `sql-${n}`, entries(n, caseId), caseId))).kind).toBe('filed');
    }
    const before = Number((await prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    const published: QueueEvent[] = [];
    const context = (actor: Actor, requestId: string): ServiceContext => ({
      prisma,
      pool,
      actor,
      requestId,
      now: () => new Date(),
      events: { publish: (e) => published.push(e) },
      settings: { leaseMinutes: 30, dailyExposureCap: 1000, secret: 'placeholder-secret' },
      ncmec: null,
      hashBanks: undefined as never,
    });
    let next = 0;
    const worker = async () => {
      while (next < 60) {
        const n = next++;
        const caseId = randomUUID();
        if (n % 3 === 0) {
          const reviewer = reviewers[n % reviewers.length]!;
          const taken = await claimNextCase(context({ kind: 'USER', ...reviewer }, `claim-${n}`), 'MINOR_PHYSICAL_ALTERCATION');
          // Taken by the claim statement, not the unit of work.
          expect(taken.committed).toMatchObject({ id: taken.case.id, assignee: { id: reviewer.id, name: reviewer.name } });
        } else if (n % 3 === 1) {
          await prisma.$transaction((tx) => appendAudit(tx, entries(n, caseId), { actor: anonymous, requestId: `js-${n}`, at: new Date() }), { timeout: 30_000, maxWait: 30_000 });
        } else {
          expect((await fileNewCase(pool, filing(anonymous, new Date(), `sql-${n}`, entries(n, caseId), caseId))).kind).toBe('filed');
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    const rows = await prisma.auditEvent.findMany({ where: { seq: { gt: BigInt(before) } }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 60 }, (_, i) => before + i + 1));
    const claimed = rows.filter((r) => r.action === 'case.claimed');
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed.map((r) => r.caseId)).size).toBe(20);
    expect(published.map((e) => e.kind)).toEqual(Array(20).fill('CLAIMED'));
    expect(await verifyAuditChain(prisma)).toMatchObject({ ok: true, checkedEvents: before + 60 });
    expect(await prisma.caseClaim.count()).toBe(20);
  }, 120_000);
});

describe('audit append under concurrent writers', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database?.drop());

  const actor: Actor = { kind: 'SYSTEM', id: 'concurrency-test' };
  const entry = (n: number) => ({ action: 'test.appended', entityType: 'Test', entityId: `entity-${n}` });

  it('a unit that appends while another holds the chain head waits for it, and the chain stays linear', async () => {
    // Unit A appends and keeps its transaction open; unit B starts appending meanwhile. B must wait for A's commit and
    // append after it. (Without the head row's lock, B reads the same head and writes A's sequence number: on a server
    // it fails on the primary key once A commits, or forks the chain.) With one connection to PGlite, B simply starts
    // after A; see the next test for why PGlite cannot run them at the same time.
    const prisma = database.db.prisma;
    const before = Number((await prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((resolve) => (releaseA = resolve));
    let aAppended!: () => void;
    const aHasAppended = new Promise<void>((resolve) => (aAppended = resolve));
    const order: string[] = [];
    const a = prisma.$transaction(async (tx) => {
      await appendAudit(tx, [entry(1), entry(2)], { actor, requestId: 'a', at: new Date() });
      aAppended();
      await aMayCommit;
      order.push('A commits');
    }, { timeout: 30_000, maxWait: 30_000 });
    await aHasAppended;
    const b = prisma.$transaction(async (tx) => {
      await appendAudit(tx, [entry(3)], { actor, requestId: 'b', at: new Date() });
      order.push('B appended');
    }, { timeout: 30_000, maxWait: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    releaseA();
    await Promise.all([a, b]);
    expect(order).toEqual(['A commits', 'B appended']);
    const rows = await prisma.auditEvent.findMany({ where: { seq: { gt: BigInt(before) } }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [Number(r.seq) - before, r.requestId])).toEqual([[1, 'a'], [2, 'a'], [3, 'b']]);
    expect((await verifyAuditChain(prisma)).ok).toBe(true);
  });

  it('30 units from 10 connections at once: gapless, linear, verified', async () => {
    // On a server these really run at once (a pool of 10). On PGlite they queue for its one connection.
    const prisma = database.db.prisma;
    const before = Number((await prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        prisma.$transaction((tx) => appendAudit(tx, [entry(i), entry(i + 100)], { actor, requestId: `unit-${i}`, at: new Date() }), { timeout: 30_000, maxWait: 30_000 }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows = await prisma.auditEvent.findMany({ where: { seq: { gt: BigInt(before) } }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 60 }, (_, i) => before + i + 1));
    // Each unit's two events are adjacent: no unit's append interleaved with another's.
    for (let i = 0; i < rows.length; i += 2) expect(rows[i]!.requestId).toBe(rows[i + 1]!.requestId);
    expect((await verifyAuditChain(prisma)).ok).toBe(true);
  });

  it.skipIf(process.env.DATABASE_URL)('PGlite serialises whole transactions across its socket connections, so no two units overlap there', async () => {
    // Why the concurrency tests above can only catch a missing lock on a PostgreSQL server (.ci/run runs them there
    // on every run): PGlite is one PostgreSQL session. pglite-socket admits several connections but, while one of them
    // is inside a transaction, runs nothing from the others. Two clients of one embedded database show it.
    const embedded = await startEmbeddedPostgres('memory://');
    const a = new pg.Client({ connectionString: embedded.connectionString });
    const b = new pg.Client({ connectionString: embedded.connectionString });
    try {
      await a.connect();
      await b.connect();
      await a.query('BEGIN');
      await a.query('SELECT 1');
      let bDone = false;
      const bQuery = b.query('SELECT 2 AS n').then((r) => {
        bDone = true;
        return r.rows[0].n as number;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(bDone).toBe(false);
      await a.query('COMMIT');
      expect(await bQuery).toBe(2);
    } finally {
      await a.end().catch(() => {});
      await b.end().catch(() => {});
      await embedded.stop();
    }
  });
});
