// No N+1: a queue page with nested reports, assessments and decisions, and the case detail operation, run a bounded
// number of SQL statements that does not grow with the page size. Statements are counted at the pg driver.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient } from './support/client.js';
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
    expect(large.statements).toBeLessThanOrEqual(25);

    const client = await new ContractClient(server).load();
    const id = large.result.data.queue.cases.edges[0].node.id;
    const detail = await counted(() => client.op('CaseDetail', { id }, reviewer));
    expect(detail.result.errors).toBeUndefined();
    expect(detail.statements).toBeLessThanOrEqual(25);
    console.log(`SQL statements: queue page of 5 = ${small.statements}, of 40 = ${large.statements}; case detail = ${detail.statements}`);
  });
});
