// Appeals (DSA Art. 20) through the public API: the account holder and each notifier may appeal a decision once each;
// an appeal that succeeds marks the decision reversed, by whom, and takes the case out of the appeals queue.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient } from './support/client.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';

let server: TestServer;
let client: ContractClient;
const t = {} as Record<'reviewer' | 'decider' | 'specialist' | 'appeals' | 'appeals2' | 'platform', string>;

beforeAll(async () => {
  server = await startServer();
  client = await new ContractClient(server).load();
  t.reviewer = await token('ap-rev', ['REVIEWER'], 'Reviewer');
  // The same person as t.reviewer, later also qualified for appeals.
  t.decider = await token('ap-rev', ['REVIEWER', 'APPEALS_REVIEWER'], 'Reviewer');
  t.specialist = await token('ap-spec', ['CHILD_SAFETY_SPECIALIST'], 'Specialist');
  t.appeals = await token('ap-app', ['APPEALS_REVIEWER'], 'Appeals One');
  t.appeals2 = await token('ap-app-2', ['APPEALS_REVIEWER'], 'Appeals Two');
  t.platform = await token('ap-platform', ['PLATFORM'], 'Platform');
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;

async function submit(input: Record<string, unknown>) {
  const res = await client.op('SubmitReport', { input: { description: 'placeholder description', ...input } });
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return res.data.submitReport as { report: { id: string }; followUpToken: string };
}

/** Files a report on a fresh account, and has `who` claim, assess and decide it with `actions`. */
async function decided(category: string, factors: Record<string, unknown>, actions: string[], who: string) {
  const account = `account-${hex(4)}`;
  const filed = await submit({ contentId: `content-${hex(4)}`, category, reportedAccountId: account });
  const caseId = (await prisma().report.findUniqueOrThrow({ where: { id: filed.report.id } })).caseId;
  const claimed = await client.op('ClaimNextCase', { queue: category }, who);
  expect(claimed.data.claimNextCase.case.id).toBe(caseId);
  const assessed = await client.op('SubmitAssessment', { input: { caseId, category, ...factors } }, who);
  expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
  const { version } = await prisma().case.findUniqueOrThrow({ where: { id: caseId } });
  const res = await client.op('DecideCase', { input: { caseId, expectedVersion: version, actions, justification: 'placeholder justification' } }, who);
  expect(res.data.decideCase.__typename).toBe('DecideCaseSuccess');
  return { caseId, account, followUpToken: filed.followUpToken, decisionId: res.data.decideCase.decision.id as string };
}

const ALTERCATION = { ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false };

const appealAs = (input: Record<string, unknown>, bearer?: string) =>
  server
    .gql(
      `mutation($input: SubmitAppealInput!) { submitAppeal(input: $input) { __typename ... on Error { message code } ... on SubmitAppealSuccess { appeal { id status } } } }`,
      { input: { statement: 'placeholder statement', ...input } },
      bearer ? { token: bearer } : {},
    )
    .then((r) => {
      expect(r.errors).toBeUndefined();
      return r.data.submitAppeal;
    });
const byAccount = (decisionId: string, account: string) => appealAs({ decisionId, appellantAccountId: account }, t.platform);
const byNotifier = (decisionId: string, followUpToken: string) => appealAs({ decisionId, followUpToken });
const decideAppeal = (appealId: string, outcome: 'UPHELD' | 'OVERTURNED', who: string) =>
  server
    .gql(
      `mutation($input: DecideAppealInput!) { decideAppeal(input: $input) { __typename ... on Error { message code }
         ... on DecideAppealSuccess { appeal { status outcome } case { status queue } } } }`,
      { input: { appealId, outcome, reason: 'placeholder reason' } },
      { token: who },
    )
    .then((r) => {
      expect(r.errors).toBeUndefined();
      return r.data.decideAppeal;
    });
const claimAppeal = (who: string) => client.op('ClaimNextCase', { queue: 'APPEALS' }, who).then((r) => r.data.claimNextCase);
const feedOf = async (decisionId: string) => {
  const res = await server.gql(`{ enforcementFeed(after: 0, first: 500) { items { kind decisionId } } }`, {}, { token: t.platform });
  return res.data.enforcementFeed.items.filter((i: { decisionId: string }) => i.decisionId === decisionId).map((i: { kind: string }) => i.kind);
};

describe('who may appeal', () => {
  it('the account holder and the notifier each appeal a label decision once; the original decider may not decide either', async () => {
    const d = await decided('MINOR_PHYSICAL_ALTERCATION', ALTERCATION, ['SENSITIVE_MEDIA_LABEL'], t.reviewer);

    // A notifier may appeal a label instead of removal (DSA Art. 20), and the account holder the same decision.
    const notifier = await byNotifier(d.decisionId, d.followUpToken);
    expect(notifier).toMatchObject({ __typename: 'SubmitAppealSuccess', appeal: { status: 'PENDING' } });
    const account = await byAccount(d.decisionId, d.account);
    expect(account).toMatchObject({ __typename: 'SubmitAppealSuccess', appeal: { status: 'PENDING' } });
    // Each once.
    expect(await byNotifier(d.decisionId, d.followUpToken)).toMatchObject({ __typename: 'AppealNotAllowedError', code: 'ALREADY_APPEALED' });
    expect(await byAccount(d.decisionId, d.account)).toMatchObject({ __typename: 'AppealNotAllowedError', code: 'ALREADY_APPEALED' });
    expect(await prisma().case.findUniqueOrThrow({ where: { id: d.caseId } })).toMatchObject({ status: 'APPEALED', queue: 'APPEALS' });

    // The original decider never gets the appeal, and may not decide it, with or without holding its case.
    expect((await claimAppeal(t.decider)).__typename).toBe('NoCaseAvailableError');
    const own = { __typename: 'ForbiddenError', message: 'The appeal must be decided by someone other than the original decider' };
    expect(await decideAppeal(account.appeal.id, 'OVERTURNED', t.decider)).toMatchObject(own);
    await prisma().case.update({ where: { id: d.caseId }, data: { assigneeId: 'ap-rev', leaseExpiresAt: new Date(Date.now() + 600_000) } });
    expect(await decideAppeal(notifier.appeal.id, 'OVERTURNED', t.decider)).toMatchObject(own);
    await prisma().case.update({ where: { id: d.caseId }, data: { assigneeId: null, leaseExpiresAt: null } });
    expect(await prisma().decision.findUniqueOrThrow({ where: { id: d.decisionId } })).toMatchObject({ reversedAt: null });

    // The account's appeal is rejected: the decision stands and the notifier's appeal still waits in the queue.
    expect((await claimAppeal(t.appeals)).case.id).toBe(d.caseId);
    expect(await decideAppeal(account.appeal.id, 'UPHELD', t.appeals)).toMatchObject({
      __typename: 'DecideAppealSuccess',
      appeal: { status: 'DECIDED', outcome: 'UPHELD' },
      case: { status: 'APPEALED', queue: 'APPEALS' },
    });
    expect(await prisma().case.findUniqueOrThrow({ where: { id: d.caseId } })).toMatchObject({ assigneeId: null });

    // The notifier's appeal succeeds: the decision is reversed, by whom is recorded, and the case is reopened for a
    // new decision in its own queue.
    expect((await claimAppeal(t.appeals2)).case.id).toBe(d.caseId);
    expect(await decideAppeal(notifier.appeal.id, 'OVERTURNED', t.appeals2)).toMatchObject({
      __typename: 'DecideAppealSuccess',
      appeal: { status: 'DECIDED', outcome: 'OVERTURNED' },
      case: { status: 'OPEN', queue: 'MINOR_PHYSICAL_ALTERCATION' },
    });
    const read = await server.gql(`query($id: ID!) { case(id: $id) { decision { id reversedAt reversedBy { id } } } }`, { id: d.caseId }, { token: t.appeals });
    expect(read.errors).toBeUndefined();
    expect(read.data.case.decision).toMatchObject({ id: d.decisionId, reversedAt: expect.any(String), reversedBy: { id: 'ap-app-2' } });
    const trail = await prisma().auditEvent.findMany({ where: { caseId: d.caseId, action: { in: ['decision.reversed', 'decision.overturned'] } } });
    expect(trail.map((e) => [e.action, e.actorId])).toEqual([['decision.overturned', 'ap-app-2']]);
    // The label stays on the content until the new decision: the platform is not told to lift it.
    expect(await feedOf(d.decisionId)).toEqual(['APPLY']);
    // Out of the altercation queue, so the next test's claim gets its own case.
    await prisma().case.update({ where: { id: d.caseId }, data: { status: 'CLOSED' } });
  });

  it('a successful appeal by the account holder reverses the decision; the case leaves the appeals queue; the notifier’s pending appeal is superseded', async () => {
    const d = await decided('MINOR_PHYSICAL_ALTERCATION', ALTERCATION, ['REMOVE_CONTENT'], t.reviewer);
    const account = await byAccount(d.decisionId, d.account);
    const notifier = await byNotifier(d.decisionId, d.followUpToken);
    expect([account.__typename, notifier.__typename]).toEqual(['SubmitAppealSuccess', 'SubmitAppealSuccess']);

    expect((await claimAppeal(t.appeals)).case.id).toBe(d.caseId);
    expect(await decideAppeal(account.appeal.id, 'OVERTURNED', t.appeals)).toMatchObject({
      __typename: 'DecideAppealSuccess',
      case: { status: 'CLOSED', queue: 'MINOR_PHYSICAL_ALTERCATION' },
    });
    const decision = await prisma().decision.findUniqueOrThrow({ where: { id: d.decisionId } });
    expect(decision.reversedAt).not.toBeNull();
    expect(decision.reversedById).toBe('ap-app');
    expect(await prisma().appeal.findUniqueOrThrow({ where: { id: notifier.appeal.id } })).toMatchObject({ status: 'SUPERSEDED', outcome: null });
    expect(await feedOf(d.decisionId)).toEqual(['APPLY', 'REVERSE']);
    // A reversed decision is not appealed again, and nothing is left in the appeals queue for it.
    expect(await byNotifier(d.decisionId, d.followUpToken)).toMatchObject({ __typename: 'AppealNotAllowedError' });
    expect(await prisma().case.count({ where: { queue: 'APPEALS', status: 'APPEALED' } })).toBe(0);
  });

  it('an appeal rejected closes the case out of the appeals queue; another appellant may still appeal the decision', async () => {
    const d = await decided('MINOR_PHYSICAL_ALTERCATION', ALTERCATION, ['REMOVE_CONTENT'], t.reviewer);
    const account = await byAccount(d.decisionId, d.account);
    expect((await claimAppeal(t.appeals)).case.id).toBe(d.caseId);
    expect(await decideAppeal(account.appeal.id, 'UPHELD', t.appeals)).toMatchObject({ case: { status: 'CLOSED', queue: 'MINOR_PHYSICAL_ALTERCATION' } });
    const status = await client.op('ReportStatus', { token: d.followUpToken });
    expect(status.data.reportStatus).toMatchObject({ status: 'ACTION_TAKEN', appealableUntil: expect.any(String) });
    const notifier = await byNotifier(d.decisionId, d.followUpToken);
    expect(notifier).toMatchObject({ __typename: 'SubmitAppealSuccess' });
    expect(await prisma().case.findUniqueOrThrow({ where: { id: d.caseId } })).toMatchObject({ status: 'APPEALED', queue: 'APPEALS' });
    expect((await client.op('ReportStatus', { token: d.followUpToken })).data.reportStatus).toMatchObject({ status: 'UNDER_APPEAL', appealableUntil: null });
    expect((await claimAppeal(t.appeals2)).case.id).toBe(d.caseId);
    expect(await decideAppeal(notifier.appeal.id, 'UPHELD', t.appeals2)).toMatchObject({ case: { status: 'CLOSED' } });
  });

  it('an appeal on a case the caller may not see answers exactly as an unknown appeal id', async () => {
    const d = await decided('PHYSICAL_CHILD_ABUSE_MEDIA', { ageAssessment: 'CONFIRMED_MINOR', nudity: 'FULLY_CLOTHED', severity: 'LOW', context: 'NEWSWORTHY' }, ['SENSITIVE_MEDIA_LABEL'], t.specialist);
    const appeal = await byAccount(d.decisionId, d.account);
    const hidden = await decideAppeal(appeal.appeal.id, 'OVERTURNED', t.appeals);
    const unknown = await decideAppeal(randomUUID(), 'OVERTURNED', t.appeals);
    expect(hidden).toEqual(unknown);
    expect(hidden).toMatchObject({ __typename: 'NotFoundError', message: 'Appeal was not found' });
  });
});
