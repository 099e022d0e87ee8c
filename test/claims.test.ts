// Claims under concurrency, lease expiry by the background job, and a failure mid-transaction leaving nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from './support/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } ... on Error { message } } }`;
const CLAIM = `mutation($queue: QueueName!) { claimNextCase(queue: $queue) { __typename ... on ClaimNextCaseSuccess { case { id } leaseExpiresAt } ... on Error { message } } }`;

describe('claims', () => {
  it('20 concurrent claims on 10 cases: 10 winners, no case twice', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await server.gql(SUBMIT, { input: { contentId: `content-${hex(4)}`, category: 'PHYSICAL_CHILD_ABUSE_MEDIA' } });
      expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
    }
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => token(`claimer-${i}`, ['CHILD_SAFETY_SPECIALIST'])));
    const results = await Promise.all(tokens.map((t) => server.gql(CLAIM, { queue: 'PHYSICAL_CHILD_ABUSE_MEDIA' }, { token: t })));
    const won = results.filter((r) => r.data.claimNextCase.__typename === 'ClaimNextCaseSuccess').map((r) => r.data.claimNextCase.case.id);
    const empty = results.filter((r) => r.data.claimNextCase.__typename === 'NoCaseAvailableError');
    expect(won).toHaveLength(10);
    expect(new Set(won).size).toBe(10);
    expect(empty).toHaveLength(10);
  });

  it('an expired lease returns the case to its queue, released by the system job with an audit event', async () => {
    await server.gql(SUBMIT, { input: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' } });
    const t = await token('leaser', ['REVIEWER']);
    const claimed = await server.gql(CLAIM, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: t });
    const id = claimed.data.claimNextCase.case.id as string;
    const lease = new Date(claimed.data.claimNextCase.leaseExpiresAt).getTime();
    expect(lease - Date.now()).toBeGreaterThan(9 * 60_000);
    await server.app.db.prisma.case.update({ where: { id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    await server.app.jobs.runOnce();
    const released = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id } });
    expect(released).toMatchObject({ status: 'OPEN', assigneeId: null, leaseExpiresAt: null });
    const event = await server.app.db.prisma.auditEvent.findFirstOrThrow({ where: { caseId: id, action: 'case.lease_expired' } });
    expect(event).toMatchObject({ actorKind: 'SYSTEM', actorId: 'lease-expiry' });
    // Running the job again finds nothing to do and writes nothing.
    const head = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    await server.app.jobs.runOnce();
    expect((await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq).toBe(head.seq);
  });
});

describe('atomicity', () => {
  it('a failure after the case write leaves no report, no case and no audit event', async () => {
    const pool = server.app.db.pool;
    // A real failure inside the unit of work: the report insert, which comes after the case write, is refused.
    await pool.query(`CREATE FUNCTION fail_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await pool.query(`CREATE TRIGGER fail_report_insert BEFORE INSERT ON "Report" FOR EACH ROW EXECUTE FUNCTION fail_report_insert()`);
    const counts = async () => ({
      reports: await server.app.db.prisma.report.count(),
      cases: await server.app.db.prisma.case.count(),
      events: await server.app.db.prisma.auditEvent.count(),
      head: (await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq,
    });
    const before = await counts();
    try {
      const contentId = `content-${hex(4)}`;
      const res = await server.gql(SUBMIT, { input: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION' } });
      expect(res.status).toBe(200);
      expect(res.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(res.errors?.[0]?.extensions?.requestId).toBe(res.headers.get('x-request-id'));
      expect(JSON.stringify(res.errors)).not.toMatch(/injected|stack|at /);
      expect(await counts()).toEqual(before);
      expect(await server.app.db.prisma.case.count({ where: { contentId } })).toBe(0);
    } finally {
      await pool.query(`DROP TRIGGER fail_report_insert ON "Report"; DROP FUNCTION fail_report_insert()`);
    }
  });
});
