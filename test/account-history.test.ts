// Account history: `reportedAccount(id)` shows each qualified role the account's cases, decisions, strikes and open
// appeals of the categories it may read by content, and nothing of the others (absent, and in no count); ANALYST,
// PLATFORM and anonymous callers are refused. An account with REPEAT_OFFENCE_THRESHOLD earlier cases carrying a
// standing violating decision has its new cases raised one step, on both intake paths, with the reason on the case;
// one fewer raises nothing, and violations in categories the new case's handlers may not see never count. Every
// statement the query runs reads indexes.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOperations, hex, startServer, token, type TestServer } from './support/harness.js';

let server: TestServer;
const t = {} as Record<'reviewer' | 'specialist' | 'appeals' | 'lead' | 'liaison' | 'admin' | 'analyst' | 'platform', string>;

const HISTORY = `query History($id: String!, $first: Int, $after: String) {
  reportedAccount(id: $id) {
    id violationCount repeatOffender repeatOffenceThreshold
    cases(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id category priority priorityReason } } }
    decisions { id actions category reversedAt }
    strikes { category active recordedAt }
    openAppeals { id status }
  }
}`;

type Category = 'MINOR_PHYSICAL_ALTERCATION' | 'CHILD_SEXUAL_EXPLOITATION' | 'PHYSICAL_CHILD_ABUSE_MEDIA';

async function file(category: Category, account: string, over: Record<string, unknown> = {}): Promise<string> {
  const contentId = (over.contentId as string | undefined) ?? `content-${hex(6)}`;
  const res = await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, {
    i: { category, reportedAccountId: account, description: 'placeholder description', ...over, contentId },
  });
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return (await server.app.db.prisma.case.findFirstOrThrow({ where: { contentId }, select: { id: true } })).id;
}

/** Answers that find the content violating, per category: the recommendation then removes it (and more). */
const VIOLATING: Record<Category, Record<string, unknown>> = {
  MINOR_PHYSICAL_ALTERCATION: { ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true },
  CHILD_SEXUAL_EXPLOITATION: { ageAssessment: 'CONFIRMED_MINOR', mediaKind: 'REAL' },
  PHYSICAL_CHILD_ABUSE_MEDIA: { ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'SEVERE', context: 'ABUSIVE' },
};

/** A lead claims the case, assesses it as violating and decides what the policy recommends; returns the decision id. */
async function decideViolating(caseId: string, category: Category): Promise<string> {
  const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename ... on Error { message } } }`, { id: caseId }, { token: t.lead });
  expect(claimed.data.claimCase.__typename).toBe('ClaimCaseSuccess');
  const assessed = await server.gql(
    `mutation($i: AssessmentInput!) { submitAssessment(input: $i) { __typename ... on Error { message } ... on SubmitAssessmentSuccess { case { version } assessment { recommendation { actions } } } } }`,
    { i: { caseId, category, ...VIOLATING[category] } },
    { token: t.lead },
  );
  expect(assessed.data.submitAssessment.__typename, JSON.stringify(assessed.data)).toBe('SubmitAssessmentSuccess');
  const { case: c, assessment } = assessed.data.submitAssessment;
  expect(assessment.recommendation.actions).toContain('REMOVE_CONTENT');
  const decided = await server.gql(
    `mutation($i: DecideCaseInput!) { decideCase(input: $i) { __typename ... on Error { message } ... on DecideCaseSuccess { decision { id } } } }`,
    { i: { caseId, expectedVersion: c.version, actions: assessment.recommendation.actions } },
    { token: t.lead },
  );
  expect(decided.data.decideCase.__typename, JSON.stringify(decided.data)).toBe('DecideCaseSuccess');
  return decided.data.decideCase.decision.id;
}

async function appeal(decisionId: string, account: string): Promise<string> {
  const res = await server.gql(
    `mutation($i: SubmitAppealInput!) { submitAppeal(input: $i) { __typename ... on Error { message } ... on SubmitAppealSuccess { appeal { id } } } }`,
    { i: { decisionId, appellantAccountId: account, statement: 'placeholder statement' } },
    { token: t.platform },
  );
  expect(res.data.submitAppeal.__typename, JSON.stringify(res.data)).toBe('SubmitAppealSuccess');
  return res.data.submitAppeal.appeal.id;
}

const history = (who: string | undefined, id: string, variables: Record<string, unknown> = {}) =>
  server.gql(HISTORY, { id, ...variables }, who ? { token: who } : {});

const caseRow = (id: string) => server.app.db.prisma.case.findUniqueOrThrow({ where: { id }, select: { priority: true, priorViolations: true, slaDueAt: true, createdAt: true } });
const priorityReason = async (id: string) =>
  (await server.gql(`query($id: ID!) { case(id: $id) { priority priorityReason } }`, { id }, { token: t.lead })).data.case;

// Account A: two altercation cases (one decided), one exploitation and one abuse-media case, each decided as violating
// (the abuse-media decision records a strike); the altercation and the exploitation decisions are under appeal.
const A = `account-${hex(5)}`;
const a = {} as Record<'m1' | 'm2' | 'c1' | 'p1' | 'm1Decision' | 'c1Decision' | 'p1Decision' | 'm1Appeal' | 'c1Appeal', string>;

beforeAll(async () => {
  server = await startServer();
  t.reviewer = await token('ah-reviewer', ['REVIEWER']);
  t.specialist = await token('ah-specialist', ['CHILD_SAFETY_SPECIALIST']);
  t.appeals = await token('ah-appeals', ['APPEALS_REVIEWER']);
  t.lead = await token('ah-lead', ['LEAD']);
  t.liaison = await token('ah-liaison', ['LAW_ENFORCEMENT_LIAISON']);
  t.admin = await token('ah-admin', ['ADMIN']);
  t.analyst = await token('ah-analyst', ['ANALYST']);
  t.platform = await token('ah-platform', ['PLATFORM'], 'Platform');
  a.m1 = await file('MINOR_PHYSICAL_ALTERCATION', A);
  a.c1 = await file('CHILD_SEXUAL_EXPLOITATION', A);
  a.p1 = await file('PHYSICAL_CHILD_ABUSE_MEDIA', A);
  a.m1Decision = await decideViolating(a.m1, 'MINOR_PHYSICAL_ALTERCATION');
  a.c1Decision = await decideViolating(a.c1, 'CHILD_SEXUAL_EXPLOITATION');
  a.p1Decision = await decideViolating(a.p1, 'PHYSICAL_CHILD_ABUSE_MEDIA');
  a.m1Appeal = await appeal(a.m1Decision, A);
  a.c1Appeal = await appeal(a.c1Decision, A);
  a.m2 = await file('MINOR_PHYSICAL_ALTERCATION', A);
});
afterAll(() => server?.close());

const ids = (edges: Array<{ node: { id: string } }>) => edges.map((e) => e.node.id).sort();
const sorted = (xs: string[]) => [...xs].sort();

describe('reportedAccount(id): each role gets what it may read', () => {
  it('specialists, leads and law-enforcement liaisons see every case, decision, strike and open appeal', async () => {
    for (const who of [t.specialist, t.lead, t.liaison]) {
      const res = await history(who, A);
      expect(res.errors).toBeUndefined();
      const h = res.data.reportedAccount;
      expect(h.id).toBe(A);
      expect(ids(h.cases.edges)).toEqual(sorted([a.m1, a.m2, a.c1, a.p1]));
      expect(h.cases.totalCount).toBe(4);
      expect(h.decisions.map((d: { id: string }) => d.id).sort()).toEqual(sorted([a.m1Decision, a.c1Decision, a.p1Decision]));
      expect(h.strikes).toEqual([expect.objectContaining({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', active: true })]);
      expect(h.openAppeals.map((x: { id: string }) => x.id).sort()).toEqual(sorted([a.m1Appeal, a.c1Appeal]));
      expect(h).toMatchObject({ violationCount: 3, repeatOffender: true, repeatOffenceThreshold: 2 });
    }
  });

  it('a reviewer and an appeals reviewer see only altercation cases: the others are absent and counted nowhere', async () => {
    for (const who of [t.reviewer, t.appeals]) {
      const res = await history(who, A);
      expect(res.errors).toBeUndefined();
      const h = res.data.reportedAccount;
      expect(ids(h.cases.edges)).toEqual(sorted([a.m1, a.m2]));
      expect(h.cases.totalCount).toBe(2);
      expect(h.decisions.map((d: { id: string }) => d.id)).toEqual([a.m1Decision]);
      expect(h.strikes).toEqual([]);
      expect(h.openAppeals.map((x: { id: string }) => x.id)).toEqual([a.m1Appeal]);
      // One visible violation: below the threshold, whatever the hidden cases hold.
      expect(h).toMatchObject({ violationCount: 1, repeatOffender: false });
      expect(JSON.stringify(res.data)).not.toContain(a.c1);
      expect(JSON.stringify(res.data)).not.toContain(a.p1Decision);
    }
  });

  it('an admin, who reads no case content, gets an empty history, as cases(filter: {reportedAccountId}) gives', async () => {
    const res = await history(t.admin, A);
    expect(res.errors).toBeUndefined();
    expect(res.data.reportedAccount).toMatchObject({ cases: { totalCount: 0, edges: [] }, decisions: [], strikes: [], openAppeals: [], violationCount: 0, repeatOffender: false });
  });

  it('analysts and the platform are refused; an anonymous caller must sign in', async () => {
    for (const who of [t.analyst, t.platform]) {
      const res = await history(who, A);
      expect(res.data?.reportedAccount ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const anonymous = await history(undefined, A);
    expect(anonymous.data?.reportedAccount ?? null).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an unknown account is an empty history; a bad id is a typed error', async () => {
    const res = await history(t.lead, `account-${hex(5)}`);
    expect(res.data.reportedAccount).toMatchObject({ cases: { totalCount: 0 }, decisions: [], violationCount: 0 });
    for (const id of ['', '   ', 'x'.repeat(257)]) {
      const bad = await history(t.lead, id);
      expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    }
  });

  it("the reviewer UI's AccountHistory operation (test/contract/reviewer.graphql), sent unchanged", async () => {
    const document = await clientOperations('reviewer.graphql');
    const res = await server.fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.reviewer}` },
      body: JSON.stringify({ query: document, operationName: 'AccountHistory', variables: { id: A, first: 10 } }),
    });
    const body = (await res.json()) as { data: any; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const h = body.data.reportedAccount;
    expect(h).toMatchObject({ id: A, violationCount: 1, repeatOffender: false, repeatOffenceThreshold: 2, strikes: [] });
    expect(ids(h.cases.edges)).toEqual(sorted([a.m1, a.m2]));
    expect(h.cases.edges.find((e: { node: { id: string } }) => e.node.id === a.m1).node.decision).toMatchObject({ id: a.m1Decision, reversedAt: null });
    expect(h.openAppeals).toEqual([expect.objectContaining({ id: a.m1Appeal, status: 'PENDING' })]);
  });

  it('pages cases newest first without gaps or duplicates', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const res = await history(t.lead, A, { first: 1, after });
      expect(res.errors).toBeUndefined();
      const page = res.data.reportedAccount.cases;
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([a.m2, a.p1, a.c1, a.m1]);
    expect((await history(t.lead, A, { first: 0 })).errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('a decision reversed on appeal stops counting', async () => {
    const B = `account-${hex(5)}`;
    const one = await file('MINOR_PHYSICAL_ALTERCATION', B);
    const decision = await decideViolating(one, 'MINOR_PHYSICAL_ALTERCATION');
    expect((await history(t.reviewer, B)).data.reportedAccount.violationCount).toBe(1);
    const appealId = await appeal(decision, B);
    const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename ... on Error { message } } }`, { id: one }, { token: t.appeals });
    expect(claimed.data.claimCase.__typename, JSON.stringify(claimed.data)).toBe('ClaimCaseSuccess');
    const decided = await server.gql(
      `mutation($i: DecideAppealInput!) { decideAppeal(input: $i) { __typename ... on Error { message } } }`,
      { i: { appealId, outcome: 'OVERTURNED', reason: 'placeholder reason' } },
      { token: t.appeals },
    );
    expect(decided.data.decideAppeal.__typename, JSON.stringify(decided.data)).toBe('DecideAppealSuccess');
    const h = (await history(t.reviewer, B)).data.reportedAccount;
    expect(h).toMatchObject({ violationCount: 0, openAppeals: [] });
    expect(h.decisions[0].reversedAt).not.toBeNull();
  });
});

describe('the repeat-offence threshold raises new cases about the account', () => {
  it('one violation below the threshold raises nothing; at the threshold the new case is one step up, with its reason', async () => {
    const C = `account-${hex(5)}`;
    await decideViolating(await file('MINOR_PHYSICAL_ALTERCATION', C), 'MINOR_PHYSICAL_ALTERCATION');
    const below = await file('MINOR_PHYSICAL_ALTERCATION', C);
    expect(await caseRow(below)).toMatchObject({ priority: 3, priorViolations: 1 });
    expect(await priorityReason(below)).toEqual({ priority: 'P3', priorityReason: null });

    await decideViolating(await file('MINOR_PHYSICAL_ALTERCATION', C), 'MINOR_PHYSICAL_ALTERCATION');
    const at = await file('MINOR_PHYSICAL_ALTERCATION', C);
    const row = await caseRow(at);
    expect(row).toMatchObject({ priority: 2, priorViolations: 2 });
    expect(row.slaDueAt.getTime() - row.createdAt.getTime()).toBe(12 * 60 * 60_000);
    const shown = await priorityReason(at);
    expect(shown.priority).toBe('P2');
    expect(shown.priorityReason).toMatch(/2 earlier cases.*threshold 2/);
    const opened = await server.app.db.prisma.auditEvent.findFirstOrThrow({ where: { caseId: at, action: 'case.opened' } });
    expect(opened.changes).toMatchObject({ priority: { to: 2 }, priorityReason: { to: 'REPEAT_OFFENDER' }, priorViolations: { to: 2 } });
    expect((await history(t.reviewer, C)).data.reportedAccount).toMatchObject({ violationCount: 2, repeatOffender: true });

    // The unit-of-work path (a report with media hashes) raises alike.
    const hashed = await file('MINOR_PHYSICAL_ALTERCATION', C, { mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }] });
    expect(await caseRow(hashed)).toMatchObject({ priority: 2, priorViolations: 2 });
    // An account id with quotes and backslashes travels as an escaped literal in BEGIN's round trip.
    const odd = `acct-'\\"; SELECT 1; -- ${hex(3)}`;
    const oddCase = await file('MINOR_PHYSICAL_ALTERCATION', odd);
    expect(await caseRow(oddCase)).toMatchObject({ priority: 3, priorViolations: 0 });
    expect(ids((await history(t.reviewer, odd)).data.reportedAccount.cases.edges)).toEqual([oddCase]);
    // A report on an account with no history, or naming none, is not raised.
    expect(await caseRow(await file('MINOR_PHYSICAL_ALTERCATION', `account-${hex(5)}`))).toMatchObject({ priority: 3, priorViolations: 0 });
  });

  it("violations in categories the new case's handlers may not see do not raise it (nor tell them they exist)", async () => {
    const D = `account-${hex(5)}`;
    await decideViolating(await file('CHILD_SEXUAL_EXPLOITATION', D), 'CHILD_SEXUAL_EXPLOITATION');
    await decideViolating(await file('CHILD_SEXUAL_EXPLOITATION', D), 'CHILD_SEXUAL_EXPLOITATION');
    const altercation = await file('MINOR_PHYSICAL_ALTERCATION', D);
    expect(await caseRow(altercation)).toMatchObject({ priority: 3, priorViolations: 0 });
    const seen = await server.gql(`query($id: ID!) { case(id: $id) { priority priorityReason } }`, { id: altercation }, { token: t.reviewer });
    expect(seen.data.case).toEqual({ priority: 'P3', priorityReason: null });
    // An abuse-media case is handled by specialists, who see the exploitation cases: it is raised from P2 to P1.
    const abuse = await file('PHYSICAL_CHILD_ABUSE_MEDIA', D);
    expect(await caseRow(abuse)).toMatchObject({ priority: 1, priorViolations: 2 });
    expect((await priorityReason(abuse)).priorityReason).toMatch(/threshold/);
  });

  it('a report folding into an open case counts again, and raises it once the account crosses the threshold', async () => {
    const E = `account-${hex(5)}`;
    const contentId = `content-${hex(6)}`;
    const open = await file('MINOR_PHYSICAL_ALTERCATION', E, { contentId });
    expect(await caseRow(open)).toMatchObject({ priority: 3, priorViolations: 0 });
    await decideViolating(await file('MINOR_PHYSICAL_ALTERCATION', E), 'MINOR_PHYSICAL_ALTERCATION');
    await decideViolating(await file('MINOR_PHYSICAL_ALTERCATION', E), 'MINOR_PHYSICAL_ALTERCATION');
    const folded = await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { __typename } }`, {
      i: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', reportedAccountId: E },
    });
    expect(folded.data.submitReport.__typename).toBe('SubmitReportSuccess');
    expect(await caseRow(open)).toMatchObject({ priority: 2, priorViolations: 2 });
    expect((await priorityReason(open)).priorityReason).toMatch(/threshold/);
  });
});

describe('indexes', () => {
  it('every statement of the history query reads indexes (sequential scans off, as in test/cases.test.ts)', async () => {
    const recorded: Array<{ text: string; values: unknown[] }> = [];
    const originalQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as { text?: string; values?: unknown[] } | string;
      if (typeof q === 'object' && q.text && /FROM "public"\."(Case|Decision|Appeal|AccountStrike)"/.test(q.text)) recorded.push({ text: q.text, values: q.values ?? [] });
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof originalQuery;
    try {
      for (const who of [t.lead, t.reviewer]) expect((await history(who, A)).errors).toBeUndefined();
    } finally {
      pg.Client.prototype.query = originalQuery;
    }
    expect(recorded.length).toBeGreaterThanOrEqual(10);
    const tables = new Set<string>();
    for (const statement of recorded) {
      const plan = JSON.stringify(
        await server.app.db.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
          return tx.$queryRawUnsafe(`EXPLAIN (FORMAT JSON) ${statement.text}`, ...statement.values);
        }),
      );
      expect(plan, statement.text).not.toContain('"Seq Scan"');
      for (const m of plan.matchAll(/"Index Name":"([^"]+)"/g)) tables.add(m[1]!);
    }
    expect([...tables]).toEqual(expect.arrayContaining(['Case_reportedAccountId_createdAt_id_idx']));
  });

  it('the intake statement counts the account in the round trip that begins the transaction: still three statements', async () => {
    const recorded: string[] = [];
    const originalQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text);
      if (!text.startsWith('LISTEN ')) recorded.push(text);
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof originalQuery;
    try {
      await file('MINOR_PHYSICAL_ALTERCATION', A);
    } finally {
      pg.Client.prototype.query = originalQuery;
    }
    const intake = recorded.slice(0, 3);
    expect(intake[0]).toMatch(/^BEGIN; SELECT pg_advisory_xact_lock[\s\S]*count\(DISTINCT c\."id"\)/);
    expect(intake[1]).toMatch(/INSERT INTO "AuditEvent"/);
    expect(intake[2]).toBe('COMMIT');
  });
});
