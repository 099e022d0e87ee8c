// The reviewer record every authenticated request needs is kept per access generation: read once, and again only after
// an access change has committed (src/db/access-watch.ts, ReviewerRecords in src/services/reviewers.ts). A change takes
// effect at the next request, whoever makes it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from './support/harness.js';

let server: TestServer;
let statements = 0;
const originalQuery = pg.Client.prototype.query;

beforeAll(async () => {
  server = await startServer();
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements += 1;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
});
afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await server?.close();
});

const VERIFY = '{ verifyAuditChain { ok } }';
const SET_ACCESS = `mutation($i: ReviewerAccessInput!) { setReviewerAccess(input: $i) { __typename ... on Error { message } } }`;

async function counted(work: () => Promise<unknown>) {
  statements = 0;
  await work();
  return statements;
}

describe('reviewer records kept per access generation', () => {
  it('a request with unchanged access sends no statement for the reviewer record', async () => {
    const lead = await token(`lead-${hex(3)}`, ['LEAD']);
    expect(await counted(() => server.gql('{ __typename }', {}, { token: lead }))).toBeGreaterThan(0);
    expect(await counted(() => server.gql('{ __typename }', {}, { token: lead }))).toBe(0);
    // Another name in the token refreshes the record.
    const renamed = await token((await server.app.db.prisma.reviewer.findFirstOrThrow({ orderBy: { createdAt: 'desc' } })).id, ['LEAD'], 'Another name');
    expect(await counted(() => server.gql('{ __typename }', {}, { token: renamed }))).toBeGreaterThan(0);
  });

  it('a role an admin revokes is gone at the next request, and a suspension too', async () => {
    const id = `lead-${hex(3)}`;
    const lead = await token(id, ['LEAD', 'REVIEWER']);
    const admin = await token(`admin-${hex(3)}`, ['ADMIN']);
    expect((await server.gql(VERIFY, {}, { token: lead })).data?.verifyAuditChain.ok).toBe(true);
    expect((await server.gql(VERIFY, {}, { token: lead })).data?.verifyAuditChain.ok).toBe(true);

    const revoked = await server.gql(SET_ACCESS, { i: { reviewerId: id, revokedRoles: ['LEAD'], suspended: false } }, { token: admin });
    expect(revoked.data.setReviewerAccess.__typename).toBe('SetReviewerAccessSuccess');
    const denied = await server.gql(VERIFY, {}, { token: lead });
    expect(denied.data?.verifyAuditChain ?? null).toBeNull();
    expect(denied.errors?.[0]?.message).toMatch(/not authorized|forbidden|permission/i);

    await server.gql(SET_ACCESS, { i: { reviewerId: id, revokedRoles: [], suspended: true } }, { token: admin });
    const suspended = await server.gql('{ __typename }', {}, { token: lead });
    expect(suspended.errors?.[0]?.message).toMatch(/suspended/);
  });

  it('a change written outside any service (SQL on the database) counts at the next request too', async () => {
    const id = `lead-${hex(3)}`;
    const lead = await token(id, ['LEAD']);
    expect((await server.gql(VERIFY, {}, { token: lead })).data?.verifyAuditChain.ok).toBe(true);
    await server.app.db.pool.query(`UPDATE "Reviewer" SET "revokedRoles" = '{LEAD}' WHERE "id" = $1`, [id]);
    expect((await server.gql(VERIFY, {}, { token: lead })).data?.verifyAuditChain ?? null).toBeNull();
  });

  it.runIf(process.env.DATABASE_URL)('on a server, a change committed by another connection (another instance) counts once its notification arrives', async () => {
    const id = `lead-${hex(3)}`;
    const lead = await token(id, ['LEAD']);
    expect((await server.gql(VERIFY, {}, { token: lead })).data?.verifyAuditChain.ok).toBe(true);
    const other = new pg.Client({ connectionString: server.database.url });
    await other.connect();
    try {
      await other.query(`UPDATE "Reviewer" SET "suspendedAt" = now() WHERE "id" = $1`, [id]);
    } finally {
      await other.end();
    }
    await expect.poll(async () => (await server.gql('{ __typename }', {}, { token: lead })).errors?.[0]?.message ?? null, { timeout: 2000, interval: 20 }).toMatch(/suspended/);
  });
});
