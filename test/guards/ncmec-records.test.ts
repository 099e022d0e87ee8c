// Guards of a CyberTipline record's state, each a legal outcome: only a SUBMITTED report is recorded as acknowledged by
// NCMEC, a report NCMEC accepted is never withdrawn, and a record whose withdrawal a liaison asked for is never sent again. In-process (no socket); the `guards`
// mutation scope runs this file against each mutant.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from '../support/harness.js';
import { refused, serviceActors } from './support.js';
import { submitReport } from '../../src/services/intake.js';
import { acknowledgeNcmecReport, resubmitNcmecReport, withdrawNcmecReport } from '../../src/services/ncmec.js';
import type { Prisma } from '../../src/generated/prisma/client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous } = serviceActors(() => server);

/** A CyberTipline record in `status` on a case of its own, as the decision and the submitter would leave it. */
async function record(data: Partial<Prisma.NcmecReportUncheckedCreateInput>) {
  const filed = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category: 'CHILD_SEXUAL_EXPLOITATION', description: 'placeholder description' });
  return prisma().ncmecReport.create({ data: { caseId: filed.report.caseId, decisionId: randomUUID(), payload: {}, ...data } });
}

const unchanged = async (before: { id: string; caseId: string }) => {
  expect(await prisma().ncmecReport.findUniqueOrThrow({ where: { id: before.id } })).toEqual(before);
  expect(await prisma().auditEvent.count({ where: { caseId: before.caseId, action: { startsWith: 'ncmec.' } } })).toBe(0);
};

describe("recording NCMEC's acknowledgement (acknowledgeNcmecReport)", () => {
  it('refuses every record NCMEC has not accepted, naming its state, and leaves it as it was', async () => {
    const liaison = await user('ack-liaison', ['LAW_ENFORCEMENT_LIAISON']);
    for (const status of ['DRAFT', 'AWAITING_SUBMISSION', 'SUBMITTING', 'NEEDS_CORRECTION', 'FAILED', 'WITHDRAWN', 'ACKNOWLEDGED'] as const) {
      const before = await record({ status });
      await refused(acknowledgeNcmecReport(liaison, before.id), 'InvalidTransitionError', `Only a SUBMITTED report can be acknowledged (it is ${status})`);
      await unchanged(before);
    }
  });

  it('acknowledges a SUBMITTED report, with its audit event', async () => {
    const liaison = await user('ack-liaison-ok', ['LAW_ENFORCEMENT_LIAISON']);
    const before = await record({ status: 'SUBMITTED', externalReportId: '123456', submittedAt: new Date() });
    const after = await acknowledgeNcmecReport(liaison, before.id);
    expect(after).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedAt: expect.any(Date) });
    expect(await prisma().auditEvent.findMany({ where: { caseId: before.caseId, action: 'ncmec.acknowledged' } })).toMatchObject([
      { entityType: 'NcmecReport', entityId: before.id, changes: { status: { from: 'SUBMITTED', to: 'ACKNOWLEDGED' } } },
    ]);
  });
});

describe('sending a record again (resubmitNcmecReport)', () => {
  it('refuses a record that needs correction once its withdrawal was asked for, and any record not needing correction', async () => {
    const liaison = await user('resubmit-liaison', ['LAW_ENFORCEMENT_LIAISON']);
    // Withdrawing a report open at NCMEC (it has a report id) asks for its retraction and leaves its state: it must not go out again.
    const withdrawing = await record({ status: 'NEEDS_CORRECTION', externalReportId: '654321', withdrawalRequestedAt: new Date(), withdrawalReason: 'placeholder reason' });
    await refused(resubmitNcmecReport(liaison, withdrawing.id), 'InvalidTransitionError', 'Only a record that needs correction can be sent again (it is NEEDS_CORRECTION)');
    await unchanged(withdrawing);
    for (const status of ['AWAITING_SUBMISSION', 'SUBMITTED', 'FAILED', 'WITHDRAWN'] as const) {
      const before = await record({ status });
      await refused(resubmitNcmecReport(liaison, before.id), 'InvalidTransitionError', `(it is ${status})`);
      await unchanged(before);
    }
  });

  it('sends a record that needs correction again', async () => {
    const liaison = await user('resubmit-liaison-ok', ['LAW_ENFORCEMENT_LIAISON']);
    const before = await record({ status: 'NEEDS_CORRECTION' });
    expect(await resubmitNcmecReport(liaison, before.id)).toMatchObject({ status: 'AWAITING_SUBMISSION' });
    const events = await prisma().auditEvent.findMany({ where: { caseId: before.caseId, action: 'ncmec.resubmission_requested' } });
    expect(events.map((e) => ({ entityType: e.entityType, entityId: e.entityId, changes: e.changes }))).toEqual([
      { entityType: 'NcmecReport', entityId: before.id, changes: { status: { from: 'NEEDS_CORRECTION', to: 'AWAITING_SUBMISSION' } } },
    ]);
  });
});

describe('withdrawing a record (withdrawNcmecReport)', () => {
  it('refuses a report NCMEC accepted, and a record already withdrawn or being withdrawn, leaving each as it was', async () => {
    const liaison = await user('withdraw-liaison', ['LAW_ENFORCEMENT_LIAISON']);
    for (const status of ['SUBMITTED', 'ACKNOWLEDGED'] as const) {
      const before = await record({ status, externalReportId: '123456' });
      await refused(withdrawNcmecReport(liaison, before.id, 'placeholder reason'), 'InvalidTransitionError', /^NCMEC has accepted this report; a finished report cannot be retracted \(contact NCMEC\)$/);
      await unchanged(before);
    }
    for (const data of [{ status: 'WITHDRAWN' as const }, { status: 'NEEDS_CORRECTION' as const, externalReportId: '654321', withdrawalRequestedAt: new Date() }]) {
      const before = await record(data);
      await refused(withdrawNcmecReport(liaison, before.id, 'placeholder reason'), 'InvalidTransitionError', /^This record is already withdrawn$/);
      await unchanged(before);
    }
  });

  it('needs a reason of 1 to 2,000 characters, kept trimmed', async () => {
    const liaison = await user('withdraw-liaison-reason', ['LAW_ENFORCEMENT_LIAISON']);
    const before = await record({ status: 'FAILED' });
    for (const reason of ['', '   ', 'x'.repeat(2001)]) {
      const e = await refused(withdrawNcmecReport(liaison, before.id, reason), 'ValidationError');
      expect(e.fields).toEqual([{ path: 'reason', message: 'must be 1 to 2000 characters' }]);
    }
    await unchanged(before);
    expect(await withdrawNcmecReport(liaison, before.id, ` ${'x'.repeat(2000)} `)).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: 'x'.repeat(2000) });
  });

  it('a record being sent (SUBMITTING, no report id yet) is marked for retraction, not withdrawn at once', async () => {
    const liaison = await user('withdraw-liaison-sending', ['LAW_ENFORCEMENT_LIAISON']);
    const sending = await record({ status: 'SUBMITTING' });
    expect(await withdrawNcmecReport(liaison, sending.id, 'placeholder reason')).toMatchObject({ status: 'SUBMITTING', withdrawnAt: null, withdrawalRequestedAt: expect.any(Date) });
    expect(await prisma().auditEvent.count({ where: { caseId: sending.caseId, action: 'ncmec.withdrawal_requested' } })).toBe(1);
  });

  it('withdraws a record nothing was sent for at once; one open at NCMEC is marked for retraction, its state kept', async () => {
    const liaison = await user('withdraw-liaison-ok', ['LAW_ENFORCEMENT_LIAISON']);
    const unsent = await record({ status: 'FAILED' });
    expect(await withdrawNcmecReport(liaison, unsent.id, 'placeholder reason')).toMatchObject({ status: 'WITHDRAWN', withdrawnAt: expect.any(Date), withdrawalReason: 'placeholder reason' });
    expect(await prisma().auditEvent.count({ where: { caseId: unsent.caseId, action: 'ncmec.withdrawn' } })).toBe(1);
    const open = await record({ status: 'NEEDS_CORRECTION', externalReportId: '777777' });
    expect(await withdrawNcmecReport(liaison, open.id, 'placeholder reason')).toMatchObject({ status: 'NEEDS_CORRECTION', withdrawnAt: null, withdrawalRequestedAt: expect.any(Date) });
    expect(await prisma().auditEvent.count({ where: { caseId: open.caseId, action: 'ncmec.withdrawal_requested' } })).toBe(1);
  });
});
