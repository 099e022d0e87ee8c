// Who may lodge an appeal against which decision (src/services/appeals.ts, submitAppeal), called on the services: only
// the platform names the affected account, and a decision already reversed on appeal cannot be appealed again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from '../support/harness.js';
import { idOf, serviceActors } from './support.js';
import type { Role } from '../../src/policy/index.js';
import type { ServiceContext } from '../../src/services/context.js';
import { submitReport } from '../../src/services/intake.js';
import { submitAssessment } from '../../src/services/assessments.js';
import { decideCase } from '../../src/services/decisions.js';
import { decideAppeal, submitAppeal } from '../../src/services/appeals.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous, caseOf, hold } = serviceActors(() => server);



/** An altercation case decided REMOVE_CONTENT by a lead: the decision, the reported account and the notifier's token. */
async function decidedCase() {
  const account = `account-${hex(4)}`;
  const report = { contentId: `content-${hex(6)}`, category: 'MINOR_PHYSICAL_ALTERCATION' as const, description: 'placeholder description', reportedAccountId: account };
  const filed = await submitReport(anonymous(), report);
  // A second notice on the same content folds into the case: a second notifier.
  const second = await submitReport(anonymous(), report);
  const caseId = filed.report.caseId;
  expect(second.report.caseId).toBe(caseId);
  const decider = await user('appeal-guard-decider', ['LEAD']);
  await hold(caseId, decider);
  await submitAssessment(decider, { caseId, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true });
  const { decision } = await decideCase(decider, { caseId, expectedVersion: (await caseOf(caseId)).version, actions: ['REMOVE_CONTENT'] });
  return { caseId, decisionId: decision.id, account, followUpToken: filed.followUpToken, second: { reportId: second.report.id, followUpToken: second.followUpToken } };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error & { code?: string },
  );
  expect(error, 'expected a refusal').not.toBeNull();
  return { name: error!.constructor.name, message: error!.message, code: error!.code };
}

describe('lodging an appeal (submitAppeal)', () => {
  it('a signed-in caller other than the platform cannot appeal for the affected account: only with a follow-up token', async () => {
    const { decisionId, account } = await decidedCase();
    for (const roles of [['REVIEWER'], ['LEAD'], ['ADMIN']] as Role[][]) {
      const caller = await user('not-platform', roles);
      expect(await refusal(submitAppeal(caller, { decisionId, appellantAccountId: account, statement: 'placeholder statement' })), roles.join()).toEqual({
        name: 'ForbiddenError',
        message: 'Appeal with the follow-up token from your report receipt',
        code: 'FORBIDDEN',
      });
    }
    expect(await prisma().appeal.count({ where: { decisionId } })).toBe(0);
  });

  it('refuses malformed input with a typed error naming each field, before anything else', async () => {
    const { decisionId, followUpToken } = await decidedCase();
    const e = await submitAppeal(anonymous(), { decisionId: 'not-a-uuid', followUpToken, statement: '   ' }).then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(e?.constructor.name).toBe('ValidationError');
    expect(e?.message).toMatch(/decisionId: must be a decision id; statement: must not be empty/);
    expect(await prisma().appeal.count({ where: { decisionId } })).toBe(0);
  });

  it('each notifier appeals once: a second notice’s notifier may appeal too, and the appeal names their report', async () => {
    const { decisionId, followUpToken, second } = await decidedCase();
    const first = await submitAppeal(anonymous(), { decisionId, followUpToken, statement: 'placeholder statement' });
    const other = await submitAppeal(anonymous(), { decisionId, followUpToken: second.followUpToken, statement: 'placeholder statement' });
    expect(other).toMatchObject({ appellantKind: 'NOTIFIER', reportId: second.reportId, status: 'PENDING' });
    expect(first.reportId).not.toBe(second.reportId);
    expect(await refusal(submitAppeal(anonymous(), { decisionId, followUpToken: second.followUpToken, statement: 'placeholder statement' }))).toMatchObject({
      name: 'AppealNotAllowedError',
      code: 'ALREADY_APPEALED',
    });
  });

  it('a decision reversed on the affected account’s appeal cannot be appealed by the notifier', async () => {
    const { caseId, decisionId, account, followUpToken } = await decidedCase();
    const appeal = await submitAppeal(await user('reversal-platform', ['PLATFORM']), { decisionId, appellantAccountId: account, statement: 'placeholder statement' });
    const judge = await user('reversal-judge', ['APPEALS_REVIEWER']);
    await hold(caseId, judge);
    await decideAppeal(judge, { appealId: appeal.id, outcome: 'OVERTURNED', reason: 'placeholder reason' });
    const reversed = await prisma().decision.findUniqueOrThrow({ where: { id: decisionId } });
    expect(reversed.reversedAt).not.toBeNull();
    expect(await caseOf(caseId)).toMatchObject({ status: 'CLOSED' });

    expect(await refusal(submitAppeal(anonymous(), { decisionId, followUpToken, statement: 'placeholder statement' }))).toEqual({
      name: 'AppealNotAllowedError',
      message: 'This decision has already been reversed',
      code: 'NOT_APPEALABLE',
    });
    expect(await prisma().appeal.count({ where: { decisionId } })).toBe(1);
  });
});
