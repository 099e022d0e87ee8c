// Finding cases: `cases(filter, first, after)` for staff. Each filter narrows to exactly the cases it names, each page
// holds only cases the caller may see (and totalCount counts only those), the keyset cursor pages without gaps or
// duplicates while reports keep arriving, bad arguments are typed errors, and every filter is served by an index.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient } from './support/client.js';
import { hex, startServer, token, type GqlResponse, type TestServer } from './support/harness.js';

const CASES = `query Cases($filter: CaseFilter, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id category status queue createdAt updatedAt assignee { id } } }
  }
}`;

interface Filed {
  id: string;
  category: string;
  contentId: string;
  reportedAccountId: string;
}

let server: TestServer;
const t = {} as Record<'reviewer' | 'specialist' | 'lead' | 'admin' | 'liaison' | 'analyst' | 'platform', string>;
const filed: Filed[] = [];
let claimedId: string;
let decidedId: string;
let beforeSecondBatch: string;
let claimedAt: string;

async function file(category: string, over: Record<string, unknown> = {}): Promise<Filed> {
  const input = { contentId: `content-${hex(6)}`, category, reportedAccountId: `account-${hex(4)}`, description: 'placeholder description', ...over };
  const res = await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: input });
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const row = await server.app.db.prisma.case.findFirstOrThrow({ where: { contentId: input.contentId as string } });
  const item = { id: row.id, category, contentId: input.contentId as string, reportedAccountId: input.reportedAccountId as string };
  filed.push(item);
  return item;
}

async function cases(tokenValue: string, variables: Record<string, unknown>): Promise<GqlResponse<any>> {
  const res = await server.gql(CASES, variables, { token: tokenValue });
  expect(res.status).toBe(200);
  return res;
}

/** Every id the filter finds for this caller, page by page, with the totalCount of the first page. */
async function all(tokenValue: string, filter: Record<string, unknown> = {}, first = 3) {
  const ids: string[] = [];
  let after: string | null = null;
  let total: number | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const res = await cases(tokenValue, { filter, first, after });
    expect(res.errors).toBeUndefined();
    const page = res.data.cases;
    total ??= page.totalCount;
    ids.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, total: total! };
}

const sorted = (ids: string[]) => [...ids].sort();
const visibleToReviewer = () => filed.filter((f) => f.category === 'MINOR_PHYSICAL_ALTERCATION');

beforeAll(async () => {
  server = await startServer();
  t.reviewer = await token('cases-reviewer', ['REVIEWER']);
  t.specialist = await token('cases-specialist', ['CHILD_SAFETY_SPECIALIST']);
  t.lead = await token('cases-lead', ['LEAD']);
  t.admin = await token('cases-admin', ['ADMIN']);
  t.liaison = await token('cases-liaison', ['LAW_ENFORCEMENT_LIAISON']);
  t.analyst = await token('cases-analyst', ['ANALYST']);
  t.platform = await token('cases-platform', ['PLATFORM']);
  for (let i = 0; i < 4; i++) await file('MINOR_PHYSICAL_ALTERCATION');
  for (let i = 0; i < 3; i++) await file('CHILD_SEXUAL_EXPLOITATION');
  await file('PHYSICAL_CHILD_ABUSE_MEDIA');
  await new Promise((r) => setTimeout(r, 20));
  beforeSecondBatch = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  await file('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: 'account-shared' });
  await file('CHILD_SEXUAL_EXPLOITATION', { reportedAccountId: 'account-shared' });

  // One case decided, one claimed: statuses, queues and assignees to filter on.
  const claim = async () =>
    (await server.gql(`mutation { claimNextCase(queue: MINOR_PHYSICAL_ALTERCATION) { ... on ClaimNextCaseSuccess { case { id version } } } }`, {}, { token: t.reviewer }))
      .data.claimNextCase.case;
  const first = await claim();
  const assessed = await server.gql(
    `mutation($i: AssessmentInput!) { submitAssessment(input: $i) { ... on SubmitAssessmentSuccess { case { version } } } }`,
    { i: { caseId: first.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' } },
    { token: t.reviewer },
  );
  const decided = await server.gql(
    `mutation($i: DecideCaseInput!) { decideCase(input: $i) { __typename } }`,
    { i: { caseId: first.id, expectedVersion: assessed.data.submitAssessment.case.version, actions: ['NO_ACTION'] } },
    { token: t.reviewer },
  );
  expect(decided.data.decideCase.__typename).toBe('DecideCaseSuccess');
  decidedId = first.id;
  await new Promise((r) => setTimeout(r, 20));
  claimedAt = new Date().toISOString();
  claimedId = (await claim()).id;
});
afterAll(() => server?.close());

describe('cases(filter, first, after)', () => {
  it('lists every case a lead may see, newest first, with totalCount', async () => {
    const res = await cases(t.lead, { first: 100 });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.cases.edges.map((e: { node: { id: string; createdAt: string } }) => e.node);
    expect(sorted(nodes.map((n: { id: string }) => n.id))).toEqual(sorted(filed.map((f) => f.id)));
    expect(res.data.cases.totalCount).toBe(filed.length);
    const times = nodes.map((n: { createdAt: string }) => n.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by status, category and queue', async () => {
    expect((await all(t.lead, { status: ['DECIDED'] })).ids).toEqual([decidedId]);
    expect((await all(t.lead, { status: ['IN_REVIEW'] })).ids).toEqual([claimedId]);
    const open = await all(t.lead, { status: ['OPEN'] });
    expect(sorted(open.ids)).toEqual(sorted(filed.map((f) => f.id).filter((id) => id !== decidedId && id !== claimedId)));
    expect(open.total).toBe(filed.length - 2);
    const cse = filed.filter((f) => f.category === 'CHILD_SEXUAL_EXPLOITATION').map((f) => f.id);
    expect(sorted((await all(t.lead, { category: ['CHILD_SEXUAL_EXPLOITATION'] })).ids)).toEqual(sorted(cse));
    expect(sorted((await all(t.lead, { queue: ['CHILD_SEXUAL_EXPLOITATION'] })).ids)).toEqual(sorted(cse));
    const both = await all(t.lead, { category: ['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA'] });
    expect(both.ids).toHaveLength(cse.length + 1);
    expect((await all(t.lead, { status: ['DECIDED'], category: ['CHILD_SEXUAL_EXPLOITATION'] })).ids).toEqual([]);
  });

  it('filters by assignee, reported account and content id', async () => {
    const assigned = await all(t.lead, { assigneeId: 'cases-reviewer' });
    expect(assigned.ids).toEqual([claimedId]);
    expect((await all(t.lead, { assigneeId: 'nobody' })).ids).toEqual([]);
    const shared = filed.filter((f) => f.reportedAccountId === 'account-shared').map((f) => f.id);
    expect(sorted((await all(t.lead, { reportedAccountId: 'account-shared' })).ids)).toEqual(sorted(shared));
    const one = filed[2]!;
    expect((await all(t.lead, { contentId: one.contentId })).ids).toEqual([one.id]);
    expect((await all(t.lead, { contentId: 'content-none' })).ids).toEqual([]);
  });

  it('filters by created and updated time ranges, half-open', async () => {
    const later = filed.slice(-2).map((f) => f.id);
    expect(sorted((await all(t.lead, { createdAt: { from: beforeSecondBatch } })).ids)).toEqual(sorted(later));
    const earlier = await all(t.lead, { createdAt: { to: beforeSecondBatch } });
    expect(sorted(earlier.ids)).toEqual(sorted(filed.slice(0, -2).map((f) => f.id)));
    const row = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: filed[0]!.id } });
    expect((await all(t.lead, { createdAt: { from: row.createdAt.toISOString(), to: new Date(row.createdAt.getTime() + 1).toISOString() } })).ids).toContain(row.id);
    expect((await all(t.lead, { createdAt: { from: row.createdAt.toISOString(), to: row.createdAt.toISOString() } })).ids).toEqual([]);
    // Only the case claimed last changed after claimedAt.
    expect((await all(t.lead, { updatedAt: { from: claimedAt } })).ids).toEqual([claimedId]);
    expect((await all(t.lead, { updatedAt: { to: claimedAt } })).ids).not.toContain(claimedId);
  });

  it('never shows a case the caller may not see, in nodes or in totalCount', async () => {
    const mine = await all(t.reviewer);
    expect(sorted(mine.ids)).toEqual(sorted(visibleToReviewer().map((f) => f.id)));
    expect(mine.total).toBe(visibleToReviewer().length);
    const asked = await all(t.reviewer, { category: ['CHILD_SEXUAL_EXPLOITATION'] });
    expect(asked).toEqual({ ids: [], total: 0 });
    const shared = await all(t.reviewer, { reportedAccountId: 'account-shared' });
    expect(shared.total).toBe(1);
    // A specialist sees exploitation and abuse media too.
    expect((await all(t.specialist)).total).toBe(filed.length);
    // Admins see every case but not its content: a content filter finds nothing it could not show.
    expect((await all(t.admin)).total).toBe(filed.length);
    const cse = filed.find((f) => f.category === 'CHILD_SEXUAL_EXPLOITATION')!;
    expect(await all(t.admin, { contentId: cse.contentId })).toEqual({ ids: [], total: 0 });
    expect(await all(t.admin, { reportedAccountId: 'account-shared' })).toEqual({ ids: [], total: 0 });
    expect((await all(t.liaison, { contentId: cse.contentId })).ids).toEqual([cse.id]);
  });

  it('serves the history screen (contract operation CaseHistory), decided cases and their decisions included', async () => {
    const client = await new ContractClient(server).load();
    const res = await client.op('CaseHistory', { filter: { status: ['DECIDED', 'CLOSED'] }, first: 10 }, t.reviewer);
    expect(res.errors).toBeUndefined();
    expect(res.data.cases.totalCount).toBe(1);
    expect(res.data.cases.edges[0].node).toMatchObject({ id: decidedId, status: 'DECIDED', decision: { actions: ['NO_ACTION'] } });
  });

  it('refuses analysts and the platform', async () => {
    for (const who of [t.analyst, t.platform, undefined]) {
      const res = await server.gql(CASES, { first: 5 }, who ? { token: who } : {});
      expect(res.data?.cases ?? null).toBeNull();
      expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(res.errors?.[0]?.extensions?.code);
    }
  });

  it('pages without gaps or duplicates while new cases arrive', async () => {
    const existing = await all(t.lead, {}, 100);
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const [res]: [Awaited<ReturnType<typeof cases>>, Filed] = await Promise.all([cases(t.lead, { first: 2, after }), file('MINOR_PHYSICAL_ALTERCATION')]);
      expect(res.errors).toBeUndefined();
      seen.push(...res.data.cases.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!res.data.cases.pageInfo.hasNextPage) break;
      after = res.data.cases.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing.ids) expect(seen).toContain(id);
    // Each edge's cursor continues after its own node.
    const page = (await cases(t.lead, { first: 4 })).data.cases;
    const next = (await cases(t.lead, { first: 2, after: page.edges[1].cursor })).data.cases;
    expect(next.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(page.edges.slice(2).map((e: { node: { id: string } }) => e.node.id));
  });

  it('answers bad first, cursors and ranges with a typed error', async () => {
    for (const variables of [
      { first: 0 },
      { first: -1 },
      { first: 101 },
      { first: 5, after: 'not-a-cursor' },
      { first: 5, after: Buffer.from('["2026-01-01T00:00:00.000Z","x"]').toString('base64url') },
      { first: 5, after: Buffer.from('{}').toString('base64url') },
      { first: 5, filter: { createdAt: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } } },
    ]) {
      const res = await cases(t.lead, variables);
      expect(res.data?.cases ?? null, JSON.stringify(variables)).toBeNull();
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('VALIDATION_FAILED');
      expect(res.errors?.[0]?.message).toMatch(/first|after|createdAt/);
    }
    // 100 is the most a page may hold.
    expect((await cases(t.lead, { first: 100 })).errors).toBeUndefined();
  });
});

describe('every filter is served by an index', () => {
  const recorded: Array<{ text: string; values: unknown[] }> = [];
  const originalQuery = pg.Client.prototype.query;

  async function statementsFor(filter: Record<string, unknown>) {
    recorded.length = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as { text?: string; values?: unknown[] } | string;
      if (typeof q === 'object' && q.text && /FROM "public"\."Case"/.test(q.text)) recorded.push({ text: q.text, values: q.values ?? [] });
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof originalQuery;
    try {
      const res = await cases(t.lead, { filter, first: 10 });
      expect(res.errors).toBeUndefined();
    } finally {
      pg.Client.prototype.query = originalQuery;
    }
    return [...recorded];
  }

  /** The plan of a statement (JSON), with the planner told to avoid sequential scans wherever an index can serve. */
  async function planOf(statement: { text: string; values: unknown[] }): Promise<string> {
    const prisma = server.app.db.prisma;
    const plan = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      return tx.$queryRawUnsafe<Array<{ 'QUERY PLAN': unknown }>>(`EXPLAIN (FORMAT JSON) ${statement.text}`, ...statement.values);
    });
    return JSON.stringify(plan);
  }

  async function leadingColumns(): Promise<Map<string, string>> {
    const rows = await server.app.db.prisma.$queryRaw<Array<{ name: string; first: string }>>`
      SELECT i.relname::text AS name, a.attname::text AS first
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
      WHERE t.relname = 'Case'`;
    return new Map(rows.map((r) => [r.name, r.first]));
  }

  const FILTERS: Array<[string, Record<string, unknown>]> = [
    ['status', { status: ['DECIDED'] }],
    ['category', { category: ['MINOR_PHYSICAL_ALTERCATION'] }],
    ['queue', { queue: ['APPEALS'] }],
    ['assigneeId', { assigneeId: 'cases-reviewer' }],
    ['reportedAccountId', { reportedAccountId: 'account-shared' }],
    ['contentId', { contentId: 'content-x' }],
    ['createdAt', { createdAt: { from: '2026-01-01T00:00:00Z' } }],
    ['updatedAt', { updatedAt: { from: '2026-01-01T00:00:00Z' } }],
  ];

  for (const [column, filter] of FILTERS) {
    it(`${column}: the page and its count read indexes, one of them leading with ${column}`, async () => {
      const statements = await statementsFor(filter);
      expect(statements.length).toBe(2); // the page and its totalCount
      const leading = await leadingColumns();
      const used: string[] = [];
      for (const statement of statements) {
        const plan = await planOf(statement);
        expect(plan, statement.text).not.toContain('"Seq Scan"');
        used.push(...[...plan.matchAll(/"Index Name":"([^"]+)"/g)].map((m) => leading.get(m[1]!)!));
      }
      expect(used).toContain(column);
    });
  }
});
