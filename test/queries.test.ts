// No N+1: a queue page with nested reports, assessments and decisions, and the case detail operation, run a bounded
// number of SQL statements that does not grow with the page size. Statements are counted at the pg driver.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient } from './support/client.js';
import { clientOperations, hex, startServer, token, type TestServer } from './support/harness.js';
import { submitReport } from '../src/services/intake.js';
import { claimNextCase } from '../src/services/claims.js';
import { snapshotCases } from '../src/services/case-snapshot.js';
import { claimableSql } from '../src/services/claims.js';
import type { QueueEvent } from '../src/services/context.js';
import { handledCategories, type Role } from '../src/policy/index.js';
import { queuePage, queuePageStatement } from '../src/services/queue-page.js';

let server: TestServer;
let statements = 0;
/** The text of each statement, while `recording`. */
let recorded: string[] | null = null;
const originalQuery = pg.Client.prototype.query;

beforeAll(async () => {
  server = await startServer();
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text);
    // A connection the pool opens during a request LISTENs once (src/db/access-watch.ts): set-up, not the request's.
    if (!text.startsWith('LISTEN ')) {
      statements += 1;
      recorded?.push(text);
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
});
afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await server?.close();
});

const PAGE = `query($first: Int!) { queue(name: MINOR_PHYSICAL_ALTERCATION) { openCount cases(first: $first) { totalCount edges { node {
  id priority assignee { id name }
  reports(first: 10) { totalCount edges { node { id category description createdAt } } }
  assessments { id reviewer { name } recommendation { actions rationale { clause } } }
  decision { id actions decidedBy { name } }
  auditTrail { seq action }
} } } } }`;

async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  statements = 0;
  const result = await work();
  return { result, statements };
}

describe('SQL statements per request', () => {
  it('a queue page costs the same number of statements for 5 cases as for 40, and the case detail is bounded', async () => {
    const reviewer = await token('n1-reviewer', ['REVIEWER'], 'Reviewer N');
    for (let i = 0; i < 40; i++) {
      const contentId = `content-${hex(4)}`;
      for (let r = 0; r < 2; r++) {
        await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', reporterAccountId: `acct-${r}`, description: 'placeholder description' } });
      }
    }
    // Some cases carry an assessment and an assignee, so every nested field has data to load.
    for (let i = 0; i < 5; i++) {
      const claimed = await server.gql(`mutation { claimNextCase(queue: MINOR_PHYSICAL_ALTERCATION) { ... on ClaimNextCaseSuccess { case { id } } } }`, {}, { token: reviewer });
      const caseId = claimed.data.claimNextCase.case.id;
      await server.gql(`mutation($i: AssessmentInput!) { submitAssessment(input: $i) { __typename } }`, { i: { caseId, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false } }, { token: reviewer });
    }
    await server.gql(PAGE, { first: 1 }, { token: reviewer }); // warm-up: the reviewer record is upserted on first sight

    const small = await counted(() => server.gql(PAGE, { first: 5 }, { token: reviewer }));
    const large = await counted(() => server.gql(PAGE, { first: 40 }, { token: reviewer }));
    expect(small.result.errors).toBeUndefined();
    expect(large.result.data.queue.cases.edges).toHaveLength(40);
    expect(large.result.data.queue.cases.edges.filter((e: any) => e.node.assessments.length > 0).length).toBe(5);
    expect(large.statements).toBe(small.statements);
    // One statement: the cases, their nested records, the audit trails and the count (openCount and totalCount alike).
    // The caller's reviewer record is cached per access generation, so it is not read again.
    expect(large.statements).toBe(1);

    const client = await new ContractClient(server).load();
    const id = large.result.data.queue.cases.edges[0].node.id;
    const detail = await counted(() => client.op('CaseDetail', { id }, reviewer));
    expect(detail.result.errors).toBeUndefined();
    expect(detail.statements).toBeLessThanOrEqual(25);
    // The history screen: as many statements for 40 cases as for 5.
    const history5 = await counted(() => client.op('CaseHistory', { first: 5 }, reviewer));
    const history40 = await counted(() => client.op('CaseHistory', { first: 40 }, reviewer));
    expect(history40.result.errors).toBeUndefined();
    expect(history40.result.data.cases.edges).toHaveLength(40);
    expect(history40.statements).toBe(history5.statements);
    expect(history40.statements).toBeLessThanOrEqual(10);
    console.log(`SQL statements: queue page of 5 = ${small.statements}, of 40 = ${large.statements}; case detail = ${detail.statements}; history page of 40 = ${history40.statements}`);
  });

  it('the one-statement queue page answers what each case read through Prisma answers, for each role, across pages', async () => {
    // Who reads which queue: reporter identity is readable by liaisons and leads only; a reviewer handles one category.
    const readers: Array<{ name: string; roles: Role[]; queue: 'IMMEDIATE_RISK' | 'MINOR_PHYSICAL_ALTERCATION'; identity: boolean }> = [
      { name: 'reviewer', roles: ['REVIEWER'], queue: 'MINOR_PHYSICAL_ALTERCATION', identity: false },
      { name: 'reviewer-liaison', roles: ['REVIEWER', 'LAW_ENFORCEMENT_LIAISON'], queue: 'MINOR_PHYSICAL_ALTERCATION', identity: true },
      { name: 'specialist', roles: ['CHILD_SAFETY_SPECIALIST'], queue: 'IMMEDIATE_RISK', identity: false },
      { name: 'lead', roles: ['LEAD'], queue: 'IMMEDIATE_RISK', identity: true },
    ];
    const tokens: Record<string, string> = {};
    for (const r of readers) tokens[r.name] = await token(`page-${r.name}`, r.roles, `Page ${r.name}`);
    // Each reader's record is created on first sight, before the pages whose statements are counted.
    for (const r of readers) await server.gql('{ __typename }', {}, { token: tokens[r.name] });
    const categories = ['MINOR_PHYSICAL_ALTERCATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'CHILD_SEXUAL_EXPLOITATION'] as const;
    for (let i = 0; i < 4; i++) {
      for (const [category, childAtImmediateRisk] of [...categories.map((c) => [c, true] as const), ['MINOR_PHYSICAL_ALTERCATION', false] as const]) {
        const contentId = `content-${hex(4)}`;
        for (let r = 0; r < 1 + (i % 2); r++) {
          const filed = await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, {
            i: { contentId, category, childAtImmediateRisk, reporterAccountId: `acct-${hex(3)}`, contactEmail: 'reporter@example.com', description: 'placeholder description' },
          });
          expect(filed.data.submitReport.__typename).toBe('SubmitReportSuccess');
        }
      }
    }
    // A lead holds one case and assesses it: an assignee, a lease, an assessment and more audit events to carry.
    const waitingMinor = await server.app.db.prisma.case.findFirstOrThrow({ where: { queue: 'IMMEDIATE_RISK', category: 'MINOR_PHYSICAL_ALTERCATION', status: 'OPEN' } });
    const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename ... on ClaimCaseSuccess { case { id category } } } }`, { id: waitingMinor.id }, { token: tokens.lead });
    const held = claimed.data.claimCase.case;
    const assessed = await server.gql(`mutation($i: AssessmentInput!) { submitAssessment(input: $i) { __typename } }`, { i: { caseId: held.id, category: held.category, ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false, childAtImmediateRisk: true } }, { token: tokens.lead });
    expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');

    const CASE = `id status category priority slaDueAt reportCount updatedAt version leaseExpiresAt
      assignee { id name }
      reports(first: 10) { totalCount edges { node { id createdAt reporterAccountId contactEmail } } }
      assessments { id reviewer { name } recommendation { actions } }
      decision { id decidedBy { name } }
      auditTrail { seq action at }`;
    const PAGED = `query($queue: QueueName!, $after: String) { queue(name: $queue) { openCount cases(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${CASE} } } } } }`;
    /** Errors by where in the case they arose (field authorization), whichever path led to the case. */
    const caseErrors = (errors: any[] | undefined, prefix: number) =>
      (errors ?? []).map((e) => ({ message: e.message, at: e.path.slice(prefix).join('.') })).sort((a, b) => a.at.localeCompare(b.at));

    for (const reader of readers) {
      const bearer = tokens[reader.name]!;
      const expected = await server.app.db.prisma.case.findMany({
        where: { queue: reader.queue, status: { in: ['OPEN', 'IN_REVIEW'] }, category: { in: handledCategories(reader.roles) } },
        orderBy: [{ priority: 'asc' }, { slaDueAt: 'asc' }, { id: 'asc' }],
        select: { id: true },
      });
      expect(expected.length).toBeGreaterThan(3);
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 2; page++) {
        recorded = [];
        const res: any = await server.gql(PAGED, { queue: reader.queue, after }, { token: bearer });
        const pageStatements = recorded;
        recorded = null;
        if (!res.data) throw new Error(JSON.stringify(res.errors));
        const { queue } = res.data;
        expect(queue.openCount).toBe(expected.length);
        expect(queue.cases.totalCount).toBe(expected.length);
        expect(queue.cases.pageInfo.hasNextPage).toBe(seen.length + queue.cases.edges.length < expected.length);
        expect(pageStatements).toEqual([expect.stringMatching(/json_agg/)]);
        for (const [n, edge] of queue.cases.edges.entries()) {
          seen.push(edge.node.id);
          // The same case read through Prisma by the case query, with the same selection and the same caller.
          const single: any = await server.gql(`query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: edge.node.id }, { token: bearer });
          expect(edge.node).toEqual(single.data.case);
          const mine = (res.errors ?? []).filter((e: any) => e.path[3] === n);
          expect(caseErrors(mine, 5)).toEqual(caseErrors(single.errors, 1));
        }
        // Reporter identity stays hidden from those who may not read it, whichever path loaded it.
        const identityErrors = (res.errors ?? []).filter((e: any) => ['reporterAccountId', 'contactEmail'].includes(e.path.at(-1)));
        expect(identityErrors.length === 0).toBe(reader.identity);
        after = queue.cases.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected.slice(0, 6).map((c) => c.id));
      if (reader.name === 'lead') expect(seen).toContain(held.id);
    }
  });

  it('audit trails naming linked cases cost the same statements for 2 cases as for 6, for a reader from whom the linked cases are hidden', async () => {
    const lead = await token('n1-links-lead', ['LEAD'], 'Lead L');
    const reviewer = await token('n1-links-reviewer', ['REVIEWER'], 'Reviewer L');
    const file = async (category: string, reportedAccountId?: string) => {
      const res = await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename ... on SubmitReportSuccess { report { id } } } }`, {
        i: { contentId: `content-${hex(4)}`, category, description: 'placeholder description', ...(reportedAccountId ? { reportedAccountId } : {}) },
      });
      return (await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } })).caseId;
    };
    const account = `account-${hex(4)}`;
    for (let i = 0; i < 6; i++) {
      const mpa = await file('MINOR_PHYSICAL_ALTERCATION', account);
      for (const hidden of [await file('CHILD_SEXUAL_EXPLOITATION'), await file('PHYSICAL_CHILD_ABUSE_MEDIA')]) {
        const linked = await server.gql(`mutation($a: ID!, $b: ID!) { linkCases(caseId: $a, linkedCaseId: $b, reason: "placeholder reason") { __typename } }`, { a: mpa, b: hidden }, { token: lead });
        expect(linked.data.linkCases.__typename).toBe('LinkCasesSuccess');
      }
    }
    const READ = `query($first: Int!, $account: String!) { cases(filter: { reportedAccountId: $account }, first: $first) { edges { node { id auditTrail { seq action } } } } }`;
    const read = (first: number, bearer: string) => counted(() => server.gql(READ, { first, account }, { token: bearer }));
    // Each bearer's first request records its reviewer: not part of what is counted.
    for (const bearer of [reviewer, lead]) expect((await server.gql('{ me { id } }', {}, { token: bearer })).errors).toBeUndefined();
    const [two, six] = [await read(2, reviewer), await read(6, reviewer)];
    expect(six.result.errors).toBeUndefined();
    expect(six.result.data.cases.edges).toHaveLength(6);
    // The reviewer sees no link event (each names a hidden case); a lead sees them all.
    for (const edge of six.result.data.cases.edges) expect(edge.node.auditTrail.map((e: { action: string }) => e.action)).not.toContain('case.linked');
    const byLead = await read(6, lead);
    for (const edge of byLead.result.data.cases.edges) expect(edge.node.auditTrail.filter((e: { action: string }) => e.action === 'case.linked')).toHaveLength(2);
    expect(six.statements).toBe(two.statements);
    expect(six.statements).toBeLessThanOrEqual(byLead.statements + 1);
  });

  it("the reviewer client's ReviewQueue operation (openCount, oldestOpenSince, a page with cursors) is one statement", async () => {
    const reviewer = await token('page-review-queue', ['REVIEWER']);
    for (let i = 0; i < 3; i++) {
      await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' } });
    }
    const client = await new ContractClient(server).load();
    await client.op('ReviewQueue', { queue: 'MINOR_PHYSICAL_ALTERCATION', first: 1 }, reviewer); // the reviewer record is created on first sight
    const where = { queue: 'MINOR_PHYSICAL_ALTERCATION' as const, status: { in: ['OPEN' as const, 'IN_REVIEW' as const] }, category: { in: ['MINOR_PHYSICAL_ALTERCATION' as const] } };
    const { _min, _count } = await server.app.db.prisma.case.aggregate({ where, _min: { createdAt: true }, _count: true });
    let after: string | null = null;
    for (let page = 0; page < 2; page++) {
      recorded = [];
      const res: any = await client.op('ReviewQueue', { queue: 'MINOR_PHYSICAL_ALTERCATION', first: 2, after }, reviewer);
      const sent = recorded;
      recorded = null;
      expect(res.errors).toBeUndefined();
      expect(sent).toHaveLength(1);
      expect(res.data.queue.openCount).toBe(_count);
      expect(res.data.queue.oldestOpenSince).toBe(_min.createdAt!.toISOString());
      after = res.data.queue.cases.pageInfo.endCursor;
    }
  });

  it("the page's statement returns each case as Prisma does, dates, BigInts and JSON included, and declines what it does not translate", async () => {
    const lead = await token('page-rows', ['LEAD']);
    for (let i = 0; i < 5; i++) {
      await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] } });
    }
    const claimed = await server.gql(`mutation { claimNextCase(queue: MINOR_PHYSICAL_ALTERCATION) { ... on ClaimNextCaseSuccess { case { id } } } }`, {}, { token: lead });
    await server.gql(`mutation($i: AssessmentInput!) { submitAssessment(input: $i) { __typename } }`, { i: { caseId: claimed.data.claimNextCase.case.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false } }, { token: lead });
    const filter = { queue: 'MINOR_PHYSICAL_ALTERCATION', statuses: ['OPEN', 'IN_REVIEW'], categories: ['MINOR_PHYSICAL_ALTERCATION'] };
    const where = { queue: 'MINOR_PHYSICAL_ALTERCATION' as const, status: { in: ['OPEN' as const, 'IN_REVIEW' as const] }, category: { in: ['MINOR_PHYSICAL_ALTERCATION' as const] } };
    const orderBy = [{ priority: 'asc' as const }, { slaDueAt: 'asc' as const }, { id: 'asc' as const }];
    const queries: Array<Record<string, unknown>> = [
      {
        take: 8,
        skip: 0,
        include: {
          assignee: true,
          escalatedBy: { select: { name: true } },
          reports: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 2, select: { id: true, createdAt: true, mediaHashes: true, case: { select: { status: true, decidedAt: true } } } },
          mediaHashes: { orderBy: { createdAt: 'asc' }, select: { algorithm: true, value: true } },
          assessments: { orderBy: { createdAt: 'asc' }, include: { reviewer: true, decisions: true } },
          decisions: { orderBy: { decidedAt: 'desc' }, take: 1, include: { decidedBy: { select: { id: true, name: true } } } },
          _count: { select: { reports: true, assessments: true } },
        },
      },
      { take: 3, skip: 0, select: { id: true, priority: true, slaDueAt: true, leaseExpiresAt: true } },
    ];
    const all = await server.app.db.prisma.case.findMany({ where, orderBy, select: { id: true } });
    expect(all.length).toBeGreaterThan(3);
    queries.push({ ...queries[1], cursor: { id: all[1]!.id }, skip: 1 });
    for (const query of queries) {
      const page = await queuePage(server.app.db, query, filter, { auditTrail: true });
      const expected = await server.app.db.prisma.case.findMany({ ...query, where, orderBy } as never);
      expect(page).not.toBeNull();
      expect(page!.rows).toEqual(expected);
      expect(page!.total).toBe(all.length);
      for (const row of expected as Array<{ id: string }>) {
        expect(page!.auditTrails!.get(row.id)).toEqual(await server.app.db.prisma.auditEvent.findMany({ where: { caseId: row.id }, orderBy: { seq: 'asc' } }));
      }
    }
    // A cursor whose case has left the queue since (here: one in another queue) goes on from where that case stands in
    // the order, leaving none out; Prisma's cursor with skip 1 would skip the first case after it.
    const moved = await submitReport(server.app.serviceContext({ kind: 'ANONYMOUS', clientAddress: '192.0.2.45' }), { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', childAtImmediateRisk: true });
    const elsewhere = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: moved.report.caseId } });
    expect(elsewhere.queue).toBe('IMMEDIATE_RISK');
    const keyed = await server.app.db.prisma.case.findMany({ where, orderBy, select: { id: true, priority: true, slaDueAt: true } });
    const key = (c: { priority: number; slaDueAt: Date; id: string }) => [c.priority, c.slaDueAt.getTime(), c.id] as const;
    const later = keyed.filter((c) => {
      const [a, b] = [key(c), key(elsewhere)];
      return a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
    });
    const resumed = await queuePage(server.app.db, { take: keyed.length + 1, skip: 1, cursor: { id: elsewhere.id }, select: { id: true } }, filter, { auditTrail: false });
    expect(resumed!.rows).toEqual(later.map((c) => ({ id: c.id })));

    // What it does not translate, it declines, and the page is read through Prisma.
    for (const query of [
      { take: 3, select: { id: true, reports: { where: { category: 'MINOR_PHYSICAL_ALTERCATION' } } } },
      { take: 3, select: { id: true, reports: { cursor: { id: all[0]!.id }, skip: 1 } } },
      { take: 3, omit: { contentId: true } },
      { take: 3, select: { id: true, reports: { orderBy: { case: { priority: 'asc' } } } } },
      { take: -3, select: { id: true } },
    ]) {
      expect(queuePageStatement(query, filter, { auditTrail: false })).toBeNull();
    }
  });

  it('a page whose selection the statement does not translate is read through Prisma, with the same answer', async () => {
    const lead = await token('page-fallback', ['LEAD']);
    const contentId = `content-${hex(4)}`;
    for (let r = 0; r < 3; r++) {
      await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', reporterAccountId: `acct-${hex(3)}` } });
    }
    // The last reports of each case: a backward nested connection (a negative take), which the statement declines.
    const FIELDS = `id reportCount reports(last: 1) { totalCount edges { node { id reporterAccountId } } }`;
    recorded = [];
    const page = await server.gql(`{ queue(name: MINOR_PHYSICAL_ALTERCATION) { openCount cases(first: 5) { totalCount edges { node { ${FIELDS} } } } } }`, {}, { token: lead });
    const sent = recorded;
    recorded = null;
    expect(page.errors).toBeUndefined();
    expect(sent.some((q) => /json_agg/.test(q))).toBe(false);
    const where = { queue: 'MINOR_PHYSICAL_ALTERCATION' as const, status: { in: ['OPEN' as const, 'IN_REVIEW' as const] } };
    const ordered = await server.app.db.prisma.case.findMany({ where, orderBy: [{ priority: 'asc' }, { slaDueAt: 'asc' }, { id: 'asc' }], take: 5, select: { id: true } });
    const count = await server.app.db.prisma.case.count({ where });
    expect(page.data.queue.openCount).toBe(count);
    expect(page.data.queue.cases.totalCount).toBe(count);
    expect(page.data.queue.cases.edges.map((e: any) => e.node.id)).toEqual(ordered.map((c) => c.id));
    for (const edge of page.data.queue.cases.edges) {
      const single = await server.gql(`query($id: ID!) { case(id: $id) { ${FIELDS} } }`, { id: edge.node.id }, { token: lead });
      expect(edge.node).toEqual(single.data.case);
    }
  });

  it("the page's statement reads the queue through its partial index of waiting cases, in page order", async () => {
    const reviewer = await token('page-plan', ['REVIEWER']);
    const first = await server.gql(`{ queue(name: MINOR_PHYSICAL_ALTERCATION) { cases(first: 2) { pageInfo { endCursor } } } }`, {}, { token: reviewer });
    const QUERY = `query($after: String) { queue(name: MINOR_PHYSICAL_ALTERCATION) { openCount cases(first: 5, after: $after) { totalCount edges { node { id priority assignee { name } } } } } }`;
    for (const after of [null, first.data.queue.cases.pageInfo.endCursor as string]) {
      const sent: Array<{ text: string; values: unknown[] }> = [];
      const counting = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
        const statement = typeof config === 'string' ? { text: config, values: values ?? [] } : { text: config.text, values: config.values ?? [] };
        if (/json_agg/.test(statement.text)) sent.push(statement);
        return (counting as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof counting;
      try {
        const res = await server.gql(QUERY, { after }, { token: reviewer });
        expect(res.errors).toBeUndefined();
      } finally {
        pg.Client.prototype.query = counting;
      }
      expect(sent).toHaveLength(1);
      const plan = JSON.stringify(
        await server.app.db.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
          return tx.$queryRawUnsafe(`EXPLAIN (FORMAT JSON) ${sent[0]!.text}`, ...sent[0]!.values);
        }),
      );
      expect(plan).toContain('Case_waiting_queue_priority_slaDueAt_id_idx');
      // The cases come off the index in page order: nothing sorts them before the LIMIT.
      expect(plan).not.toMatch(/"Node Type":\s*"Sort"/);
    }
  });

  it("the claim's pick reads only claimable cases: many claimed cases in the queue are not stepped past", async () => {
    // A queue of its own server, where most cases are held by reviewers and a few wait, as on a busy day.
    const own = await startServer();
    try {
      for (let i = 0; i < 60; i++) {
        await own.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' } });
      }
      const holder = await token('n1-holder', ['REVIEWER']);
      await own.gql('{ __typename }', {}, { token: holder }); // the reviewer record is created on first sight
      // Set-up only: 55 of them held, as claims would leave them.
      await own.app.db.pool.query(`UPDATE "Case" SET "status" = 'IN_REVIEW', "assigneeId" = 'n1-holder', "leaseExpiresAt" = now() + interval '1 hour'
        WHERE "id" IN (SELECT "id" FROM "Case" ORDER BY "priority", "slaDueAt" LIMIT 55)`);
      const pick = claimableSql('MINOR_PHYSICAL_ALTERCATION', 'n1-picker')(['MINOR_PHYSICAL_ALTERCATION'], false, false);
      const [explained] = await own.app.db.prisma.$queryRawUnsafe<Array<{ 'QUERY PLAN': unknown }>>(`EXPLAIN (ANALYZE, FORMAT JSON) ${pick.text}`, ...pick.values);
      const text = JSON.stringify(explained!['QUERY PLAN']);
      expect(text).toContain('Case_claimable_idx');
      // No row is read and thrown away: the index holds only unclaimed waiting cases, in the pick's order.
      expect([...text.matchAll(/"Rows Removed by Filter":\s*(\d+)/g)].map((m) => Number(m[1])).filter((n) => n > 0)).toEqual([]);
      expect(text).not.toMatch(/"Node Type":\s*"Sort"/);
    } finally {
      await own.close();
    }
  });

  it('a report on new content is three statements: BEGIN with its folding lock, the intake statement, COMMIT', async () => {
    const intake = await clientOperations('intake.graphql');
    const file = async (input: Record<string, unknown>) => {
      recorded = [];
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: intake, operationName: 'SubmitReport', variables: { input } }),
      });
      const body = (await res.json()) as { data: any; errors?: unknown };
      const sent = recorded;
      recorded = null;
      expect(body.errors).toBeUndefined();
      expect(body.data.submitReport.__typename).toBe('SubmitReportSuccess');
      return sent;
    };
    const contentId = `content-${hex(4)}`;
    const fresh = await file({ contentId, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', idempotencyKey: `key-${hex(6)}` });
    expect(fresh).toHaveLength(3);
    expect(fresh[0]).toMatch(/^BEGIN; SELECT pg_advisory_xact_lock/);
    expect(fresh[1]).toMatch(/INSERT INTO "AuditEvent"/);
    expect(fresh[2]).toBe('COMMIT');
    // A report naming an account counts its earlier violations (the repeat-offence threshold) in BEGIN's round trip.
    const named = await file({ contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', reportedAccountId: `account-${hex(4)}` });
    expect(named).toHaveLength(3);
    expect(named[0]).toMatch(/^BEGIN; SELECT pg_advisory_xact_lock[\s\S]*FROM "Case" c JOIN "Decision" d/);
    expect(named[1]).toMatch(/INSERT INTO "AuditEvent"/);
    expect(named[2]).toBe('COMMIT');
    // A second report on the content folds into its case through the unit of work, after the statement found the case.
    const folded = await file({ contentId, category: 'MINOR_PHYSICAL_ALTERCATION', reporterAccountId: 'acct-other' });
    expect(folded.slice(0, 3)).toEqual([expect.stringMatching(/^BEGIN; SELECT pg_advisory_xact_lock/), expect.stringMatching(/INSERT INTO "AuditEvent"/), 'ROLLBACK']);
    const cases = await server.app.db.prisma.case.findMany({ where: { contentId }, select: { reportCount: true } });
    expect(cases).toEqual([{ reportCount: 2 }]);
    console.log(`SQL statements: intake of new content = ${fresh.length}; a folding one = ${folded.length}`);
  });

  it('claimNextCase takes the case in one statement: UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING, with its claim row', async () => {
    const reviewer = await token('n1-claimer', ['REVIEWER']);
    await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' } });
    await server.gql('{ __typename }', {}, { token: reviewer }); // the reviewer record is created on first sight
    recorded = [];
    const claimed = await server.gql(`mutation { claimNextCase(queue: MINOR_PHYSICAL_ALTERCATION) { ... on ClaimNextCaseSuccess { case { id status assignee { id } } leaseExpiresAt } } }`, {}, { token: reviewer });
    const sent = recorded;
    recorded = null;
    expect(claimed.data.claimNextCase.case).toMatchObject({ status: 'IN_REVIEW', assignee: { id: 'n1-claimer' } });
    const taking = sent.filter((q) => /SKIP LOCKED/.test(q));
    expect(taking).toHaveLength(1);
    expect(taking[0]).toMatch(/UPDATE "Case"[\s\S]*WHERE "id" = \(\s*SELECT[\s\S]*FOR UPDATE SKIP LOCKED\)[\s\S]*RETURNING[\s\S]*INSERT INTO "CaseClaim"/);
    // Nothing else writes the case or the claim.
    expect(sent.filter((q) => /UPDATE "public"."Case"|INSERT INTO "public"."CaseClaim"/.test(q))).toEqual([]);
    const id = claimed.data.claimNextCase.case.id;
    const claims = await server.app.db.prisma.caseClaim.findMany({ where: { caseId: id } });
    expect(claims).toMatchObject([{ reviewerId: 'n1-claimer', category: 'MINOR_PHYSICAL_ALTERCATION' }]);
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: id, action: 'case.claimed' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.changes).toMatchObject({ status: { from: 'OPEN', to: 'IN_REVIEW' }, assigneeId: { to: 'n1-claimer' } });
    console.log(`SQL statements: claimNextCase = ${sent.length}\n${sent.map((q, i) => `  ${i + 1}. ${q.replace(/\s+/g, ' ').slice(0, 150)}`).join('\n')}`);
    // BEGIN with the reviewer's access (FOR SHARE) and exposure today; then the claim statement, which also appends the
    // audit event to the chain (head lock, hash in SQL, head update) and returns the case the live event carries, with
    // COMMIT in the same round trip, so the chain head is never held across one.
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^BEGIN; SELECT[\s\S]*FROM "Reviewer"[\s\S]*FOR SHARE; SELECT[\s\S]*FROM "CaseClaim"/);
    expect(sent[1]).toMatch(/INSERT INTO "CaseClaim"[\s\S]*FROM "AuditChainHead"[\s\S]*FOR UPDATE[\s\S]*INSERT INTO "AuditEvent"[\s\S]*UPDATE "AuditChainHead"[\s\S]*; COMMIT$/);
  });

  it("the claim's live event carries the case exactly as snapshotCases reads it, under the generation it committed", async () => {
    const reviewer = await token('n1-snapshot', ['REVIEWER']);
    await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, { i: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', contentUrl: 'https://example.com/placeholder' } });
    await server.gql('{ __typename }', {}, { token: reviewer });
    const published: QueueEvent[] = [];
    const ctx = server.app.serviceContext({ kind: 'USER', id: 'n1-snapshot', name: 'n1-snapshot', roles: ['REVIEWER'] });
    const taken = await claimNextCase({ ...ctx, events: { publish: (e) => published.push(e) } }, 'MINOR_PHYSICAL_ALTERCATION');
    expect(published).toHaveLength(1);
    const [event] = published as [QueueEvent];
    expect(event).toMatchObject({ kind: 'CLAIMED', queue: 'MINOR_PHYSICAL_ALTERCATION', caseId: taken.case.id, category: 'MINOR_PHYSICAL_ALTERCATION' });
    const head = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(event.accessGeneration).toBe(Number(head.accessGeneration));
    const read = (await server.app.db.prisma.$transaction((tx) => snapshotCases(tx, [taken.case.id]))).get(taken.case.id)!;
    expect(event.snapshot!.row).toEqual(read.row);
    expect(event.snapshot!.row.assignee).toEqual({ id: 'n1-snapshot', name: expect.any(String) });
    expect([...event.snapshot!.dates].sort()).toEqual([...read.dates].sort());
    // The answer is the case as committed, as Prisma reads it.
    expect(taken.case).toEqual(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: taken.case.id } }));
    expect(taken.leaseExpiresAt).toEqual(taken.case.leaseExpiresAt);
  });

  it("the one-statement intake's live event carries the case exactly as snapshotCases reads it", async () => {
    const published: QueueEvent[] = [];
    const ctx = server.app.serviceContext({ kind: 'ANONYMOUS', clientAddress: '192.0.2.44' });
    const filed = await submitReport({ ...ctx, events: { publish: (e) => published.push(e) } }, { contentId: `content-${hex(4)}`, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', reporterRelation: 'AUTHORIZED_REPRESENTATIVE', childAtImmediateRisk: true, contentUrl: 'https://example.com/placeholder' });
    expect(published).toHaveLength(1);
    const [event] = published as [QueueEvent];
    expect(event).toMatchObject({ kind: 'ADDED', caseId: filed.report.caseId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA' });
    const head = await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(event.accessGeneration).toBe(Number(head.accessGeneration));
    const read = (await server.app.db.prisma.$transaction((tx) => snapshotCases(tx, [filed.report.caseId]))).get(filed.report.caseId)!;
    expect(event.snapshot!.row).toEqual(read.row);
    expect([...event.snapshot!.dates].sort()).toEqual([...read.dates].sort());
    expect(event.queue).toBe(read.row.queue);
  });

  it("the intake form's answer comes from its own transaction: nothing is read after COMMIT", async () => {
    // A server of its own, so the claim below takes this test's case.
    const own = await startServer();
    try {
      const intake = await clientOperations('intake.graphql');
      const submit = async (input: Record<string, unknown>) => {
        recorded = [];
        const res = await fetch(own.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: intake, operationName: 'SubmitReport', variables: { input } }),
        });
        const body = (await res.json()) as { data: any; errors?: unknown };
        const sent = recorded;
        recorded = null;
        expect(body.errors).toBeUndefined();
        expect(sent.filter((s) => /^\s*COMMIT/i.test(s))).toHaveLength(1);
        return { report: body.data.submitReport.report, afterCommit: sent.slice(sent.findIndex((s) => /^\s*COMMIT/i.test(s)) + 1) };
      };
      const contentId = `content-${hex(4)}`;
      const first = { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', idempotencyKey: `key-${hex(4)}` };
      const filed = await submit(first);
      expect(filed.report.status).toBe('RECEIVED');
      expect(filed.afterCommit).toEqual([]);

      // Folded into a case under review: the case's committed status, still with nothing read after commit.
      const reviewer = await token('n1-intake', ['REVIEWER']);
      const claimed = await own.gql(`mutation { claimNextCase(queue: MINOR_PHYSICAL_ALTERCATION) { __typename } }`, {}, { token: reviewer });
      expect(claimed.data.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
      const folded = await submit({ contentId, category: 'MINOR_PHYSICAL_ALTERCATION', reporterAccountId: 'acct-other' });
      expect(folded.report.status).toBe('UNDER_REVIEW');
      expect(folded.afterCommit).toEqual([]);
      const stored = await own.app.db.prisma.report.findUniqueOrThrow({ where: { id: folded.report.id } });
      expect(folded.report.createdAt).toBe(stored.createdAt.toISOString());

      // A replay files nothing: its report is read as it stands now.
      recorded = [];
      const replayed = await fetch(own.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: intake, operationName: 'SubmitReport', variables: { input: first } }),
      }).then((r) => r.json() as Promise<{ data: any }>);
      const replayReads = recorded.length;
      recorded = null;
      expect(replayed.data.submitReport.report).toEqual({ ...filed.report, status: 'UNDER_REVIEW' });
      expect(replayReads).toBeGreaterThan(0);
    } finally {
      await own.close();
    }
  });
});
