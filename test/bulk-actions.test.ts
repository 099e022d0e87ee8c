// Bulk actions (issue 25): a lead releases, moves (or re-prioritises) or closes as duplicate many cases at once, by id
// or by a `cases` filter, with a typed result per case; each change audited and published like one made singly, a bad
// id never aborting the rest, at most 1,000 cases, and a retry answered from its idempotency key or left unchanged.
// Runs on PostgreSQL too (DATABASE_URL), where the bulk release races real concurrent claims.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { readSse } from './support/sse.js';
import { ROLES, type Role } from '../src/policy/index.js';

let server: TestServer;
let lead: string;
beforeAll(async () => {
  server = await startServer();
  lead = await staff('bulk-lead', ['LEAD']);
});
afterAll(() => server?.close());

const RESULT = `__typename
  ... on BulkCaseActionSuccess { replayed doneCount unchangedCount refusedCount results { caseId outcome error { __typename code message ... on VersionConflictError { currentVersion } } } }
  ... on BulkLimitExceededError { limit } ... on ValidationError { fields { path message } } ... on Error { code message }`;
const RELEASE = `mutation($input: BulkReleaseCasesInput!) { bulkReleaseCases(input: $input) { ${RESULT} } }`;
const MOVE = `mutation($input: BulkMoveCasesInput!) { bulkMoveCases(input: $input) { ${RESULT} } }`;
const CLOSE = `mutation($input: BulkCloseCasesAsDuplicateInput!) { bulkCloseCasesAsDuplicate(input: $input) { ${RESULT} } }`;
const CLAIM_NEXT = `mutation($queue: QueueName!) { claimNextCase(queue: $queue) { __typename ... on ClaimNextCaseSuccess { case { id } } ... on Error { code } } }`;

async function staff(sub: string, roles: Role[]) {
  const bearer = await token(sub, roles, `Placeholder ${sub}`);
  expect((await server.gql('{ me { id } }', {}, { token: bearer })).data.me.id).toBe(sub);
  return bearer;
}

async function file(category = 'MINOR_PHYSICAL_ALTERCATION', extra: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
  const res = await server.gql(
    `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`,
    { input: { contentId: `content-${hex(4)}`, category, description: 'placeholder description', ...extra } },
  );
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const report = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id }, include: { case: true } });
  return { id: report.caseId, version: report.case.version };
}

async function bulk(document: string, input: Record<string, unknown>, bearer = lead) {
  const res = await server.gql(document, { input }, { token: bearer });
  expect(res.errors).toBeUndefined();
  return Object.values(res.data)[0] as any;
}

const stored = (id: string) => server.app.db.prisma.case.findUniqueOrThrow({ where: { id } });
const headSeq = async () => (await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
const drain = (queue: string) =>
  server.app.db.prisma.case.updateMany({ where: { queue: queue as never, status: { in: ['OPEN', 'IN_REVIEW'] } }, data: { status: 'CLOSED', assigneeId: null, leaseExpiresAt: null } });

/** A waiting case a lead has given to the reviewer `sub` (assignCase: their lease). */
async function held(sub: string) {
  const c = await file();
  const res = await server.gql(
    `mutation($caseId: ID!, $reviewerId: ID!, $v: Int!) { assignCase(caseId: $caseId, reviewerId: $reviewerId, expectedVersion: $v) { __typename } }`,
    { caseId: c.id, reviewerId: sub, v: c.version },
    { token: lead },
  );
  expect(res.data.assignCase.__typename).toBe('AssignCaseSuccess');
  return stored(c.id);
}

describe('who may', () => {
  it('only a lead: every other role is ForbiddenError and a caller without a token NotAuthenticatedError, as union members, with nothing changed', async () => {
    await staff('bulk-who-reviewer', ['REVIEWER']);
    const c = await held('bulk-who-reviewer');
    const before = await headSeq();
    for (const role of ROLES.filter((r) => r !== 'LEAD')) {
      const bearer = await token(`bulk-who-${role.toLowerCase()}`, [role]);
      for (const [document, input] of [
        [RELEASE, { select: { cases: [{ id: c.id }] } }],
        [MOVE, { select: { cases: [{ id: c.id }] }, priority: 'P0', reason: 'placeholder reason' }],
        [CLOSE, { select: { cases: [{ id: c.id }] }, duplicateOfId: randomUUID() }],
      ] as const) {
        expect(await bulk(document, input, bearer), role).toMatchObject({ __typename: 'ForbiddenError', message: 'Not authorized' });
      }
    }
    const anonymous = await server.gql(RELEASE, { input: { select: { cases: [{ id: c.id }] } } });
    expect(anonymous.data.bulkReleaseCases).toMatchObject({ __typename: 'NotAuthenticatedError' });
    expect(await headSeq()).toBe(before);
    expect(await stored(c.id)).toMatchObject({ status: 'IN_REVIEW', assigneeId: 'bulk-who-reviewer', version: c.version });
    // The lead may.
    expect(await bulk(RELEASE, { select: { cases: [{ id: c.id }] } })).toMatchObject({ __typename: 'BulkCaseActionSuccess', doneCount: 1, results: [{ caseId: c.id, outcome: 'DONE', error: null }] });
  });

  it('a lead whose LEAD role an admin withdrew is refused, whatever their token says, even a replay of their own key', async () => {
    const former = await staff('bulk-former-lead', ['LEAD']);
    const admin = await staff('bulk-admin', ['ADMIN']);
    await staff('bulk-former-reviewer', ['REVIEWER']);
    const c = await held('bulk-former-reviewer');
    const input = { select: { cases: [{ id: c.id }] }, priority: 'P2', reason: 'placeholder reason', idempotencyKey: `former-${hex(6)}` };
    expect(await bulk(MOVE, input, former)).toMatchObject({ __typename: 'BulkCaseActionSuccess', doneCount: 1 });
    const set = `mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename } }`;
    const revoke = await server.gql(set, { input: { reviewerId: 'bulk-former-lead', revokedRoles: ['LEAD'], suspended: false } }, { token: admin });
    expect(revoke.data.setReviewerAccess.__typename).toMatch(/Success$/);
    const before = await headSeq();
    expect(await bulk(MOVE, input, former)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await headSeq()).toBe(before);
    expect(await bulk(MOVE, { ...input, priority: 'P3' }, former)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await headSeq()).toBe(before);
    expect(await stored(c.id)).toMatchObject({ version: c.version + 1, priority: 2 });
  });

  it('refuses a request without exactly one selection, or with a bad key or reason, as ValidationError before any case', async () => {
    const c = await file();
    const before = await headSeq();
    expect(await bulk(RELEASE, { select: {} })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'select' }] });
    expect(await bulk(RELEASE, { select: { cases: [{ id: c.id }], filter: {} } })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'select' }] });
    expect(await bulk(RELEASE, { select: { cases: [] } })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'select.cases' }] });
    expect(await bulk(RELEASE, { select: { cases: [{ id: c.id }] }, idempotencyKey: 'short' })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'idempotencyKey' }] });
    expect(await bulk(MOVE, { select: { cases: [{ id: c.id }] }, priority: 'P0', reason: '  ' })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'reason' }] });
    expect(await bulk(MOVE, { select: { cases: [{ id: c.id }] }, reason: 'placeholder reason' })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'queue' }] });
    expect(await bulk(CLOSE, { select: { cases: [{ id: c.id }] }, duplicateOfId: randomUUID() })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await headSeq()).toBe(before);
  });
});

describe('mixed outcomes', () => {
  it('a bulk release answers each case: done, already free, missing, malformed, decided, stale version; the bad ones abort nothing', async () => {
    await staff('bulk-mixed-reviewer', ['REVIEWER']);
    const first = await held('bulk-mixed-reviewer');
    const stale = await held('bulk-mixed-reviewer');
    const last = await held('bulk-mixed-reviewer');
    const free = await file();
    const decided = await file();
    await server.app.db.prisma.case.update({ where: { id: decided.id }, data: { status: 'DECIDED', decidedAt: new Date() } });
    const missing = randomUUID();
    const res = await bulk(RELEASE, {
      select: {
        cases: [
          { id: first.id, expectedVersion: first.version },
          { id: missing },
          { id: 'not-a-uuid' },
          { id: decided.id },
          { id: stale.id, expectedVersion: stale.version - 1 },
          { id: free.id },
          { id: last.id },
          { id: first.id },
        ],
      },
    });
    expect(res).toMatchObject({ __typename: 'BulkCaseActionSuccess', replayed: false, doneCount: 2, unchangedCount: 1, refusedCount: 4 });
    // Each id once, in the order given.
    expect(res.results.map((r: { caseId: string; outcome: string; error: { __typename: string } | null }) => [r.caseId, r.outcome, r.error?.__typename ?? null])).toEqual([
      [first.id, 'DONE', null],
      [missing, 'REFUSED', 'NotFoundError'],
      ['not-a-uuid', 'REFUSED', 'NotFoundError'],
      [decided.id, 'REFUSED', 'InvalidTransitionError'],
      [stale.id, 'REFUSED', 'VersionConflictError'],
      [free.id, 'UNCHANGED', null],
      [last.id, 'DONE', null],
    ]);
    expect(res.results[4].error.currentVersion).toBe(stale.version);
    expect(await stored(first.id)).toMatchObject({ status: 'OPEN', assigneeId: null, version: first.version + 1 });
    expect(await stored(last.id)).toMatchObject({ status: 'OPEN', assigneeId: null });
    expect(await stored(stale.id)).toMatchObject({ status: 'IN_REVIEW', assigneeId: 'bulk-mixed-reviewer', version: stale.version });
    expect(await stored(free.id)).toMatchObject({ status: 'OPEN', version: free.version });
    expect(await stored(decided.id)).toMatchObject({ status: 'DECIDED' });
  });

  it('a bulk move refuses an appeal and a closed case and moves the rest; one already there is unchanged', async () => {
    const a = await file();
    const b = await file();
    const there = await file();
    await server.app.db.prisma.case.update({ where: { id: there.id }, data: { queue: 'IMMEDIATE_RISK', priority: 0 } });
    const appealed = await file();
    await server.app.db.prisma.case.update({ where: { id: appealed.id }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    const closed = await file();
    await server.app.db.prisma.case.update({ where: { id: closed.id }, data: { status: 'CLOSED' } });
    const res = await bulk(MOVE, { select: { cases: [a, appealed, there, closed, b].map((c) => ({ id: c.id })) }, queue: 'IMMEDIATE_RISK', priority: 'P0', reason: 'placeholder reason' });
    expect(res.results.map((r: { outcome: string; error: { __typename: string } | null }) => [r.outcome, r.error?.__typename ?? null])).toEqual([
      ['DONE', null],
      ['REFUSED', 'InvalidTransitionError'],
      ['UNCHANGED', null],
      ['REFUSED', 'InvalidTransitionError'],
      ['DONE', null],
    ]);
    for (const c of [a, b]) expect(await stored(c.id)).toMatchObject({ queue: 'IMMEDIATE_RISK', priority: 0, version: c.version + 1 });
    expect(await stored(appealed.id)).toMatchObject({ queue: 'APPEALS', status: 'APPEALED' });
  });

  it('closes as duplicate: held and waiting cases close, naming the original; the original itself and a decided case are refused', async () => {
    const reviewer = await staff('bulk-dup-reviewer', ['REVIEWER']);
    const original = await file();
    const heldCase = await held('bulk-dup-reviewer');
    const waiting = await file();
    const decided = await file();
    await server.app.db.prisma.case.update({ where: { id: decided.id }, data: { status: 'DECIDED' } });
    const res = await bulk(CLOSE, { select: { cases: [heldCase, waiting, original, decided].map((c) => ({ id: c.id })) }, duplicateOfId: original.id });
    expect(res.results.map((r: { outcome: string; error: { __typename: string } | null }) => [r.outcome, r.error?.__typename ?? null])).toEqual([
      ['DONE', null],
      ['DONE', null],
      ['REFUSED', 'ValidationError'],
      ['REFUSED', 'InvalidTransitionError'],
    ]);
    for (const c of [heldCase, waiting]) {
      expect(await stored(c.id)).toMatchObject({ status: 'CLOSED', duplicateOfId: original.id, assigneeId: null, leaseExpiresAt: null });
    }
    const read = await server.gql(`query($id: ID!) { case(id: $id) { status duplicateOf { id status } } }`, { id: waiting.id }, { token: reviewer });
    expect(read.data.case).toEqual({ status: 'CLOSED', duplicateOf: { id: original.id, status: 'OPEN' } });
    // A case closed as a duplicate stands for nothing: it cannot be named as the original.
    expect(await bulk(CLOSE, { select: { cases: [{ id: original.id }] }, duplicateOfId: waiting.id })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'duplicateOfId' }] });
    // The reviewer who held it can no longer work it.
    const renew = await server.gql(`mutation($id: ID!) { renewLease(caseId: $id) { __typename } }`, { id: heldCase.id }, { token: reviewer });
    expect(renew.data.renewLease.__typename).toBe('InvalidTransitionError');
  });
});

describe('what may be closed as a duplicate', () => {
  const outcomes = (res: { results: Array<{ outcome: string; error: { __typename: string; message: string } | null }> }) =>
    res.results.map((r) => [r.outcome, r.error?.__typename ?? null]);

  it('only a case of the same category as the original: another category is refused, typed, and the case stays open', async () => {
    const original = await file('MINOR_PHYSICAL_ALTERCATION');
    const other = await file('PHYSICAL_CHILD_ABUSE_MEDIA');
    const same = await file('MINOR_PHYSICAL_ALTERCATION');
    const res = await bulk(CLOSE, { select: { cases: [{ id: other.id }, { id: same.id }] }, duplicateOfId: original.id });
    expect(outcomes(res)).toEqual([
      ['REFUSED', 'InvalidTransitionError'],
      ['DONE', null],
    ]);
    expect(res.results[0].error.message).toMatch(/same category/);
    expect(await stored(other.id)).toMatchObject({ status: 'OPEN', duplicateOfId: null, version: other.version });
  });

  it('never a child sexual exploitation case, nor any case with a child at immediate risk, even of an original in the same category: it must be decided', async () => {
    const cseOriginal = await file('CHILD_SEXUAL_EXPLOITATION');
    const cse = await file('CHILD_SEXUAL_EXPLOITATION');
    const cseAtRisk = await file('CHILD_SEXUAL_EXPLOITATION', { childAtImmediateRisk: true });
    const altercation = await file('MINOR_PHYSICAL_ALTERCATION');
    const atRisk = await file('MINOR_PHYSICAL_ALTERCATION', { childAtImmediateRisk: true });
    const before = await headSeq();
    const toCse = await bulk(CLOSE, { select: { cases: [{ id: cse.id }, { id: cseAtRisk.id }] }, duplicateOfId: cseOriginal.id });
    expect(outcomes(toCse)).toEqual([
      ['REFUSED', 'InvalidTransitionError'],
      ['REFUSED', 'InvalidTransitionError'],
    ]);
    for (const r of toCse.results) expect(r.error.message).toMatch(/must be decided/);
    const toAltercation = await bulk(CLOSE, { select: { cases: [{ id: cseAtRisk.id }, { id: atRisk.id }] }, duplicateOfId: altercation.id });
    expect(outcomes(toAltercation)).toEqual([
      ['REFUSED', 'InvalidTransitionError'],
      ['REFUSED', 'InvalidTransitionError'],
    ]);
    expect(toAltercation.results[1].error.message).toMatch(/immediate risk/);
    for (const c of [cse, cseAtRisk, atRisk]) expect(await stored(c.id)).toMatchObject({ status: 'OPEN', duplicateOfId: null, closedAt: null, version: c.version });
    // Nothing but the two bulk records was written.
    expect(await headSeq()).toBe(before + 2n);
  });

  it('no chains: a case that other cases name as their original is not itself closed as a duplicate', async () => {
    const original = await file();
    const duplicate = await file();
    const third = await file();
    expect(outcomes(await bulk(CLOSE, { select: { cases: [{ id: duplicate.id }] }, duplicateOfId: original.id }))).toEqual([['DONE', null]]);
    const res = await bulk(CLOSE, { select: { cases: [{ id: original.id }] }, duplicateOfId: third.id });
    expect(outcomes(res)).toEqual([['REFUSED', 'InvalidTransitionError']]);
    expect(res.results[0].error.message).toMatch(/original/);
    expect(await stored(original.id)).toMatchObject({ status: 'OPEN', duplicateOfId: null, version: original.version });
  });

  it('no chains under concurrency: closing a case as a duplicate of X while X is closed as a duplicate of another, one of the two is refused', async () => {
    for (let round = 0; round < 8; round++) {
      const [x, y, z] = [await file(), await file(), await file()];
      const [yToX, xToZ] = await Promise.all([
        bulk(CLOSE, { select: { cases: [{ id: y.id }] }, duplicateOfId: x.id }),
        bulk(CLOSE, { select: { cases: [{ id: x.id }] }, duplicateOfId: z.id }),
      ]);
      const done = [yToX, xToZ].filter((r) => r.results[0].outcome === 'DONE');
      expect(done, JSON.stringify([yToX, xToZ])).toHaveLength(1);
      const [storedX, storedY] = [await stored(x.id), await stored(y.id)];
      expect(storedX.duplicateOfId !== null && storedY.duplicateOfId !== null).toBe(false);
    }
  });
});

describe('selection by filter', () => {
  it('acts on exactly the cases a `cases` filter matches, newest first', async () => {
    const account = `account-${hex(4)}`;
    const matching = [await file('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: account }), await file('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: account })];
    const decided = await file('MINOR_PHYSICAL_ALTERCATION', { reportedAccountId: account });
    const decidedPriority = (await server.app.db.prisma.case.update({ where: { id: decided.id }, data: { status: 'DECIDED' } })).priority;
    const other = await file();
    const res = await bulk(MOVE, { select: { filter: { reportedAccountId: account, status: ['OPEN'] } }, priority: 'P1', reason: 'placeholder reason' });
    expect(res.results.map((r: { caseId: string }) => r.caseId)).toEqual([matching[1]!.id, matching[0]!.id]);
    expect(res.doneCount).toBe(2);
    for (const c of matching) expect((await stored(c.id)).priority).toBe(1);
    expect(await stored(other.id)).toMatchObject({ version: other.version });
    expect(await stored(decided.id)).toMatchObject({ status: 'DECIDED', priority: decidedPriority });
    expect(decidedPriority).not.toBe(1);
  });

  it('more than 1,000 cases, by filter or by id, is BulkLimitExceededError with nothing changed; 1,000 is allowed', async () => {
    const from = new Date('2001-01-01T00:00:00Z');
    const rows = Array.from({ length: 1001 }, (_, i) => ({
      contentId: `content-${hex(6)}`,
      category: 'MINOR_PHYSICAL_ALTERCATION' as const,
      queue: 'MINOR_PHYSICAL_ALTERCATION' as const,
      priority: 3,
      slaDueAt: new Date(from.getTime() + 86_400_000),
      createdAt: new Date(from.getTime() + i * 1000),
    }));
    await server.app.db.prisma.case.createMany({ data: rows });
    const window = { from: from.toISOString(), to: new Date(from.getTime() + 1001 * 1000).toISOString() };
    const before = await headSeq();
    expect(await bulk(MOVE, { select: { filter: { createdAt: window } }, priority: 'P0', reason: 'placeholder reason' })).toMatchObject({ __typename: 'BulkLimitExceededError', limit: 1000 });
    const ids = Array.from({ length: 1001 }, () => ({ id: randomUUID() }));
    expect(await bulk(RELEASE, { select: { cases: ids } })).toMatchObject({ __typename: 'BulkLimitExceededError', limit: 1000 });
    expect(await headSeq()).toBe(before);
    expect(await server.app.db.prisma.case.count({ where: { createdAt: { gte: from, lt: new Date(window.to) }, priority: 0 } })).toBe(0);
    // One fewer fits: every one of them is answered (nobody holds them, so a release leaves each as it is).
    const fits = await bulk(RELEASE, { select: { filter: { createdAt: { ...window, to: new Date(from.getTime() + 1000 * 1000).toISOString() } } } });
    expect(fits).toMatchObject({ __typename: 'BulkCaseActionSuccess', unchangedCount: 1000, doneCount: 0, refusedCount: 0 });
  }, 120_000);
});

describe('retries', () => {
  it('with an idempotency key: the first answer again, nothing written; the key with another request is refused', async () => {
    await staff('bulk-retry-reviewer', ['REVIEWER']);
    const original = await file();
    const a = await held('bulk-retry-reviewer');
    const b = await file();
    const input = { select: { cases: [{ id: a.id }, { id: randomUUID() }, { id: b.id, expectedVersion: b.version }] }, duplicateOfId: original.id, idempotencyKey: `bulk-${hex(8)}` };
    const first = await bulk(CLOSE, input);
    expect(first).toMatchObject({ replayed: false, doneCount: 2, refusedCount: 1 });
    const before = await headSeq();
    const again = await bulk(CLOSE, input);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await headSeq()).toBe(before);
    expect(await bulk(CLOSE, { ...input, select: { cases: [{ id: a.id }] } })).toMatchObject({ __typename: 'IdempotencyConflictError' });
    // Another lead's key of the same name is their own.
    const other = await staff('bulk-retry-lead', ['LEAD']);
    expect(await bulk(CLOSE, input, other)).toMatchObject({ replayed: false, doneCount: 0, unchangedCount: 2, refusedCount: 1 });
  });

  it('without a key: each case already done is UNCHANGED and nothing is written for it', async () => {
    // Held by a specialist, who may work the immediate-risk queue and so keeps the case through the move.
    await staff('bulk-retry2-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const a = await held('bulk-retry2-specialist');
    const b = await file();
    const move = { select: { cases: [{ id: a.id }, { id: b.id }] }, queue: 'IMMEDIATE_RISK', reason: 'placeholder reason' };
    expect(await bulk(MOVE, move)).toMatchObject({ doneCount: 2 });
    expect(await bulk(MOVE, move)).toMatchObject({ doneCount: 0, unchangedCount: 2 });
    expect(await bulk(RELEASE, { select: { cases: [{ id: a.id }] } })).toMatchObject({ doneCount: 1 });
    expect(await bulk(RELEASE, { select: { cases: [{ id: a.id }] } })).toMatchObject({ doneCount: 0, unchangedCount: 1 });
    const events = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: a.id, action: { in: ['case.moved', 'case.released'] } } });
    expect(events.map((e) => e.action).sort()).toEqual(['case.moved', 'case.released']);
  });
});

describe('audit and live events', () => {
  it('each changed case gets its single-case audit event (same request id) and live events; the request one summary event', async () => {
    await drain('MINOR_PHYSICAL_ALTERCATION');
    const cases = [await file(), await file(), await file()];
    const unchanged = await file();
    await server.app.db.prisma.case.update({ where: { id: unchanged.id }, data: { priority: 0 } });
    const controller = new AbortController();
    const events: Array<{ kind: string; queue: string; case: { id: string } | null }> = [];
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${lead}` },
      body: JSON.stringify({ query: 'subscription { queueUpdates(queue: MINOR_PHYSICAL_ALTERCATION) { kind queue case { id } } }' }),
      signal: controller.signal,
    });
    const reading = readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    await new Promise((r) => setTimeout(r, 200));
    const before = await headSeq();

    const moved = await bulk(MOVE, { select: { cases: [...cases, unchanged].map((c) => ({ id: c.id })) }, priority: 'P0', reason: 'placeholder reason' });
    expect(moved).toMatchObject({ doneCount: 3, unchangedCount: 1 });
    const closed = await bulk(CLOSE, { select: { cases: [{ id: cases[1]!.id }, { id: cases[2]!.id }] }, duplicateOfId: cases[0]!.id });
    expect(closed).toMatchObject({ doneCount: 2 });
    const ids = cases.map((c) => c.id);
    await expect.poll(() => events.filter((e) => e.kind === 'UPDATED' && ids.includes(e.case?.id ?? '')).length, { timeout: 5000 }).toBe(3);
    await expect.poll(() => events.filter((e) => e.kind === 'RESOLVED').map((e) => e.case?.id).sort(), { timeout: 5000 }).toEqual([cases[1]!.id, cases[2]!.id].sort());
    expect(events.some((e) => e.case?.id === unchanged.id)).toBe(false);
    controller.abort();
    await reading;

    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.action, e.caseId, e.actorId])).toEqual([
      ...ids.map((id) => ['case.moved', id, 'bulk-lead']),
      ['case.bulk_action', null, 'bulk-lead'],
      ['case.closed_as_duplicate', cases[1]!.id, 'bulk-lead'],
      ['case.closed_as_duplicate', cases[2]!.id, 'bulk-lead'],
      ['case.bulk_action', null, 'bulk-lead'],
    ]);
    expect(audit[0]!.changes).toMatchObject({ reason: 'placeholder reason', priority: { to: 0 } });
    expect(audit[5]!.changes).toMatchObject({ duplicateOfId: cases[0]!.id, status: { from: 'OPEN', to: 'CLOSED' } });
    // One request: its events share the request id.
    expect(new Set(audit.slice(0, 4).map((e) => e.requestId)).size).toBe(1);
    expect(audit[3]!.changes).toMatchObject({ kind: 'MOVE', done: 3, unchanged: 1, refused: 0, results: ids.map((caseId) => ({ caseId, outcome: 'DONE' })).concat([{ caseId: unchanged.id, outcome: 'UNCHANGED' }]) });
  });
});

describe('concurrency', () => {
  it('a bulk release by filter racing the holder releasing and others claiming: no claim made since the selection is undone, no case held twice', async () => {
    await drain('MINOR_PHYSICAL_ALTERCATION');
    const holder = await staff('bulk-race-holder', ['REVIEWER']);
    const racers = [await staff('bulk-race-a', ['REVIEWER']), await staff('bulk-race-b', ['REVIEWER'])];
    for (let i = 0; i < 12; i++) await file();
    const heldIds: string[] = [];
    for (let i = 0; i < 8; i++) heldIds.push((await server.gql(CLAIM_NEXT, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: holder })).data.claimNextCase.case.id);
    const before = await headSeq();

    // The holder hands back their cases one by one while the others claim whatever waits, the released ones included.
    const handBack = (async () => {
      for (const id of heldIds) await server.gql(`mutation($id: ID!) { releaseCase(caseId: $id) { __typename } }`, { id }, { token: holder });
    })();
    const claims = racers.map(async (bearer) => {
      const got: string[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await server.gql(CLAIM_NEXT, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: bearer });
        if (res.data.claimNextCase.__typename === 'ClaimNextCaseSuccess') got.push(res.data.claimNextCase.case.id);
      }
      return got;
    });
    const [released, , ...claimed] = await Promise.all([bulk(RELEASE, { select: { filter: { assigneeId: 'bulk-race-holder' } } }), handBack, ...claims]);
    const won = claimed.flat();
    expect(new Set(won).size).toBe(won.length);
    // Each case the filter matched: released by the lead, left free by the holder, or refused as changed since.
    for (const r of released.results as Array<{ caseId: string; outcome: string; error: { __typename: string } | null }>) {
      expect(heldIds).toContain(r.caseId);
      expect([`DONE`, `UNCHANGED`, `REFUSED:VersionConflictError`]).toContain(r.outcome === 'REFUSED' ? `REFUSED:${r.error?.__typename}` : r.outcome);
    }
    // Every claim the racers won still stands: the bulk release never undid a claim made after its selection.
    const now = await server.app.db.prisma.case.findMany({ where: { id: { in: won } } });
    expect(now.map((c) => [c.status, won.includes(c.id) && ['bulk-race-a', 'bulk-race-b'].includes(c.assigneeId ?? '')])).toEqual(now.map(() => ['IN_REVIEW', true]));
    expect(await server.app.db.prisma.case.count({ where: { assigneeId: 'bulk-race-holder' } })).toBe(0);
    // Per case, claims and releases alternate in the audit chain: never two claims without a release between.
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { seq: { gt: before }, action: { in: ['case.claimed', 'case.released'] } }, orderBy: { seq: 'asc' } });
    const heldNow = new Map(heldIds.map((id) => [id, true]));
    for (const e of audit) {
      expect(heldNow.get(e.caseId!) ?? false, `${e.action} on ${e.caseId}`).toBe(e.action === 'case.released');
      heldNow.set(e.caseId!, e.action === 'case.claimed');
    }
    const byLead = audit.filter((e) => e.action === 'case.released' && e.actorId === 'bulk-lead').length;
    expect(byLead).toBe(released.doneCount);
    expect(byLead + audit.filter((e) => e.action === 'case.released' && e.actorId === 'bulk-race-holder').length).toBe(8);
  }, 60_000);
});
