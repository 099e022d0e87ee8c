// The audit history: linear and gapless under concurrent writers, immutable in the database, and any edit, deletion
// or reordering is reported at the exact sequence number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from './support/harness.js';
import { verifyAuditChain } from '../src/services/audit.js';
import { submitReport } from '../src/services/intake.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename } }`;

async function rawExec(sql: string): Promise<void> {
  await server.app.db.pool.query(sql);
}

/** Files `n` reports one after another and returns the sequence numbers of the audit events they wrote. */
async function ownEvents(n = 4): Promise<number[]> {
  const head = async () => Number((await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
  const before = await head();
  for (let i = 0; i < n; i++) {
    const res = await server.gql(SUBMIT, { input: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' } });
    expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  }
  const after = await head();
  expect(after - before).toBeGreaterThanOrEqual(2 * n);
  return Array.from({ length: after - before }, (_, i) => before + 1 + i);
}

describe('audit chain', () => {
  it('200 mutations from 20 concurrent clients: the chain verifies and sequence numbers have no gaps', async () => {
    const contents = Array.from({ length: 25 }, () => `content-${hex(4)}`);
    let next = 0;
    const worker = async () => {
      while (next < 200) {
        const i = next++;
        const res = await server.gql(SUBMIT, { input: { contentId: contents[i % contents.length], category: 'MINOR_PHYSICAL_ALTERCATION', reporterAccountId: `r-${i % 7}` } });
        expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    const result = await verifyAuditChain(server.app.db.prisma);
    const count = await server.app.db.prisma.auditEvent.count();
    const max = await server.app.db.prisma.auditEvent.aggregate({ _max: { seq: true }, _min: { seq: true } });
    expect(result).toMatchObject({ ok: true, firstBrokenSeq: null, checkedEvents: count });
    expect(Number(max._min.seq)).toBe(1);
    expect(Number(max._max.seq)).toBe(count);
    expect(count).toBeGreaterThanOrEqual(400);
    // Case report counts equal their reports after concurrent folding.
    const mismatched = await server.app.db.pool.query(
      `SELECT c.id FROM "Case" c LEFT JOIN "Report" r ON r."caseId" = c.id GROUP BY c.id HAVING c."reportCount" <> count(r.id)`,
    );
    expect(mismatched.rowCount).toBe(0);
    const verify = await server.gql('{ verifyAuditChain { ok checkedEvents firstBrokenSeq headHash } }', {}, { token: await (await import('./support/harness.js')).token('lead-a', ['LEAD']) });
    expect(verify.data.verifyAuditChain).toMatchObject({ ok: true, checkedEvents: count, headHash: result.headHash });
  });

  it('no setting of the service context turns the audit chain off: what the benchmark once switched off is written', async () => {
    const head = async () => Number((await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    const before = await head();
    const ctx = server.app.serviceContext({ kind: 'ANONYMOUS', clientAddress: '192.0.2.9' });
    // The benchmark-only switch this code once had, passed the way bench/ passed it.
    const settings = { ...ctx.settings, skipAuditForBenchmark: true } as typeof ctx.settings;
    const filed = await submitReport({ ...ctx, settings }, { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' });
    expect(await head()).toBe(before + 2);
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { seq: { gt: BigInt(before) } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.caseId])).toEqual([
      ['case.opened', filed.report.caseId],
      ['report.submitted', filed.report.caseId],
    ]);
  });

  it('UPDATE, DELETE and TRUNCATE on the audit table are rejected by the database', async () => {
    const [seq] = await ownEvents(1);
    await expect(rawExec(`UPDATE "AuditEvent" SET action = 'edited' WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    await expect(rawExec(`DELETE FROM "AuditEvent" WHERE seq = ${seq}`)).rejects.toThrow(/append-only/);
    await expect(rawExec(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(server.app.db.prisma)).ok).toBe(true);
  });

  describe('tampering with the triggers disabled is reported at the exact sequence number', () => {
    // Each scenario saves the rows it touches, tampers for real, asks the API, then restores the rows exactly.
    async function tamperAndVerify(seqs: number[], sql: string) {
      const saved = await server.app.db.pool.query(`SELECT row_to_json(e) AS row FROM "AuditEvent" e WHERE seq = ANY($1::bigint[])`, [seqs]);
      await rawExec('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER');
      try {
        await rawExec(sql);
        const lead = await (await import('./support/harness.js')).token('lead-t', ['LEAD']);
        const res = await server.gql('{ verifyAuditChain { ok firstBrokenSeq } }', {}, { token: lead });
        return res.data.verifyAuditChain as { ok: boolean; firstBrokenSeq: number | null };
      } finally {
        await server.app.db.pool.query(`DELETE FROM "AuditEvent" WHERE seq = ANY($1::bigint[]) OR seq < 0`, [seqs]);
        for (const { row } of saved.rows) {
          await server.app.db.pool.query(`INSERT INTO "AuditEvent" SELECT * FROM json_populate_record(NULL::"AuditEvent", $1)`, [row]);
        }
        await rawExec('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER');
        expect((await verifyAuditChain(server.app.db.prisma)).ok).toBe(true);
      }
    }

    // Each scenario writes its own events and tampers with one in their middle, whatever other tests wrote.
    it('an edited payload', async () => {
      const s = (await ownEvents())[3]!;
      expect(await tamperAndVerify([s], `UPDATE "AuditEvent" SET changes = '{"category":"edited"}' WHERE seq = ${s}`)).toEqual({ ok: false, firstBrokenSeq: s });
    });
    it('a deleted event', async () => {
      const s = (await ownEvents())[3]!;
      expect(await tamperAndVerify([s], `DELETE FROM "AuditEvent" WHERE seq = ${s}`)).toEqual({ ok: false, firstBrokenSeq: s });
    });
    it('two events swapped', async () => {
      const s = (await ownEvents())[3]!;
      const swap = `UPDATE "AuditEvent" SET seq = -1 WHERE seq = ${s}; UPDATE "AuditEvent" SET seq = ${s} WHERE seq = ${s + 1}; UPDATE "AuditEvent" SET seq = ${s + 1} WHERE seq = -1`;
      expect(await tamperAndVerify([s, s + 1], swap)).toEqual({ ok: false, firstBrokenSeq: s });
    });
    it('the newest events cut off', async () => {
      const max = (await ownEvents()).at(-1)!;
      const cut = [max - 2, max - 1, max];
      expect(await tamperAndVerify(cut, `DELETE FROM "AuditEvent" WHERE seq > ${max - 3}`)).toEqual({ ok: false, firstBrokenSeq: max - 2 });
    });
  });
});
