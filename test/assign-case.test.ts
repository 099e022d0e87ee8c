// assignCase and unassignCase: a lead gives a waiting case to a named reviewer under claimNextCase's rules, checked
// against that reviewer's access as it stands now, with the lease, audit event and live event of a claim; and takes
// it back. Concurrent assignment and claims of one case have one winner. Runs on PostgreSQL too (DATABASE_URL).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { readSse } from './support/sse.js';
import type { Role } from '../src/policy/index.js';

const CAP = 2;
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ DAILY_EXPOSURE_CAP: String(CAP) });
});
afterAll(() => server?.close());

const ASSIGN = `mutation($caseId: ID!, $reviewerId: ID!, $expectedVersion: Int!) { assignCase(caseId: $caseId, reviewerId: $reviewerId, expectedVersion: $expectedVersion) {
  __typename ... on AssignCaseSuccess { leaseExpiresAt case { id version status assignee { id } } }
  ... on Error { message code } ... on NotQualifiedError { qualification } ... on ExposureCapReachedError { cap } ... on VersionConflictError { currentVersion } } }`;
const UNASSIGN = `mutation($caseId: ID!) { unassignCase(caseId: $caseId) { __typename ... on UnassignCaseSuccess { case { id version status assignee { id } } } ... on Error { message code } } }`;
const CLAIM_NEXT = `mutation($queue: QueueName!) { claimNextCase(queue: $queue) { __typename ... on ClaimNextCaseSuccess { case { id } } ... on Error { message code } } }`;

/** A signed-in staff member (their reviewer record exists once they have made a request). */
async function staff(sub: string, roles: Role[]) {
  const bearer = await token(sub, roles, `Placeholder ${sub}`);
  expect((await server.gql('{ me { id } }', {}, { token: bearer })).data.me.id).toBe(sub);
  return bearer;
}

async function file(category: string): Promise<{ id: string; version: number }> {
  const res = await server.gql(
    `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`,
    { input: { contentId: `content-${hex(4)}`, category, description: 'placeholder description' } },
  );
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const report = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id }, include: { case: true } });
  return { id: report.caseId, version: report.case.version };
}

async function assign(lead: string, caseId: string, reviewerId: string, expectedVersion: number) {
  const res = await server.gql(ASSIGN, { caseId, reviewerId, expectedVersion }, { token: lead });
  expect(res.errors).toBeUndefined();
  return res.data.assignCase;
}

const drain = (queue: string) => server.app.db.prisma.case.updateMany({ where: { queue: queue as never, status: { in: ['OPEN', 'APPEALED'] }, assigneeId: null }, data: { status: 'CLOSED' } });

describe('assignCase', () => {
  it('gives the named reviewer the lease: answered case, audit event by the lead, live CLAIMED event; the reviewer works it', async () => {
    const lead = await staff('assign-lead', ['LEAD']);
    const reviewer = await staff('assign-reviewer', ['REVIEWER']);
    const c = await file('MINOR_PHYSICAL_ALTERCATION');
    const controller = new AbortController();
    const events: Array<{ kind: string; case: { id: string } | null }> = [];
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${reviewer}` },
      body: JSON.stringify({ query: 'subscription { queueUpdates(queue: MINOR_PHYSICAL_ALTERCATION) { kind case { id } } }' }),
      signal: controller.signal,
    });
    const reading = readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    await new Promise((r) => setTimeout(r, 200));

    const assigned = await assign(lead, c.id, 'assign-reviewer', c.version);
    expect(assigned).toMatchObject({ __typename: 'AssignCaseSuccess', case: { id: c.id, version: c.version + 1, status: 'IN_REVIEW', assignee: { id: 'assign-reviewer' } } });
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: c.id, action: 'case.assigned' } });
    expect(audit.map((e) => [e.actorId, (e.changes as { assigneeId: unknown }).assigneeId])).toEqual([['assign-lead', { to: 'assign-reviewer' }]]);
    expect(await server.app.db.prisma.caseClaim.count({ where: { caseId: c.id, reviewerId: 'assign-reviewer' } })).toBe(1);
    await expect.poll(() => events.find((e) => e.kind === 'CLAIMED' && e.case?.id === c.id), { timeout: 5000 }).toBeTruthy();
    controller.abort();
    await reading;
    // The lease is the reviewer's: they renew it.
    const renewed = await server.gql(`mutation($id: ID!) { renewLease(caseId: $id) { __typename } }`, { id: c.id }, { token: reviewer });
    expect(renewed.data.renewLease.__typename).toBe('ClaimNextCaseSuccess');
    // Held now: a second assignment is refused.
    expect(await assign(lead, c.id, 'assign-lead', c.version + 1)).toMatchObject({ __typename: 'InvalidTransitionError' });
  });

  it('refuses a reviewer without the qualification, over the cap, unknown, or a stale version, with typed errors and nothing written', async () => {
    const lead = await staff('assign-lead', ['LEAD']);
    await staff('assign-reviewer', ['REVIEWER']);
    await staff('assign-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const admin = await staff('assign-admin', ['ADMIN']);
    const cse = await file('CHILD_SEXUAL_EXPLOITATION');
    expect(await assign(lead, cse.id, 'assign-reviewer', cse.version)).toMatchObject({ __typename: 'NotQualifiedError', qualification: 'CHILD_SAFETY_SPECIALIST' });
    expect(await assign(lead, cse.id, 'nobody-here', cse.version)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await assign(lead, randomUUID(), 'assign-specialist', 1)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await assign(lead, cse.id, 'assign-specialist', cse.version + 5)).toMatchObject({ __typename: 'VersionConflictError', currentVersion: cse.version });
    // Access as it stands now: a withdrawn role counts, whatever the reviewer's token says.
    const set = `mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename } }`;
    await server.gql(set, { input: { reviewerId: 'assign-specialist', revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false } }, { token: admin });
    expect(await assign(lead, cse.id, 'assign-specialist', cse.version)).toMatchObject({ __typename: 'NotQualifiedError' });
    await server.gql(set, { input: { reviewerId: 'assign-specialist', revokedRoles: [], suspended: false } }, { token: admin });
    // The exposure cap of the reviewer assigned, not of the lead.
    const taken = [cse, await file('CHILD_SEXUAL_EXPLOITATION')];
    for (const c of taken) expect((await assign(lead, c.id, 'assign-specialist', c.version)).__typename).toBe('AssignCaseSuccess');
    const over = await file('CHILD_SEXUAL_EXPLOITATION');
    expect(await assign(lead, over.id, 'assign-specialist', over.version)).toMatchObject({ __typename: 'ExposureCapReachedError', cap: CAP });
    const stored = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: over.id } });
    expect(stored).toMatchObject({ status: 'OPEN', assigneeId: null, version: over.version });
    expect(await server.app.db.prisma.auditEvent.count({ where: { caseId: over.id, action: 'case.assigned' } })).toBe(0);
  });
});

describe('unassignCase', () => {
  it('hands a held case back to its queue, audited; a case nobody holds is refused', async () => {
    const lead = await staff('assign-lead', ['LEAD']);
    await staff('assign-reviewer', ['REVIEWER']);
    const c = await file('MINOR_PHYSICAL_ALTERCATION');
    expect((await assign(lead, c.id, 'assign-reviewer', c.version)).__typename).toBe('AssignCaseSuccess');
    const res = await server.gql(UNASSIGN, { caseId: c.id }, { token: lead });
    expect(res.data.unassignCase).toMatchObject({ __typename: 'UnassignCaseSuccess', case: { id: c.id, status: 'OPEN', assignee: null, version: c.version + 2 } });
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: c.id, action: 'case.unassigned' } });
    expect(audit.map((e) => [e.actorId, (e.changes as { assigneeId: unknown }).assigneeId])).toEqual([['assign-lead', { from: 'assign-reviewer', to: null }]]);
    expect((await server.gql(UNASSIGN, { caseId: c.id }, { token: lead })).data.unassignCase).toMatchObject({ __typename: 'InvalidTransitionError' });
  });
});

describe('assignment against claims', () => {
  it('assignCase and claimNextCase racing for the same case: exactly one wins, every time', async () => {
    const lead = await staff('race-lead', ['LEAD']);
    await staff('race-assignee', ['REVIEWER']);
    const claimer = await staff('race-claimer', ['REVIEWER']);
    const outcomes = { assigned: 0, claimed: 0 };
    for (let round = 0; round < 8; round++) {
      await drain('MINOR_PHYSICAL_ALTERCATION');
      const c = await file('MINOR_PHYSICAL_ALTERCATION');
      const [assigned, claimed] = await Promise.all([
        server.gql(ASSIGN, { caseId: c.id, reviewerId: 'race-assignee', expectedVersion: c.version }, { token: lead }),
        server.gql(CLAIM_NEXT, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: claimer }),
      ]);
      expect(assigned.errors).toBeUndefined();
      expect(claimed.errors).toBeUndefined();
      const a = assigned.data.assignCase.__typename === 'AssignCaseSuccess';
      const b = claimed.data.claimNextCase.__typename === 'ClaimNextCaseSuccess' && claimed.data.claimNextCase.case.id === c.id;
      expect([a, b].filter(Boolean), JSON.stringify([assigned.data, claimed.data])).toHaveLength(1);
      if (a) expect(claimed.data.claimNextCase.__typename).toBe('NoCaseAvailableError');
      else expect(assigned.data.assignCase.__typename).toMatch(/InvalidTransitionError|VersionConflictError/);
      const stored = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
      expect(stored.assigneeId).toBe(a ? 'race-assignee' : 'race-claimer');
      expect(await server.app.db.prisma.caseClaim.count({ where: { caseId: c.id } })).toBe(1);
      outcomes[a ? 'assigned' : 'claimed'] += 1;
    }
    console.info(`assignCase vs claimNextCase: ${outcomes.assigned} assigned, ${outcomes.claimed} claimed of 8`);
  });
});

describe('moveCase', () => {
  const MOVE = `mutation($caseId: ID!, $queue: QueueName, $priority: Priority, $reason: String!) { moveCase(caseId: $caseId, queue: $queue, priority: $priority, reason: $reason) {
    __typename ... on MoveCaseSuccess { case { id version queue priority slaDueAt createdAt } } ... on ValidationError { fields { path } } ... on Error { message code } } }`;

  it('moves a case to another queue and priority, audited with the reason and seen live by both queues', async () => {
    const lead = await staff('move-lead', ['LEAD']);
    const reviewer = await staff('move-reviewer', ['REVIEWER']);
    const c = await file('MINOR_PHYSICAL_ALTERCATION');
    const events: Array<{ kind: string; queue: string; case: { id: string; queue: string } | null }> = [];
    const controllers: AbortController[] = [];
    const readings = (['MINOR_PHYSICAL_ALTERCATION', 'IMMEDIATE_RISK'] as const).map(async (queue) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${queue === 'IMMEDIATE_RISK' ? lead : reviewer}` },
        body: JSON.stringify({ query: `subscription { queueUpdates(queue: ${queue}) { kind queue case { id queue } } }` }),
        signal: controller.signal,
      });
      return readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    });
    await new Promise((r) => setTimeout(r, 300));
    const res = await server.gql(MOVE, { caseId: c.id, queue: 'IMMEDIATE_RISK', priority: 'P0', reason: 'placeholder reason' }, { token: lead });
    expect(res.errors).toBeUndefined();
    const moved = res.data.moveCase;
    expect(moved).toMatchObject({ __typename: 'MoveCaseSuccess', case: { id: c.id, version: c.version + 1, queue: 'IMMEDIATE_RISK', priority: 'P0' } });
    expect(Date.parse(moved.case.slaDueAt) - Date.parse(moved.case.createdAt)).toBe(15 * 60_000);
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: c.id, action: 'case.moved' } });
    expect(audit.map((e) => [e.actorId, e.changes])).toEqual([
      ['move-lead', expect.objectContaining({ queue: { from: 'MINOR_PHYSICAL_ALTERCATION', to: 'IMMEDIATE_RISK' }, priority: { from: 3, to: 0 }, reason: 'placeholder reason' })],
    ]);
    for (const queue of ['MINOR_PHYSICAL_ALTERCATION', 'IMMEDIATE_RISK']) {
      await expect.poll(() => events.find((e) => e.kind === 'UPDATED' && e.queue === queue && e.case?.id === c.id), { timeout: 5000 }).toBeTruthy();
    }
    for (const controller of controllers) controller.abort();
    await Promise.allSettled(readings);
  });

  it('a held case moved to a queue its holder may not work is handed back in the same step: lease ended, audited and published as a release; a qualified holder keeps it', async () => {
    const lead = await staff('move-lead', ['LEAD']);
    const reviewer = await staff('move-held-reviewer', ['REVIEWER']);
    const specialist = await staff('move-held-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const HELD = `mutation($caseId: ID!, $queue: QueueName, $priority: Priority) { moveCase(caseId: $caseId, queue: $queue, priority: $priority, reason: "placeholder reason") {
      __typename ... on MoveCaseSuccess { case { id version queue status assignee { id } leaseExpiresAt } } ... on Error { message code } } }`;
    const RENEW = `mutation($id: ID!) { renewLease(caseId: $id) { __typename } }`;
    const heldBy = async (sub: string) => {
      const c = await file('MINOR_PHYSICAL_ALTERCATION');
      expect((await assign(lead, c.id, sub, c.version)).__typename).toBe('AssignCaseSuccess');
      return server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    };

    // A priority alone, or a queue the holder may work: the holder keeps the case.
    const kept = await heldBy('move-held-reviewer');
    expect((await server.gql(HELD, { caseId: kept.id, priority: 'P1' }, { token: lead })).data.moveCase).toMatchObject({ case: { status: 'IN_REVIEW', assignee: { id: 'move-held-reviewer' } } });
    const bySpecialist = await heldBy('move-held-specialist');
    expect((await server.gql(HELD, { caseId: bySpecialist.id, queue: 'IMMEDIATE_RISK' }, { token: lead })).data.moveCase).toMatchObject({
      case: { queue: 'IMMEDIATE_RISK', status: 'IN_REVIEW', assignee: { id: 'move-held-specialist' } },
    });
    expect((await server.gql(RENEW, { id: bySpecialist.id }, { token: specialist })).data.renewLease.__typename).toBe('ClaimNextCaseSuccess');

    // A reviewer may not work the immediate-risk queue: the move hands the case back.
    const c = await heldBy('move-held-reviewer');
    const events: Array<{ kind: string; case: { id: string } | null }> = [];
    const controller = new AbortController();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${lead}` },
      body: JSON.stringify({ query: 'subscription { queueUpdates(queue: IMMEDIATE_RISK) { kind case { id } } }' }),
      signal: controller.signal,
    });
    const reading = readSse(res, (event, data) => event === 'next' && events.push((data as { data: { queueUpdates: (typeof events)[number] } }).data.queueUpdates));
    await new Promise((r) => setTimeout(r, 300));
    const moved = await server.gql(HELD, { caseId: c.id, queue: 'IMMEDIATE_RISK' }, { token: lead });
    expect(moved.errors).toBeUndefined();
    expect(moved.data.moveCase).toMatchObject({ __typename: 'MoveCaseSuccess', case: { queue: 'IMMEDIATE_RISK', status: 'OPEN', assignee: null, leaseExpiresAt: null, version: c.version + 2 } });
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'OPEN', assigneeId: null, leaseExpiresAt: null });
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: c.id, action: { in: ['case.moved', 'case.released'] } }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.action, e.actorId, e.requestId === audit[0]!.requestId])).toEqual([
      ['case.moved', 'move-lead', true],
      ['case.released', 'move-lead', true],
    ]);
    expect(audit[1]!.changes).toMatchObject({ assigneeId: { from: 'move-held-reviewer', to: null }, reason: 'QUEUE_CHANGED' });
    // The reviewer it was taken from may no longer work on it at all: the queue's qualification is named.
    const RENEW_MESSAGE = `mutation($id: ID!) { renewLease(caseId: $id) { __typename ... on Error { message } } }`;
    expect((await server.gql(RENEW_MESSAGE, { id: c.id }, { token: reviewer })).data.renewLease).toEqual({
      __typename: 'ForbiddenError',
      message: 'You are not qualified to work on this case: the IMMEDIATE_RISK queue needs CHILD_SAFETY_SPECIALIST',
    });
    await expect.poll(() => events.find((e) => e.kind === 'RELEASED' && e.case?.id === c.id), { timeout: 5000 }).toBeTruthy();
    controller.abort();
    await reading.catch(() => undefined);
  });

  it('refuses a move without a reason or a destination, into the appeals queue, of a closed case or a missing one', async () => {
    const lead = await staff('move-lead', ['LEAD']);
    const c = await file('MINOR_PHYSICAL_ALTERCATION');
    const move = async (variables: Record<string, unknown>) => (await server.gql(MOVE, { caseId: c.id, reason: 'placeholder reason', ...variables }, { token: lead })).data.moveCase;
    expect(await move({ queue: 'IMMEDIATE_RISK', reason: ' ' })).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'reason' }] });
    expect(await move({})).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'queue' }] });
    expect(await move({ queue: 'APPEALS' })).toMatchObject({ __typename: 'ValidationError' });
    expect(await move({ queue: 'MINOR_PHYSICAL_ALTERCATION' })).toMatchObject({ __typename: 'ValidationError' });
    expect(await move({ caseId: randomUUID(), queue: 'IMMEDIATE_RISK' })).toMatchObject({ __typename: 'NotFoundError' });
    await server.app.db.prisma.case.update({ where: { id: c.id }, data: { status: 'CLOSED' } });
    expect(await move({ queue: 'IMMEDIATE_RISK' })).toMatchObject({ __typename: 'InvalidTransitionError' });
    expect(await server.app.db.prisma.auditEvent.count({ where: { caseId: c.id, action: 'case.moved' } })).toBe(0);
  });
});

describe('escalateCase', () => {
  const ESCALATE = `mutation($caseId: ID!, $reason: String!) { escalateCase(caseId: $caseId, reason: $reason) {
    __typename ... on EscalateCaseSuccess { case { id version status assignee { id } escalation { reason note escalatedBy { id } } } } ... on Error { message code } } }`;

  it('the reviewer holding a case hands it to the leads with a reason: back in its queue for a lead other than them', async () => {
    await drain('MINOR_PHYSICAL_ALTERCATION');
    const reviewer = await staff('esc-reviewer', ['REVIEWER']);
    const other = await staff('esc-other', ['REVIEWER']);
    const lead = await staff('esc-lead', ['LEAD']);
    const c = await file('MINOR_PHYSICAL_ALTERCATION');
    expect((await server.gql(ESCALATE, { caseId: c.id, reason: 'placeholder reason' }, { token: reviewer })).data.escalateCase).toMatchObject({ __typename: 'InvalidTransitionError' });
    expect((await server.gql(CLAIM_NEXT, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: reviewer })).data.claimNextCase.case.id).toBe(c.id);
    expect((await server.gql(ESCALATE, { caseId: c.id, reason: '  ' }, { token: reviewer })).data.escalateCase).toMatchObject({ __typename: 'ValidationError' });
    expect((await server.gql(ESCALATE, { caseId: c.id, reason: 'placeholder reason' }, { token: other })).data.escalateCase).toMatchObject({ __typename: 'InvalidTransitionError' });
    const reason = `placeholder reason ${hex(6)}`;
    const res = await server.gql(ESCALATE, { caseId: c.id, reason }, { token: reviewer });
    expect(res.errors).toBeUndefined();
    expect(res.data.escalateCase).toMatchObject({
      __typename: 'EscalateCaseSuccess',
      case: { id: c.id, version: c.version + 2, status: 'OPEN', assignee: null, escalation: { reason: 'REVIEWER_REQUEST', note: reason, escalatedBy: { id: 'esc-reviewer' } } },
    });
    const audit = await server.app.db.prisma.auditEvent.findMany({ where: { caseId: c.id, action: 'case.escalated' } });
    expect(audit.map((e) => [e.actorId, e.changes])).toEqual([['esc-reviewer', expect.objectContaining({ reason: 'REVIEWER_REQUEST', noteLength: reason.length })]]);
    expect(JSON.stringify(audit.map((e) => e.changes)).includes(reason)).toBe(false);
    // Reviewers no longer get it; a lead does, and a lead cannot assign it to a reviewer.
    for (const bearer of [reviewer, other]) expect((await server.gql(CLAIM_NEXT, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: bearer })).data.claimNextCase.__typename).toBe('NoCaseAvailableError');
    const current = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: c.id } });
    expect(await assign(lead, c.id, 'esc-other', current.version)).toMatchObject({ __typename: 'NotQualifiedError', qualification: 'LEAD' });
    expect((await server.gql(CLAIM_NEXT, { queue: 'MINOR_PHYSICAL_ALTERCATION' }, { token: lead })).data.claimNextCase.case.id).toBe(c.id);
  });
});
