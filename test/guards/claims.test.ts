// Taking the next case (src/services/claims.ts, claimNextCase), called on the services: the queue's qualification as the
// token and the reviewer's record stand, the daily exposure cap at its boundary, and what the appeals queue says when
// only cases that need another qualification wait there. The file has its own database, and only its tests file appeals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from '../support/harness.js';
import { idOf, serviceActors } from './support.js';
import type { Category } from '../../src/policy/index.js';
import { setReviewerAccess } from '../../src/services/reviewers.js';
import { submitReport } from '../../src/services/intake.js';
import { claimCase, claimNextCase } from '../../src/services/claims.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous } = serviceActors(() => server);

async function fileCase(category: Category): Promise<string> {
  const r = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}` });
  return r.report.caseId;
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error & Record<string, unknown>,
  );
  expect(error, 'expected a refusal').not.toBeNull();
  return { name: error!.constructor.name, message: error!.message, code: error!.code, qualification: error!.qualification, cap: error!.cap };
}

describe('claimNextCase', () => {
  it('refuses a queue the caller is not qualified for, by the token’s roles and by a role withdrawn since', async () => {
    await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const expected = {
      name: 'NotQualifiedError',
      code: 'NOT_QUALIFIED',
      qualification: 'CHILD_SAFETY_SPECIALIST',
      message: 'You are not qualified to work the CHILD_SEXUAL_EXPLOITATION queue: it needs CHILD_SAFETY_SPECIALIST',
      cap: undefined,
    };
    expect(await refusal(claimNextCase(await user('queue-reviewer', ['REVIEWER']), 'CHILD_SEXUAL_EXPLOITATION'))).toEqual(expected);
    const withdrawn = await user('queue-withdrawn', ['REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    await setReviewerAccess(await user('queue-admin', ['ADMIN']), { reviewerId: idOf(withdrawn), revokedRoles: ['CHILD_SAFETY_SPECIALIST'], suspended: false });
    expect(await refusal(claimNextCase(withdrawn, 'CHILD_SEXUAL_EXPLOITATION'))).toEqual(expected);
    expect(await prisma().caseClaim.count({ where: { reviewerId: idOf(withdrawn) } })).toBe(0);
  });

  it('stops exploitation cases at the daily cap exactly, with the cap named, and leaves other queues open', async () => {
    const settings = server.app.serviceContext({ kind: 'SYSTEM', id: 'test' }).settings;
    const specialist = await user('cap-specialist', ['CHILD_SAFETY_SPECIALIST'], { settings: { ...settings, dailyExposureCap: 2 } });
    for (let i = 0; i < 3; i++) await fileCase('CHILD_SEXUAL_EXPLOITATION');
    for (let i = 0; i < 2; i++) expect((await claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION')).case.category).toBe('CHILD_SEXUAL_EXPLOITATION');
    expect(await refusal(claimNextCase(specialist, 'CHILD_SEXUAL_EXPLOITATION'))).toEqual({
      name: 'ExposureCapReachedError',
      code: 'EXPOSURE_CAP_REACHED',
      cap: 2,
      qualification: undefined,
      message: 'You have reviewed 2 exploitation or abuse-media cases today, the daily limit. Take a break; other queues remain open to you.',
    });
    const altercation = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    const taken: string[] = [];
    for (let i = 0; i < 50 && !taken.includes(altercation); i++) taken.push((await claimNextCase(specialist, 'MINOR_PHYSICAL_ALTERCATION')).case.id);
    expect(taken).toContain(altercation);
  });

  it('claimCase: choosing a case needs the lead or appeals role as the reviewer’s record stands, before any other check', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    try {
      const withdrawn = await user('chooser-withdrawn', ['REVIEWER', 'APPEALS_REVIEWER']);
      await setReviewerAccess(await user('chooser-admin', ['ADMIN']), { reviewerId: idOf(withdrawn), revokedRoles: ['APPEALS_REVIEWER'], suspended: false });
      const expected = { name: 'ForbiddenError', code: 'FORBIDDEN', message: 'This step needs one of: LEAD, APPEALS_REVIEWER', qualification: undefined, cap: undefined };
      expect(await refusal(claimCase(withdrawn, caseId))).toEqual(expected);
      expect(await refusal(claimCase(await user('chooser-specialist', ['CHILD_SAFETY_SPECIALIST']), caseId))).toEqual(expected);
      expect(await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ assigneeId: null, status: 'APPEALED' });
    } finally {
      // Out of the appeals queue, which another test of this file expects to hold only its own appeals.
      await prisma().case.update({ where: { id: caseId }, data: { status: 'DECIDED', queue: 'MINOR_PHYSICAL_ALTERCATION', assigneeId: null } });
    }
  });

  it('claimCase: an appeal of a category the chooser may not handle is refused naming the qualification it needs', async () => {
    const caseId = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    try {
      // An appeals reviewer without the specialist role does not see the case at all; a lead's category is always held,
      // so the refusal shows with a liaison who also reviews appeals: may see the case, may not handle it.
      const chooser = await user('chooser-liaison', ['APPEALS_REVIEWER', 'LAW_ENFORCEMENT_LIAISON']);
      expect(await refusal(claimCase(chooser, caseId))).toEqual({
        name: 'NotQualifiedError',
        code: 'NOT_QUALIFIED',
        qualification: 'CHILD_SAFETY_SPECIALIST',
        message: 'You may not claim this case: CHILD_SEXUAL_EXPLOITATION cases need CHILD_SAFETY_SPECIALIST',
        cap: undefined,
      });
    } finally {
      await prisma().case.update({ where: { id: caseId }, data: { status: 'DECIDED', queue: 'CHILD_SEXUAL_EXPLOITATION', assigneeId: null } });
    }
  });

  it('claimCase: an appeals reviewer chooses appeals only, and is told to take other cases from their queue', async () => {
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    expect(await refusal(claimCase(await user('chooser-appeals', ['APPEALS_REVIEWER']), caseId))).toEqual({
      name: 'NotQualifiedError',
      code: 'NOT_QUALIFIED',
      qualification: 'LEAD',
      message: 'Only leads choose a case outside the appeals queue; take the next one with claimNextCase',
      cap: undefined,
    });
    expect(await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ assigneeId: null, status: 'OPEN' });
  });

  it('in the appeals queue, says which qualification the waiting appeals need, and that nothing waits once they are taken', async () => {
    const caseId = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await prisma().case.update({ where: { id: caseId }, data: { status: 'APPEALED', queue: 'APPEALS' } });
    const appeals = await user('appeals-only', ['APPEALS_REVIEWER']);
    expect(await refusal(claimNextCase(appeals, 'APPEALS'))).toEqual({
      name: 'NotQualifiedError',
      code: 'NOT_QUALIFIED',
      qualification: 'CHILD_SAFETY_SPECIALIST',
      message: 'Nothing you may handle is waiting in APPEALS: CHILD_SEXUAL_EXPLOITATION cases need CHILD_SAFETY_SPECIALIST',
      cap: undefined,
    });
    const qualified = await user('appeals-specialist', ['APPEALS_REVIEWER', 'CHILD_SAFETY_SPECIALIST']);
    expect((await claimNextCase(qualified, 'APPEALS')).case).toMatchObject({ id: caseId, status: 'APPEALED', assigneeId: idOf(qualified) });
    expect(await refusal(claimNextCase(appeals, 'APPEALS'))).toEqual({
      name: 'NoCaseAvailableError',
      code: 'QUEUE_EMPTY',
      message: 'No case is waiting in APPEALS',
      qualification: undefined,
      cap: undefined,
    });
  });
});
