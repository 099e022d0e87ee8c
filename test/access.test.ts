// Who may act on a case: every case-scoped write checks the caller's access as their reviewer record stands now against
// the case as it stands now, inside the transaction that writes. Reproduced through the public API.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ContractClient } from './support/client.js';
import { hex, startServer, token, TEST_SECRET, type TestServer } from './support/harness.js';
import { decideCase } from '../src/services/decisions.js';
import type { ServiceContext } from '../src/services/context.js';

let server: TestServer;
let client: ContractClient;
const t = {} as Record<'reviewer' | 'specialist' | 'lead' | 'admin', string>;

beforeAll(async () => {
  server = await startServer();
  client = await new ContractClient(server).load();
  t.reviewer = await token('acc-rev', ['REVIEWER'], 'Reviewer');
  t.specialist = await token('acc-spec', ['CHILD_SAFETY_SPECIALIST'], 'Specialist');
  t.lead = await token('acc-lead', ['LEAD'], 'Lead');
  t.admin = await token('acc-admin', ['ADMIN'], 'Admin');
  // Every caller has a reviewer record before an admin changes their access.
  for (const v of Object.values(t)) await server.gql('{ me { id } }', {}, { token: v });
});
const sockets: Array<{ dispose(): void | Promise<void> }> = [];
afterAll(async () => {
  for (const ws of sockets) await ws.dispose();
  await server?.close();
});

async function submit(input: Record<string, unknown>) {
  const res = await client.op('SubmitReport', { input: { description: 'placeholder description', ...input } });
  expect(res.errors).toBeUndefined();
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return res.data.submitReport;
}

const caseOf = async (reportId: string) =>
  (await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: reportId }, include: { case: true } })).case;

async function claim(queue: string, tokenValue: string, expectedCaseId: string) {
  const res = await client.op('ClaimNextCase', { queue }, tokenValue);
  expect(res.errors).toBeUndefined();
  expect(res.data.claimNextCase).toMatchObject({ __typename: 'ClaimNextCaseSuccess', case: { id: expectedCaseId } });
}

const renew = (caseId: string, tokenValue: string) =>
  server.gql(`mutation($id: ID!) { renewLease(caseId: $id) { __typename ... on Error { message code } } }`, { id: caseId }, { token: tokenValue }).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data.renewLease;
  });
const release = (caseId: string, tokenValue: string) =>
  server.gql(`mutation($id: ID!) { releaseCase(caseId: $id) { __typename ... on Error { message code } } }`, { id: caseId }, { token: tokenValue }).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data.releaseCase;
  });
const assess = (input: Record<string, unknown>, tokenValue: string) =>
  server.gql(`mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on Error { message code } } }`, { input }, { token: tokenValue }).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data.submitAssessment;
  });
const decide = (input: Record<string, unknown>, tokenValue: string) =>
  server.gql(`mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on Error { message code } } }`, { input }, { token: tokenValue }).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data.decideCase;
  });
const setAccess = (reviewerId: string, revokedRoles: string[], suspended = false) =>
  server
    .gql(`mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename ... on Error { message } } }`, { input: { reviewerId, revokedRoles, suspended } }, { token: t.admin })
    .then((r) => expect(r.data.setReviewerAccess.__typename).toBe('SetReviewerAccessSuccess'));

const auditOf = (caseId: string) => server.app.db.prisma.auditEvent.findMany({ where: { caseId }, orderBy: { seq: 'asc' } });

/** Collects every committed change to one case, as a lead's case screen receives it over graphql-ws. */
function watchCase(caseId: string, bearer: string) {
  const ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${bearer}` } });
  const events: Array<{ kind: string; queue: string; case: { status: string; assignee: { id: string } | null } | null }> = [];
  ws.subscribe(
    { query: `subscription($id: ID!) { caseUpdated(id: $id) { kind queue case { status assignee { id } } } }`, variables: { id: caseId } },
    { next: (v) => events.push((v.data as any).caseUpdated), error: () => {}, complete: () => {} },
  );
  sockets.push(ws);
  return { events };
}

/** Takes a case this file is done with out of the queues, so the next claim in its queue gets the next test's case. */
const park = (caseId: string) => server.app.db.prisma.case.update({ where: { id: caseId }, data: { status: 'CLOSED', assigneeId: null, leaseExpiresAt: null } });

const NOT_FOUND = { __typename: 'NotFoundError', message: 'Case was not found' };

describe('a report that folds into a claimed case and moves it out of its holder’s reach', () => {
  it('releases the claim in the same transaction; the reviewer’s assessment, decision and renewal are refused', async () => {
    const contentId = `content-${hex(4)}`;
    const first = await submit({ contentId, category: 'MINOR_PHYSICAL_ALTERCATION' });
    const c = await caseOf(first.report.id);
    await claim('MINOR_PHYSICAL_ALTERCATION', t.reviewer, c.id);
    const watcher = watchCase(c.id, t.lead);
    await expect.poll(async () => (await server.app.metrics.activeSubscriptions.get()).values[0]?.value ?? 0, { timeout: 5_000 }).toBeGreaterThan(0);

    // An anonymous report on the same content with a graver category folds into the reviewer's case.
    const second = await submit({ contentId, category: 'CHILD_SEXUAL_EXPLOITATION' });
    expect(second.report.caseId ?? (await caseOf(second.report.id)).id).toBe(c.id);

    const after = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(after).toMatchObject({ category: 'CHILD_SEXUAL_EXPLOITATION', queue: 'CHILD_SEXUAL_EXPLOITATION', status: 'OPEN', assigneeId: null, leaseExpiresAt: null, priority: 1 });

    const trail = await auditOf(c.id);
    const fold = trail.findIndex((e) => e.action === 'case.report_folded');
    const released = trail.findIndex((e) => e.action === 'case.released');
    expect(released).toBeGreaterThan(fold);
    // Released in the fold's own transaction: the same request, one step later in the chain.
    expect(trail[released]!.requestId).toBe(trail[fold]!.requestId);
    expect(trail[released]!.changes).toMatchObject({ assigneeId: { from: 'acc-rev', to: null }, reason: 'CATEGORY_CHANGED' });

    // The live case screen hears the release after commit, with the case as it committed.
    await expect.poll(() => watcher.events.map((e) => e.kind), { timeout: 5_000 }).toContain('RELEASED');
    const releasedEvent = watcher.events.find((e) => e.kind === 'RELEASED')!;
    expect(releasedEvent).toMatchObject({ queue: 'CHILD_SEXUAL_EXPLOITATION', case: { status: 'OPEN', assignee: null } });

    // The reviewer can no longer see the case, and every step on it is refused the way a random id is.
    const assessed = await assess({ caseId: c.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false }, t.reviewer);
    expect(assessed).toMatchObject(NOT_FOUND);
    expect(await decide({ caseId: c.id, expectedVersion: after.version, actions: ['NO_ACTION'], justification: 'placeholder' }, t.reviewer)).toMatchObject(NOT_FOUND);
    expect(await renew(c.id, t.reviewer)).toMatchObject(NOT_FOUND);
    expect(await release(c.id, t.reviewer)).toMatchObject(NOT_FOUND);
    const unchanged = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(unchanged).toMatchObject({ category: 'CHILD_SEXUAL_EXPLOITATION', status: 'OPEN', version: after.version });
    expect(await server.app.db.prisma.assessment.count({ where: { caseId: c.id } })).toBe(0);

    // A specialist takes it from the exploitation queue.
    await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist, c.id);
    expect((await release(c.id, t.specialist)).__typename).toBe('ReleaseCaseSuccess');
    await park(c.id);
  });

  it('keeps the claim of a holder who may handle the new category', async () => {
    const contentId = `content-${hex(4)}`;
    const first = await submit({ contentId, category: 'MINOR_PHYSICAL_ALTERCATION' });
    const c = await caseOf(first.report.id);
    await claim('MINOR_PHYSICAL_ALTERCATION', t.specialist, c.id);
    await submit({ contentId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA' });
    const after = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(after).toMatchObject({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', queue: 'PHYSICAL_CHILD_ABUSE_MEDIA', status: 'IN_REVIEW', assigneeId: 'acc-spec' });
    expect((await release(c.id, t.specialist)).__typename).toBe('ReleaseCaseSuccess');
    await claim('PHYSICAL_CHILD_ABUSE_MEDIA', t.lead, c.id);
    expect((await release(c.id, t.lead)).__typename).toBe('ReleaseCaseSuccess');
    await park(c.id);
  });
});

describe('access withdrawn from the holder of a claim', () => {
  it('a specialist whose role an admin withdraws loses the claim at once and can no longer decide the case', async () => {
    // Still a reviewer after the withdrawal: they may see altercation cases, not this one.
    const specialist = await token('acc-spec-2', ['CHILD_SAFETY_SPECIALIST', 'REVIEWER'], 'Specialist Two');
    await server.gql('{ me { id } }', {}, { token: specialist });
    const filed = await submit({ contentId: `content-${hex(4)}`, category: 'CHILD_SEXUAL_EXPLOITATION' });
    const c = await caseOf(filed.report.id);
    await claim('CHILD_SEXUAL_EXPLOITATION', specialist, c.id);
    const assessed = await assess({ caseId: c.id, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' }, specialist);
    expect(assessed.__typename).toBe('SubmitAssessmentSuccess');
    const version = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).version;

    await setAccess('acc-spec-2', ['CHILD_SAFETY_SPECIALIST']);
    const after = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(after).toMatchObject({ status: 'OPEN', assigneeId: null, leaseExpiresAt: null, queue: 'CHILD_SEXUAL_EXPLOITATION' });
    const trail = await auditOf(c.id);
    const releasedEvent = trail.find((e) => e.action === 'case.released')!;
    expect(releasedEvent.changes).toMatchObject({ assigneeId: { from: 'acc-spec-2', to: null }, reason: 'ACCESS_WITHDRAWN' });
    const change = await server.app.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'reviewer.access_changed', entityId: 'acc-spec-2' }, orderBy: { seq: 'desc' } });
    expect(change.requestId).toBe(releasedEvent.requestId);

    expect(await decide({ caseId: c.id, expectedVersion: version, actions: ['NO_ACTION'], justification: 'placeholder' }, specialist)).toMatchObject(NOT_FOUND);
    expect(await renew(c.id, specialist)).toMatchObject(NOT_FOUND);
    expect(await server.app.db.prisma.decision.count({ where: { caseId: c.id } })).toBe(0);
    await setAccess('acc-spec-2', []);
    await park(c.id);
  });

  it('checks access as it stands inside the deciding transaction, not as the request began', async () => {
    const specialist = await token('acc-spec-3', ['CHILD_SAFETY_SPECIALIST'], 'Specialist Three');
    await server.gql('{ me { id } }', {}, { token: specialist });
    const filed = await submit({ contentId: `content-${hex(4)}`, category: 'CHILD_SEXUAL_EXPLOITATION' });
    const c = await caseOf(filed.report.id);
    await claim('CHILD_SEXUAL_EXPLOITATION', specialist, c.id);
    expect((await assess({ caseId: c.id, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL' }, specialist)).__typename).toBe('SubmitAssessmentSuccess');
    const version = (await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).version;
    // The withdrawal commits after the request read the caller's roles (the row is changed directly, so no lease is
    // released): the roles the request carries are stale by the time it writes.
    await server.app.db.prisma.reviewer.update({ where: { id: 'acc-spec-3' }, data: { revokedRoles: ['CHILD_SAFETY_SPECIALIST'] } });
    const ctx: ServiceContext = {
      prisma: server.app.db.prisma,
      actor: { kind: 'USER', id: 'acc-spec-3', name: 'Specialist Three', roles: ['CHILD_SAFETY_SPECIALIST'] },
      requestId: null,
      now: () => new Date(),
      events: { publish() {} },
      settings: { leaseMinutes: 10, dailyExposureCap: 100, secret: TEST_SECRET },
      ncmec: null,
      hashBanks: undefined as never,
    };
    await expect(decideCase(ctx, { caseId: c.id, expectedVersion: version, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await server.app.db.prisma.decision.count({ where: { caseId: c.id } })).toBe(0);
    await server.app.db.prisma.reviewer.update({ where: { id: 'acc-spec-3' }, data: { revokedRoles: [] } });
    expect((await release(c.id, specialist)).__typename).toBe('ReleaseCaseSuccess');
    await park(c.id);
  });

  it('suspending a reviewer releases every case they hold', async () => {
    const reviewer = await token('acc-rev-2', ['REVIEWER'], 'Reviewer Two');
    await server.gql('{ me { id } }', {}, { token: reviewer });
    const filed = await submit({ contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' });
    const c = await caseOf(filed.report.id);
    await claim('MINOR_PHYSICAL_ALTERCATION', reviewer, c.id);
    await setAccess('acc-rev-2', [], true);
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'OPEN', assigneeId: null });
    expect((await auditOf(c.id)).some((e) => e.action === 'case.released' && (e.changes as { reason?: string }).reason === 'ACCESS_WITHDRAWN')).toBe(true);
    await setAccess('acc-rev-2', []);
    // Withdrawing a role the reviewer's cases do not need keeps the claim.
    await claim('MINOR_PHYSICAL_ALTERCATION', reviewer, c.id);
    await setAccess('acc-rev-2', ['APPEALS_REVIEWER']);
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'IN_REVIEW', assigneeId: 'acc-rev-2' });
    expect((await release(c.id, reviewer)).__typename).toBe('ReleaseCaseSuccess');
    await setAccess('acc-rev-2', []);
    await park(c.id);
  });
});

describe('refusals reveal nothing about cases the caller may not see', () => {
  it('a hidden case, claimed or not, answers exactly as a random id does', async () => {
    const filed = await submit({ contentId: `content-${hex(4)}`, category: 'CHILD_SEXUAL_EXPLOITATION' });
    const hidden = await caseOf(filed.report.id);
    const random = randomUUID();
    for (const id of [hidden.id, random]) {
      expect(await release(id, t.reviewer)).toEqual({ ...NOT_FOUND, code: 'NOT_FOUND' });
      expect(await renew(id, t.reviewer)).toEqual({ ...NOT_FOUND, code: 'NOT_FOUND' });
    }
    await claim('CHILD_SEXUAL_EXPLOITATION', t.specialist, hidden.id);
    for (const id of [hidden.id, random]) {
      expect(await release(id, t.reviewer)).toEqual({ ...NOT_FOUND, code: 'NOT_FOUND' });
      expect(await renew(id, t.reviewer)).toEqual({ ...NOT_FOUND, code: 'NOT_FOUND' });
      expect(await assess({ caseId: id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' }, t.reviewer)).toMatchObject(NOT_FOUND);
      expect(await decide({ caseId: id, expectedVersion: 1, actions: ['NO_ACTION'], justification: 'placeholder' }, t.reviewer)).toMatchObject(NOT_FOUND);
    }
    // Reads keep their category filter.
    const read = await server.gql('query($id: ID!) { case(id: $id) { id } }', { id: hidden.id }, { token: t.reviewer });
    expect(read.data.case).toBeNull();
    // Someone who may see the case is told why they may not act on it.
    const other = await token('acc-spec-4', ['CHILD_SAFETY_SPECIALIST'], 'Specialist Four');
    expect(await release(hidden.id, other)).toMatchObject({ __typename: 'InvalidTransitionError', message: 'This case is claimed by another reviewer' });
    expect((await release(hidden.id, t.specialist)).__typename).toBe('ReleaseCaseSuccess');
    await park(hidden.id);
  });
});
