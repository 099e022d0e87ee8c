// NCMEC CyberTipline reports (18 U.S.C. 2258A). A record is created in the deciding transaction; submission happens
// after commit through a transport, so a slow or failing endpoint never blocks or loses a decision.
import type { NcmecReport } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { InvalidTransitionError, NotFoundError } from './errors.js';
import { isUuid } from './validation.js';
import { NoChange, inTransaction } from './transaction.js';

/** What leaves the platform: references and hashes, never media or reporter identity. */
export interface CyberTiplinePayload {
  reportRecordId: string;
  caseId: string;
  incidentType: 'CHILD_SEXUAL_EXPLOITATION';
  content: { contentId: string; url: string | null; mediaHashes: Array<{ algorithm: string; value: string }> };
  reportedAccountId: string | null;
  firstReportedAt: string;
  decidedAt: string;
  preservationExpiresAt: string;
}

/**
 * The extension point for the real CyberTipline API. `submit` resolves with NCMEC's report id, or rejects; the record
 * is then FAILED and retried by the background job.
 */
export interface NcmecTransport {
  submit(payload: CyberTiplinePayload): Promise<{ externalReportId: string }>;
}

/** Records submissions in memory. The default outside production, and what tests inspect. */
export class RecordingNcmecTransport implements NcmecTransport {
  readonly submissions: CyberTiplinePayload[] = [];
  failNext = 0;
  async submit(payload: CyberTiplinePayload) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('simulated CyberTipline outage');
    }
    this.submissions.push(payload);
    return { externalReportId: `recorded-${this.submissions.length}` };
  }
}

export const MAX_SUBMISSION_ATTEMPTS = 10;

/** Submits every DRAFT or FAILED record (one instance wins each record); returns how many were submitted. */
export async function submitPendingNcmecReports(ctx: ServiceContext, limit = 20): Promise<number> {
  const pending = await ctx.prisma.ncmecReport.findMany({
    where: { status: { in: ['DRAFT', 'FAILED', 'SUBMITTING'] }, attempts: { lt: MAX_SUBMISSION_ATTEMPTS } },
    orderBy: { createdAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  let submitted = 0;
  for (const { id } of pending) if (await submitOne(ctx, id)) submitted += 1;
  return submitted;
}

/** A SUBMITTING record older than this is taken to belong to a crashed instance and is tried again. */
export const STALE_SUBMISSION_MS = 5 * 60_000;

async function submitOne(ctx: ServiceContext, id: string): Promise<boolean> {
  // Claim the record (SUBMITTING) so that two instances never both send it; the claim is audited like any change.
  const record = await inTransaction(ctx, async (unit) => {
    const claimed = await unit.tx.ncmecReport.updateMany({
      where: {
        id,
        attempts: { lt: MAX_SUBMISSION_ATTEMPTS },
        OR: [
          { status: { in: ['DRAFT', 'FAILED'] } },
          { status: 'SUBMITTING', lastAttemptAt: { lt: new Date(unit.now.getTime() - STALE_SUBMISSION_MS) } },
        ],
      },
      data: { status: 'SUBMITTING', attempts: { increment: 1 }, lastAttemptAt: unit.now },
    });
    if (claimed.count === 0) throw new NoChange(null);
    const row = await unit.tx.ncmecReport.findUniqueOrThrow({ where: { id } });
    unit.audit({ action: 'ncmec.submission_started', entityType: 'NcmecReport', entityId: id, caseId: row.caseId, changes: { status: { to: 'SUBMITTING' }, attempt: row.attempts } });
    return row;
  });
  if (!record) return false;
  let outcome: { externalReportId: string } | Error;
  try {
    outcome = await ctx.ncmec.submit(record.payload as unknown as CyberTiplinePayload);
  } catch (error) {
    outcome = error instanceof Error ? error : new Error(String(error));
  }
  const ok = !(outcome instanceof Error);
  await inTransaction(ctx, async (unit) => {
    await unit.tx.ncmecReport.update({
      where: { id },
      data: ok
        ? { status: 'SUBMITTED', submittedAt: unit.now, externalReportId: (outcome as { externalReportId: string }).externalReportId, lastError: null }
        : { status: 'FAILED', lastError: (outcome as Error).message.slice(0, 500) },
    });
    unit.audit({
      action: ok ? 'ncmec.submitted' : 'ncmec.submission_failed',
      entityType: 'NcmecReport',
      entityId: id,
      caseId: record.caseId,
      changes: { status: { from: 'SUBMITTING', to: ok ? 'SUBMITTED' : 'FAILED' }, attempt: record.attempts },
    });
  });
  return ok;
}

/** A liaison records NCMEC's acknowledgement of a submitted report. */
export async function acknowledgeNcmecReport(ctx: ServiceContext, id: string): Promise<NcmecReport> {
  return inTransaction(ctx, async (unit) => {
    const record = isUuid(id) ? await unit.tx.ncmecReport.findUnique({ where: { id } }) : null;
    if (!record) throw new NotFoundError('NCMEC report');
    if (record.status !== 'SUBMITTED') {
      throw new InvalidTransitionError(`Only a SUBMITTED report can be acknowledged (it is ${record.status})`);
    }
    const updated = await unit.tx.ncmecReport.update({ where: { id }, data: { status: 'ACKNOWLEDGED', acknowledgedAt: unit.now } });
    unit.audit({ action: 'ncmec.acknowledged', entityType: 'NcmecReport', entityId: id, caseId: record.caseId, changes: { status: { from: 'SUBMITTED', to: 'ACKNOWLEDGED' } } });
    return updated;
  });
}
