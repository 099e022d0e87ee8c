// Hash banks: the PDQ multi-index against a linear scan, bank administration, matching at intake, consistency between
// instances, and the import command.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdqIndex, hammingDistance, linearScan, parsePdq, pdqHex } from '../src/matching/pdq.js';
import { PdqBankIndex } from '../src/matching/bank-index.js';
import { createHashBank, findHashMatches, importBankHashes, parseHashList } from '../src/services/hash-banks.js';
import { openDatabase } from '../src/db/database.js';
import { freshDatabase, hex, startServer, token, type TestServer } from './support/harness.js';
import { prng } from './support/random.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEED = Number(process.env.HASH_SEED ?? 20261125);

/** Random 256-bit hashes from a seeded generator, so a failure can be replayed. */
function randomHashes(count: number, random: () => number): Uint32Array {
  const words = new Uint32Array(count * 8);
  for (let i = 0; i < words.length; i++) words[i] = (random() * 2 ** 32) >>> 0;
  return words;
}

/** A copy of the hash with exactly `bits` distinct bits flipped. */
function flip(hash: Uint32Array, bits: number, random: () => number): Uint32Array {
  const out = hash.slice();
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(random() * 256));
  for (const bit of chosen) out[bit >>> 5]! ^= 1 << (bit & 31);
  return out;
}

const at = (hashes: Uint32Array, i: number) => hashes.slice(i * 8, i * 8 + 8);

describe('PDQ multi-index', () => {
  const random = prng(SEED);
  const bank = randomHashes(10_000, random);
  const index = new PdqIndex(bank);

  it('finds exact and near matches, up to 31 bits and not at 32', () => {
    for (let trial = 0; trial < 50; trial++) {
      const i = Math.floor(random() * 10_000);
      expect(index.search(at(bank, i), 31)).toEqual([{ index: i, distance: 0 }]);
      for (const bits of [1, 16, 17, 30, 31]) {
        const query = flip(at(bank, i), bits, random);
        expect(hammingDistance(query, at(bank, i))).toBe(bits);
        expect(index.search(query, 31)).toEqual([{ index: i, distance: bits }]);
      }
      expect(index.search(flip(at(bank, i), 32, random), 31)).toEqual([]);
    }
  });

  it('finds the worst case for the pigeonhole: 31 bits spread so no 16-bit slot is untouched', () => {
    // Two bits in 15 slots and one in the last: only one slot is within one bit of the bank hash.
    const base = at(bank, 7);
    const query = base.slice();
    for (let slot = 0; slot < 16; slot++) {
      const bits = slot === 11 ? [3] : [2, 9];
      for (const b of bits) {
        const bit = slot * 16 + b;
        query[bit >>> 5]! ^= 1 << (bit & 31);
      }
    }
    expect(hammingDistance(query, base)).toBe(31);
    expect(index.search(query, 31)).toEqual([{ index: 7, distance: 31 }]);
  });

  it('agrees with a linear scan at larger thresholds too (two and three bits per slot)', () => {
    for (const threshold of [32, 47, 63]) {
      for (let q = 0; q < 20; q++) {
        const query = flip(at(bank, Math.floor(random() * 10_000)), Math.floor(random() * (threshold + 8)), random);
        expect(index.search(query, threshold)).toEqual(linearScan(bank, query, threshold));
      }
    }
  });

  it('finds every match when more candidates pass than the kernel output holds at once', () => {
    // 20,000 hashes within 10 bits of one another: every one passes the filter in several slots.
    const crowd = new Uint32Array(20_000 * 8);
    const centre = randomHashes(1, random);
    for (let i = 0; i < 20_000; i++) crowd.set(flip(centre, Math.floor(random() * 11), random), i * 8);
    const hits = new PdqIndex(crowd).search(centre, 31);
    expect(hits).toHaveLength(20_000);
    expect(hits).toEqual(linearScan(crowd, centre, 31));
  });

  it('serves the WebAssembly kernel assembled from its source', async () => {
    const { assemblePdqScan } = await import('../scripts/build-wasm.js');
    expect(readFileSync(join(ROOT, 'src/matching/pdq-scan.wasm.ts'), 'utf8'), 'run npm run wasm:build').toBe(await assemblePdqScan());
  });

  it('reads and writes hex, and refuses what is not a PDQ hash', () => {
    const value = hex(32);
    expect(pdqHex(parsePdq(value))).toBe(value);
    expect(() => parsePdq('abc')).toThrow(RangeError);
    expect(() => parsePdq(value.toUpperCase())).toThrow(RangeError);
  });

  it('at a million hashes agrees with a linear scan on 1,000 queries, and never matches random hashes', () => {
    const big = randomHashes(1_000_000, random);
    const million = new PdqIndex(big);
    let matched = 0;
    for (let q = 0; q < 1_000; q++) {
      // Near a bank hash at 0 to 40 bits, so the answers straddle the threshold; every tenth query is random.
      const query = q % 10 === 9 ? randomHashes(1, random) : flip(at(big, Math.floor(random() * 1_000_000)), Math.floor(random() * 41), random);
      const fromIndex = million.search(query, 31);
      expect(fromIndex, `query ${q} (seed ${SEED})`).toEqual(linearScan(big, query, 31));
      if (fromIndex.length) matched++;
    }
    expect(matched).toBeGreaterThan(600);
    for (let q = 0; q < 1_000; q++) expect(million.search(randomHashes(1, random), 31)).toEqual([]);
  }, 120_000);
});

describe('hash lists', () => {
  it('reads one hash per line or CSV, skipping blanks, comments, a header and duplicates', () => {
    const [a, b] = [hex(32), hex(32)];
    const list = `hash,quality\n${a},100\n\n# a comment\n"${b.toUpperCase()}",90\n${a}\n`;
    expect(parseHashList(list, 'PDQ')).toEqual({ values: [a, b], problems: [] });
  });

  it('names the lines that are not hashes of the algorithm', () => {
    const list = `${hex(32)}\n${hex(16)}\nnot-a-hash\n${hex(32)}`;
    expect(parseHashList(list, 'PDQ').problems).toEqual([
      { line: 2, message: 'not 64 hex digits' },
      { line: 3, message: 'not 64 hex digits' },
    ]);
    expect(parseHashList(`${hex(16)}\n`, 'MD5')).toEqual({ values: [expect.any(String)], problems: [] });
  });
});

const BANK_FIELDS = 'id name source category matchingEnabled generation hashCount';

describe('banks and matching through the API', () => {
  // Each test makes its own bank of its own hashes (a uniquely named bank, hashes drawn from one seeded stream), so any
  // test passes alone and in any order; counts are read per bank or per case, never across the database.
  let server: TestServer;
  const t = {} as Record<'admin' | 'lead' | 'specialist' | 'reviewer', string>;
  const random = prng(SEED + 1);

  beforeAll(async () => {
    server = await startServer();
    t.admin = await token('bank-admin', ['ADMIN'], 'Bank Admin');
    t.lead = await token('bank-lead', ['LEAD'], 'Bank Lead');
    t.specialist = await token('bank-spec', ['CHILD_SAFETY_SPECIALIST'], 'Bank Specialist');
    t.reviewer = await token('bank-rev', ['REVIEWER'], 'Bank Reviewer');
  });
  afterAll(() => server?.close());

  const gql = (query: string, variables: Record<string, unknown>, as: string) => server.gql(query, variables, { token: as });
  const create = (input: Record<string, unknown>) =>
    gql(`mutation($input: CreateHashBankInput!) { createHashBank(input: $input) { __typename ... on HashBankSuccess { bank { ${BANK_FIELDS} } } ... on ValidationError { fields { path message } } } }`, { input }, t.admin);
  const importList = (bankId: string, content: string, algorithm = 'PDQ') =>
    gql(
      `mutation($input: ImportHashBankInput!) { importHashBank(input: $input) { __typename ... on ImportHashBankSuccess { submitted added alreadyPresent bank { hashCount generation } } ... on ValidationError { fields { path message } } } }`,
      { input: { bankId, algorithm, content } },
      t.admin,
    );
  const change = (bankId: string, op: 'addBankHash' | 'removeBankHash', algorithm: string, value: string) =>
    gql(`mutation($input: BankHashInput!) { ${op}(input: $input) { __typename ... on BankHashChangeSuccess { changed bank { hashCount } } } }`, { input: { bankId, algorithm, value } }, t.admin);
  const match = (hashes: Array<{ algorithm: string; value: string }>, as = t.lead) =>
    gql(`query($hashes: [MediaHashInput!]!) { matchHashes(hashes: $hashes) { bank bankId category algorithm value matchedValue distance matchedAt } }`, { hashes }, as);
  const submit = async (input: Record<string, unknown>) => {
    const res = await server.gql(`mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`, { input: { contentId: `content-${hex(4)}`, description: 'placeholder description', ...input } });
    expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
    const report = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id }, select: { caseId: true } });
    const view = await gql(
      `query($id: ID!) { case(id: $id) { id category queue priority knownHashMatch hashMatches { bank algorithm distance value matchedValue matchedAt } } }`,
      { id: report.caseId },
      t.lead,
    );
    return view.data.case;
  };

  /** A new bank holding 200 fresh PDQ hashes (and, when asked, one MD5): its id, name and hashes. */
  async function bankWithHashes(options: { md5?: boolean } = {}) {
    const name = `Industry PDQ list ${hex(4)}`;
    const created = await create({ name, source: 'placeholder hash-sharing programme' });
    expect(created.data.createHashBank.__typename).toBe('HashBankSuccess');
    const bankId = created.data.createHashBank.bank.id as string;
    const listed = Array.from({ length: 200 }, () => randomHashes(1, random));
    const imported = await importList(bankId, listed.map((h) => pdqHex(h)).join('\n'));
    expect(imported.data.importHashBank).toMatchObject({ __typename: 'ImportHashBankSuccess', added: 200 });
    const md5 = hex(16);
    if (options.md5) expect((await change(bankId, 'addBankHash', 'MD5', md5)).data.addBankHash.changed).toBe(true);
    return { bankId, name, listed, md5 };
  }

  it('admins create a bank; the name is unique', async () => {
    const name = `Industry PDQ list ${hex(4)}`;
    const created = await create({ name, source: 'placeholder hash-sharing programme' });
    expect(created.data.createHashBank).toMatchObject({
      __typename: 'HashBankSuccess',
      bank: { name, category: 'CHILD_SEXUAL_EXPLOITATION', matchingEnabled: true, hashCount: 0 },
    });
    const again = await create({ name, source: 'another' });
    expect(again.data.createHashBank).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'name' }] });
  });

  it('an import with a bad line changes nothing; a good one adds every hash once', async () => {
    const created = await create({ name: `Industry PDQ list ${hex(4)}`, source: 'placeholder hash-sharing programme' });
    const bankId = created.data.createHashBank.bank.id as string;
    const lines = Array.from({ length: 200 }, () => pdqHex(randomHashes(1, random)));
    const md5 = hex(16);
    const bad = await importList(bankId, `${lines[0]}\n${lines[1]!.slice(2)}\n`);
    expect(bad.data.importHashBank).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'content:line 2', message: 'not 64 hex digits' }] });
    expect(await server.app.db.prisma.bankHash.count({ where: { bankId } })).toBe(0);

    const good = await importList(bankId, `pdq,quality\n${lines.map((l) => `${l},100`).join('\n')}\n`);
    expect(good.data.importHashBank).toMatchObject({ __typename: 'ImportHashBankSuccess', submitted: 200, added: 200, alreadyPresent: 0, bank: { hashCount: 200 } });
    expect(await server.app.db.prisma.bankHash.count({ where: { bankId } })).toBe(200);
    const twice = await importList(bankId, lines.slice(0, 10).join('\n'));
    expect(twice.data.importHashBank).toMatchObject({ submitted: 10, added: 0, alreadyPresent: 10, bank: { hashCount: 200 } });
    const added = await change(bankId, 'addBankHash', 'MD5', md5.toUpperCase());
    expect(added.data.addBankHash).toMatchObject({ changed: true, bank: { hashCount: 201 } });
    expect((await change(bankId, 'addBankHash', 'MD5', md5)).data.addBankHash.changed).toBe(false);
  });

  it('a report whose hash is near a bank hash lands high priority, category preset, with the match shown', async () => {
    const { name, listed, md5 } = await bankWithHashes({ md5: true });
    const near = pdqHex(flip(listed[3]!, 12, random));
    const c = await submit({ category: 'MINOR_PHYSICAL_ALTERCATION', mediaHashes: [{ algorithm: 'PDQ', value: near }, { algorithm: 'SHA256', value: hex(32) }] });
    expect(c).toMatchObject({ category: 'CHILD_SEXUAL_EXPLOITATION', queue: 'CHILD_SEXUAL_EXPLOITATION', priority: 'P1', knownHashMatch: true });
    expect(c.hashMatches).toEqual([{ bank: name, algorithm: 'PDQ', distance: 12, value: near, matchedValue: pdqHex(listed[3]!), matchedAt: expect.any(String) }]);

    const exact = await submit({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', mediaHashes: [{ algorithm: 'MD5', value: md5 }] });
    expect(exact).toMatchObject({ category: 'CHILD_SEXUAL_EXPLOITATION', priority: 'P1', hashMatches: [{ bank: name, algorithm: 'MD5', distance: 0, value: md5 }] });

    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { action: 'case.hash_matched', caseId: { in: [c.id, exact.id] } } });
    expect(audit.map((e) => e.caseId).sort()).toEqual([c.id, exact.id].sort());
  });

  it('a report 32 bits from every bank hash, or with random hashes, is not matched', async () => {
    const { listed } = await bankWithHashes();
    const far = pdqHex(flip(listed[5]!, 32, random));
    const c = await submit({ category: 'MINOR_PHYSICAL_ALTERCATION', mediaHashes: [{ algorithm: 'PDQ', value: far }, { algorithm: 'MD5', value: hex(16) }] });
    expect(c).toMatchObject({ category: 'MINOR_PHYSICAL_ALTERCATION', priority: 'P3', knownHashMatch: false, hashMatches: [] });
  });

  it('leads test hashes without filing anything; bad hashes are a clear error', async () => {
    const { bankId, name, listed, md5 } = await bankWithHashes({ md5: true });
    const reportsBefore = await server.app.db.prisma.report.count();
    const res = await match([{ algorithm: 'PDQ', value: pdqHex(flip(listed[9]!, 31, random)) }, { algorithm: 'PDQ', value: hex(32) }]);
    expect(res.data.matchHashes).toEqual([
      expect.objectContaining({ bank: name, bankId, category: 'CHILD_SEXUAL_EXPLOITATION', algorithm: 'PDQ', distance: 31, matchedValue: pdqHex(listed[9]!), matchedAt: null }),
    ]);
    expect(await server.app.db.prisma.report.count()).toBe(reportsBefore);
    const bad = await match([{ algorithm: 'PDQ', value: 'xyz' }]);
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION_FAILED' }, message: expect.stringMatching(/hashes\.0\.value: must be 64 hex digits/) });
    expect((await match([{ algorithm: 'MD5', value: md5 }], t.reviewer)).errors?.[0]?.message).toBe('Not authorized');
  });

  it('a disabled bank is not matched; removed hashes stop matching; every change is audited', async () => {
    const { bankId, listed } = await bankWithHashes();
    const probe = [{ algorithm: 'PDQ', value: pdqHex(listed[20]!) }];
    const update = (input: Record<string, unknown>) =>
      gql(`mutation($input: UpdateHashBankInput!) { updateHashBank(input: $input) { __typename ... on HashBankSuccess { bank { matchingEnabled generation } } } }`, { input: { bankId, ...input } }, t.admin);
    expect((await match(probe)).data.matchHashes).toHaveLength(1);
    expect((await update({ matchingEnabled: false })).data.updateHashBank.bank.matchingEnabled).toBe(false);
    expect((await match(probe)).data.matchHashes).toEqual([]);
    expect((await update({ matchingEnabled: true })).data.updateHashBank.bank.matchingEnabled).toBe(true);
    expect((await match(probe)).data.matchHashes).toHaveLength(1);

    expect((await change(bankId, 'removeBankHash', 'PDQ', pdqHex(listed[20]!))).data.removeBankHash).toMatchObject({ changed: true, bank: { hashCount: 199 } });
    expect((await match(probe)).data.matchHashes).toEqual([]);
    expect((await change(bankId, 'removeBankHash', 'PDQ', pdqHex(listed[20]!))).data.removeBankHash.changed).toBe(false);
    expect((await change(bankId, 'addBankHash', 'PDQ', pdqHex(listed[20]!))).data.addBankHash.changed).toBe(true);
    expect((await match(probe)).data.matchHashes).toHaveLength(1);

    const actions = (await server.app.db.prisma.auditEvent.findMany({ where: { entityType: 'HashBank', entityId: bankId }, orderBy: { seq: 'asc' } })).map((e) => e.action);
    expect(actions).toEqual(['hash_bank.created', 'hash_bank.imported', 'hash_bank.updated', 'hash_bank.updated', 'hash_bank.hash_removed', 'hash_bank.hash_added']);
  });

  it('another instance’s index catches up with changes it never heard of, before it matches', async () => {
    const { bankId } = await bankWithHashes();
    const prisma = server.app.db.prisma;
    /** What every index must hold once caught up: the PDQ hashes of enabled banks, as committed. */
    const committed = async () => ({
      banks: await prisma.hashBank.count({ where: { matchingEnabled: true } }),
      hashes: await prisma.bankHash.count({ where: { algorithm: 'PDQ', removedGeneration: null, bank: { matchingEnabled: true } } }),
    });
    // A second instance: its own index over the same database, with no notices from this one.
    const other = new PdqBankIndex(prisma, 31);
    const ctx = { ...server.app.serviceContext({ kind: 'SYSTEM', id: 'other-instance' }), hashBanks: other };
    const fresh = randomHashes(1, random);
    const query = [{ algorithm: 'PDQ' as const, value: pdqHex(flip(fresh, 5, random)) }];
    expect(await findHashMatches(ctx, query)).toEqual([]);
    const base = await committed();
    // At least this test's own bank of 200, and exactly what is committed: not an empty index.
    expect(base.hashes).toBeGreaterThanOrEqual(200);
    expect(other.stats()).toMatchObject(base);

    expect((await change(bankId, 'addBankHash', 'PDQ', pdqHex(fresh))).data.addBankHash.changed).toBe(true);
    expect((await findHashMatches(ctx, query)).map((m) => [m.matchedValue, m.distance])).toEqual([[pdqHex(fresh), 5]]);
    expect(other.stats().hashes).toBe(base.hashes + 1);

    expect((await change(bankId, 'removeBankHash', 'PDQ', pdqHex(fresh))).data.removeBankHash.changed).toBe(true);
    expect(await findHashMatches(ctx, query)).toEqual([]);
    const more = Array.from({ length: 50 }, () => pdqHex(randomHashes(1, random)));
    expect((await importList(bankId, more.join('\n'))).data.importHashBank.added).toBe(50);
    expect(await findHashMatches(ctx, [{ algorithm: 'PDQ', value: more[49]! }])).toHaveLength(1);
    expect(other.stats()).toMatchObject({ banks: base.banks, hashes: base.hashes + 50 });
    expect(await committed()).toEqual({ banks: base.banks, hashes: base.hashes + 50 });
    // This instance agrees, whether it heard the notices or not: once it has matched, its index holds exactly the
    // committed hashes (not an empty index that happens to hold fewer).
    expect((await match([{ algorithm: 'PDQ', value: more[49]! }])).data.matchHashes).toHaveLength(1);
    expect(server.app.serviceContext({ kind: 'SYSTEM', id: 'x' }).hashBanks.stats()).toMatchObject({ banks: base.banks, hashes: base.hashes + 50 });
  });
});

describe('start-up', () => {
  it('reports ready only once the banks are in memory', async () => {
    const database = await freshDatabase();
    const first = await startServer({}, database);
    const random = prng(SEED + 2);
    const size = 100_000;
    const list = Array.from({ length: size }, () => pdqHex(randomHashes(1, random))).join('\n');
    const ctx = first.app.serviceContext({ kind: 'SYSTEM', id: 'test' });
    const bank = await createHashBank(ctx, { name: 'Large', source: 'placeholder' });
    await importBankHashes(ctx, { bankId: bank.id, algorithm: 'PDQ', content: list });
    await first.close();
    // A new instance over the same database: until its index holds the bank, it is not ready for traffic.
    const second = await startServer({ METRICS_PORT: '0' }, database);
    try {
      const base = second.url.replace('/graphql', '');
      let notReady = 0;
      for (;;) {
        const res = await fetch(`${base}/readyz`);
        if (res.status === 200) break;
        expect(res.status).toBe(503);
        notReady += 1;
        await new Promise((r) => setTimeout(r, 20));
      }
      // The instance did answer 503 while it loaded 100,000 hashes: a readiness that ignored the index would not.
      expect(notReady).toBeGreaterThan(0);
      const metrics = await (await fetch(second.app.metricsUrl()!)).text();
      expect(metrics).toMatch(new RegExp(`^hash_index_pdq_hashes ${size}$`, 'm'));
    } finally {
      await second.close();
      await database.drop();
    }
  }, 120_000);
});

describe('npm run banks:import', () => {
  it('imports a file into a new bank, all or nothing, and refuses a bad file naming its lines', async () => {
    const database = process.env.DATABASE_URL ? await freshDatabase() : null;
    const dataDir = mkdtempSync(join(tmpdir(), 'banks-import-'));
    const env = { ...process.env, LOG_LEVEL: 'silent', REDIS_URL: '', ...(database ? { DATABASE_URL: database.url! } : { DATABASE_URL: '', DATA_DIR: dataDir }) };
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/banks-import.ts', ...args], { cwd: ROOT, env }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const file = join(dataDir, 'list.csv');
    const hashes = Array.from({ length: 3 }, () => hex(32));
    try {
      writeFileSync(file, `# placeholder list\n${hashes.join('\n')}\n`);
      const missing = await run(['--bank', 'Imported', '--algorithm', 'PDQ', file]);
      expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/no bank named "Imported"; pass --source/) });

      const first = await run(['--bank', 'Imported', '--algorithm', 'pdq', '--source', 'placeholder source', file]);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ bank: 'Imported', algorithm: 'PDQ', submitted: 3, added: 3, alreadyPresent: 0 });

      writeFileSync(file, `${hashes[0]}\n${hex(31)}\n`);
      const bad = await run(['--bank', 'Imported', '--algorithm', 'PDQ', file]);
      expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/content:line 2: not 64 hex digits/) });
      expect((await run(['--algorithm', 'PDQ', file])).code).toBe(2);

      const db = database?.db ?? (await openDatabase({ dataDir }));
      try {
        const bank = await db.prisma.hashBank.findUniqueOrThrow({ where: { name: 'Imported' }, include: { hashes: true } });
        expect(bank.hashes.map((h) => h.value).sort()).toEqual([...hashes].sort());
        const audit = await db.prisma.auditEvent.findMany({ where: { entityId: bank.id }, orderBy: { seq: 'asc' } });
        expect(audit.map((e) => [e.action, e.actorKind, e.actorId?.startsWith('banks-import:')])).toEqual([
          ['hash_bank.created', 'SYSTEM', true],
          ['hash_bank.imported', 'SYSTEM', true],
        ]);
      } finally {
        if (!database) await db.close();
      }
    } finally {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
