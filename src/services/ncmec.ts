// NCMEC CyberTipline reports (18 U.S.C. 2258A). A record is created in the deciding transaction and starts
// AWAITING_SUBMISSION; after commit, and then from the background job, it is filed through NCMEC's reporting web
// service (src/services/cybertipline.ts). A record says SUBMITTED only once NCMEC has accepted the report: /finish
// answered, or a liaison recorded the number of a report filed by hand. Every step is audited.
//
// Filing one record: claim it (SUBMITTING) → /submit, storing NCMEC's report id at once → attach the evidence file if
// configured (/upload + /fileinfo) → /finish → SUBMITTED. A claim older than twice the attempt timeout belongs to a
// crashed instance and is taken over; with a stored report id the attempt resumes after /submit, so a crash never
// opens a second report.
import type { NcmecReport, Prisma } from '../generated/prisma/client.js';
import type { Tx } from '../db/database.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ServiceContext } from './context.js';
import {
  CyberTiplineError,
  EvidenceRejectedError,
  IspwsClient,
  ResponseCode,
  buildFileDetailsXml,
  buildReportXml,
  type Reporter,
} from './cybertipline.js';
import { InvalidTransitionError, NotFoundError, ValidationError } from './errors.js';
import { isUuid } from './validation.js';
import { NoChange, inTransaction } from './transaction.js';

/** What the record holds for NCMEC: references and hashes, never media or reporter identity. */
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

export interface CyberTiplineOptions {
  apiUrl: string;
  username: string;
  password: string;
  reporter: Reporter;
  espService: string;
  /** A URL with `{contentId}`: where the platform's evidence store serves a content item's file. */
  evidenceUrl: string | null;
  /** The first retry's delay after a transient failure; each further retry doubles it, up to an hour. */
  retryBaseMs: number;
  /** One attempt (every call and the evidence stream) is abandoned after this long. */
  attemptTimeoutMs: number;
  logger: Logger;
}

export const MAX_RETRY_DELAY_MS = 60 * 60_000;

/** Why sending stopped: NCMEC refused the credentials (2000) or the account's authorization (3100). */
export interface Halt {
  code: number | null;
  description: string;
  since: Date;
}

/** The configured CyberTipline: the client, the reporting ESP's details, and whether sending is halted. */
export class CyberTipline {
  readonly client: IspwsClient;
  private halt: Halt | null = null;
  private lastProbe = 0;

  constructor(readonly options: CyberTiplineOptions) {
    this.client = new IspwsClient({ baseUrl: options.apiUrl, username: options.username, password: options.password });
  }

  /** Set while NCMEC refuses our credentials; nothing is sent until /status accepts them again. */
  get halted(): Halt | null {
    return this.halt;
  }

  stop(reason: Halt) {
    if (!this.halt) {
      this.options.logger.error(
        { ncmecResponseCode: reason.code, ncmecResponseDescription: reason.description },
        'ALERT: NCMEC refused the CyberTipline credentials; no report is sent until they are fixed (docs/operations.md "CyberTipline")',
      );
    }
    this.halt = reason;
    this.lastProbe = Date.now();
  }

  /** While halted, asks /status at most once per retry interval; resumes when NCMEC accepts the credentials. */
  async mayResume(): Promise<boolean> {
    if (!this.halt) return true;
    if (Date.now() - this.lastProbe < this.options.retryBaseMs) return false;
    this.lastProbe = Date.now();
    try {
      await this.client.status(AbortSignal.timeout(this.options.attemptTimeoutMs));
    } catch (error) {
      if (error instanceof CyberTiplineError && error.kind === 'AUTH') this.halt = { code: error.code, description: error.description, since: this.halt.since };
      return false;
    }
    this.options.logger.warn({ haltedSince: this.halt.since }, 'NCMEC accepts the CyberTipline credentials again; sending resumes');
    this.halt = null;
    return true;
  }

  /** How long a claim may stand before another instance takes it over: no attempt outlives its timeout. */
  get staleAfterMs() {
    return 2 * this.options.attemptTimeoutMs;
  }
}

/** Statuses the background job sends from (DRAFT only on records written before AWAITING_SUBMISSION existed). */
const SENDABLE = ['AWAITING_SUBMISSION', 'DRAFT', 'FAILED'] as const;
/** Not yet accepted by NCMEC and not withdrawn: what /metrics counts as unsent. */
export const UNSENT = ['AWAITING_SUBMISSION', 'DRAFT', 'SUBMITTING', 'FAILED', 'NEEDS_CORRECTION'] as const;

/** Files (or retracts) every record that is due; returns how many NCMEC accepted. Safe on every instance at once. */
export async function submitPendingNcmecReports(ctx: ServiceContext, limit = 20): Promise<number> {
  const channel = ctx.ncmec;
  if (!channel || !(await channel.mayResume())) return 0;
  const now = ctx.now();
  const pending = await ctx.prisma.ncmecReport.findMany({
    where: {
      OR: [
        { status: { in: [...SENDABLE] }, OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] },
        { status: 'NEEDS_CORRECTION', withdrawalRequestedAt: { not: null }, externalReportId: { not: null } },
        { status: 'SUBMITTING', lastAttemptAt: { lt: new Date(now.getTime() - channel.staleAfterMs) } },
      ],
    },
    orderBy: { createdAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  let accepted = 0;
  for (const { id } of pending) {
    if (channel.halted) break;
    if (await fileOne(ctx, channel, id)) accepted += 1;
  }
  return accepted;
}

type Claimed = NcmecReport & { payload: CyberTiplinePayload };

async function fileOne(ctx: ServiceContext, channel: CyberTipline, id: string): Promise<boolean> {
  // Claim the record (SUBMITTING) so that two instances never both send it; the claim is audited like any change.
  const record = await inTransaction(ctx, async (unit) => {
    const claimed = await unit.tx.ncmecReport.updateMany({
      where: {
        id,
        OR: [
          { status: { in: [...SENDABLE] }, OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: unit.now } }] },
          { status: 'NEEDS_CORRECTION', withdrawalRequestedAt: { not: null }, externalReportId: { not: null } },
          { status: 'SUBMITTING', lastAttemptAt: { lt: new Date(unit.now.getTime() - channel.staleAfterMs) } },
        ],
      },
      data: { status: 'SUBMITTING', attempts: { increment: 1 }, lastAttemptAt: unit.now },
    });
    if (claimed.count === 0) throw new NoChange(null);
    const row = await unit.tx.ncmecReport.findUniqueOrThrow({ where: { id } });
    unit.audit({
      action: 'ncmec.submission_started',
      entityType: 'NcmecReport',
      entityId: id,
      caseId: row.caseId,
      changes: { status: { to: 'SUBMITTING' }, attempt: row.attempts, resumesReport: row.externalReportId !== null, retraction: row.withdrawalRequestedAt !== null },
    });
    return row as Claimed;
  });
  if (!record) return false;
  const signal = AbortSignal.timeout(channel.options.attemptTimeoutMs);
  /** Writes to the record only while this attempt still holds the claim. */
  const update: Update = (data, audit) =>
    inTransaction(ctx, async (unit) => {
      const done = await unit.tx.ncmecReport.updateMany({ where: { id, status: 'SUBMITTING', attempts: record.attempts }, data });
      if (done.count === 0) throw new NoChange(false);
      unit.audit({ entityType: 'NcmecReport', entityId: id, caseId: record.caseId, ...audit });
      return true;
    });
  let reportId = record.externalReportId;
  try {
    if (record.withdrawalRequestedAt) return await retract(ctx, channel, record, update, signal);
    if (!reportId) {
      const opened = await channel.client.submit(reportXml(record.payload, channel), signal);
      reportId = opened;
      if (!(await update({ externalReportId: opened, responseCode: ResponseCode.OK }, { action: 'ncmec.report_opened', changes: { externalReportId: opened } }))) {
        // Another instance took the record over while /submit was answering: close the report this attempt opened.
        await channel.client.retract(opened, signal).catch(() => {});
        return false;
      }
    }
    if (channel.options.evidenceUrl && record.evidenceOutcome === null) {
      const evidence = await attachEvidence(channel, record, reportId, signal);
      const kept = await update(
        { evidenceOutcome: evidence.outcome, evidenceFileId: evidence.fileId },
        { action: evidence.fileId ? 'ncmec.evidence_attached' : 'ncmec.evidence_not_attached', changes: { outcome: evidence.outcome, fileId: evidence.fileId } },
      );
      if (!kept) return false;
    }
    // A liaison may have withdrawn the record while this attempt ran: retract rather than finish.
    const fresh = await ctx.prisma.ncmecReport.findUniqueOrThrow({ where: { id }, select: { withdrawalRequestedAt: true } });
    if (fresh.withdrawalRequestedAt) return await retract(ctx, channel, { ...record, externalReportId: reportId }, update, signal);
    let files: string[] = [];
    try {
      files = (await channel.client.finish(reportId, signal)).files;
    } catch (error) {
      // A previous attempt's /finish went through but its answer was lost: the report is finished.
      if (!(error instanceof CyberTiplineError && error.code === ResponseCode.ALREADY_FINISHED)) throw error;
    }
    const now = ctx.now();
    return await update(
      {
        status: 'SUBMITTED',
        submittedAt: now,
        submissionChannel: 'API',
        responseCode: ResponseCode.OK,
        responseDescription: null,
        lastError: null,
        nextAttemptAt: null,
      },
      { action: 'ncmec.submitted', changes: { status: { from: 'SUBMITTING', to: 'SUBMITTED' }, externalReportId: reportId, files: files.length } },
    );
  } catch (error) {
    await recordFailure(ctx, channel, record, reportId, error, update);
    return false;
  }
}

type Update = (
  data: Prisma.NcmecReportUpdateManyMutationInput,
  audit: { action: string; changes: Record<string, unknown> },
) => Promise<boolean>;

async function retract(_ctx: ServiceContext, channel: CyberTipline, record: Claimed, update: Update, signal: AbortSignal): Promise<boolean> {
  const reportId = record.externalReportId;
  if (reportId) {
    try {
      await channel.client.retract(reportId, signal);
    } catch (error) {
      if (error instanceof CyberTiplineError && error.code === ResponseCode.ALREADY_FINISHED) {
        // NCMEC had already accepted it (a finish whose answer was lost): the record says so.
        await update(
          { status: 'SUBMITTED', submittedAt: _ctx.now(), submissionChannel: 'API', responseCode: error.code, nextAttemptAt: null, lastError: null },
          { action: 'ncmec.submitted', changes: { status: { from: 'SUBMITTING', to: 'SUBMITTED' }, externalReportId: reportId, withdrawalTooLate: true } },
        );
        return true;
      }
      // 5001: NCMEC no longer has it (unfinished reports are deleted after a day); anything else is retried.
      if (!(error instanceof CyberTiplineError && error.code === ResponseCode.NO_SUCH_REPORT)) throw error;
    }
  }
  await update(
    { status: 'WITHDRAWN', withdrawnAt: _ctx.now(), nextAttemptAt: null, lastError: null },
    { action: 'ncmec.retracted', changes: { status: { from: 'SUBMITTING', to: 'WITHDRAWN' }, externalReportId: reportId } },
  );
  return false;
}

async function recordFailure(ctx: ServiceContext, channel: CyberTipline, record: Claimed, reportId: string | null, error: unknown, update: Update) {
  const failure =
    error instanceof CyberTiplineError ? error : new CyberTiplineError('TRANSIENT', null, error instanceof Error ? error.message : String(error));
  const now = ctx.now();
  const base = { responseCode: failure.code, responseDescription: failure.description.slice(0, 2000), lastError: failure.message.slice(0, 500) };
  if (failure.kind === 'AUTH') {
    channel.stop({ code: failure.code, description: failure.description, since: now });
    // Nothing is lost: the record waits, due at once, for sending to resume.
    await update({ ...base, status: 'FAILED', nextAttemptAt: null }, { action: 'ncmec.submission_failed', changes: { status: { from: 'SUBMITTING', to: 'FAILED' }, responseCode: failure.code, sendingHalted: true } });
    return;
  }
  if (failure.kind === 'VALIDATION') {
    await update({ ...base, status: 'NEEDS_CORRECTION', nextAttemptAt: null }, { action: 'ncmec.needs_correction', changes: { status: { from: 'SUBMITTING', to: 'NEEDS_CORRECTION' }, responseCode: failure.code } });
    return;
  }
  if (failure.code === ResponseCode.NO_SUCH_REPORT && reportId) {
    // NCMEC deleted the unfinished report (it keeps them about a day): open a new one on the next attempt.
    await update(
      { ...base, status: 'FAILED', externalReportId: null, evidenceFileId: null, evidenceOutcome: null, nextAttemptAt: now },
      { action: 'ncmec.submission_failed', changes: { status: { from: 'SUBMITTING', to: 'FAILED' }, responseCode: failure.code, reportExpired: reportId } },
    );
    return;
  }
  const delay = Math.min(channel.options.retryBaseMs * 2 ** Math.max(0, record.attempts - 1), MAX_RETRY_DELAY_MS);
  const retryAt = new Date(now.getTime() + delay);
  if (failure.kind === 'REJECTED') channel.options.logger.error({ ncmecResponseCode: failure.code, record: record.id }, 'NCMEC refused a CyberTipline call with an unexpected code; retrying');
  await update(
    { ...base, status: 'FAILED', nextAttemptAt: retryAt },
    { action: 'ncmec.submission_failed', changes: { status: { from: 'SUBMITTING', to: 'FAILED' }, responseCode: failure.code, retryAt } },
  );
}

function reportXml(payload: CyberTiplinePayload, channel: CyberTipline) {
  return buildReportXml(
    {
      incidentDateTime: payload.firstReportedAt,
      contentUrl: payload.content.url,
      contentId: payload.content.contentId,
      reportedAccountId: payload.reportedAccountId,
      mediaHashes: payload.content.mediaHashes,
    },
    channel.options.reporter,
    channel.options.espService,
  );
}

/** What became of the evidence file: attached, or why not (docs/operations.md "Evidence"). */
export type EvidenceOutcome = 'ATTACHED' | 'HASH_MISMATCH' | 'NO_VERIFIABLE_HASH' | 'NOT_AVAILABLE' | 'REFUSED';

/**
 * Streams the content's file from the evidence store to /upload, hashing it on the way; the upload completes only if
 * the file matches one of the case's MD5 or SHA-256 hashes. Nothing is written to disk or the database. A file the
 * store cannot serve, or that does not match, is not attached: the report goes on, and the platform's preservation
 * hold keeps the evidence for NCMEC to request.
 */
async function attachEvidence(channel: CyberTipline, record: Claimed, reportId: string, signal: AbortSignal): Promise<{ outcome: EvidenceOutcome; fileId: string | null }> {
  const { contentId, mediaHashes } = record.payload.content;
  const expected = mediaHashes.filter((h) => h.algorithm === 'MD5' || h.algorithm === 'SHA256').map((h) => ({ algorithm: h.algorithm, value: h.value.toLowerCase() }));
  if (expected.length === 0) return { outcome: 'NO_VERIFIABLE_HASH', fileId: null };
  const url = channel.options.evidenceUrl!.replaceAll('{contentId}', encodeURIComponent(contentId));
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'error' });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new CyberTiplineError('TRANSIENT', null, 'The attempt timed out while fetching the evidence file');
    return { outcome: 'NOT_AVAILABLE', fileId: null };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    return { outcome: 'NOT_AVAILABLE', fileId: null };
  }
  let matched: Array<{ algorithm: string; value: string }> = [];
  try {
    const uploaded = await channel.client.upload(
      reportId,
      {
        fileName: contentId,
        body: response.body,
        accept(digests) {
          matched = expected.filter((h) => digests[h.algorithm as 'MD5' | 'SHA256'] === h.value);
          return matched.length > 0;
        },
      },
      signal,
    );
    await channel.client.fileInfo(
      buildFileDetailsXml({ reportId, fileId: uploaded.fileId, fileName: contentId, hashes: matched.map((h) => ({ algorithm: h.algorithm === 'SHA256' ? 'SHA256' : 'MD5', value: h.value })) }),
      signal,
    );
    return { outcome: 'ATTACHED', fileId: uploaded.fileId };
  } catch (error) {
    if (error instanceof EvidenceRejectedError) return { outcome: 'HASH_MISMATCH', fileId: null };
    // NCMEC refused the file or its details (4100): the report itself goes on without it.
    if (error instanceof CyberTiplineError && error.kind === 'VALIDATION') return { outcome: 'REFUSED', fileId: null };
    throw error;
  }
}

/** Unsent records (not yet accepted by NCMEC, not withdrawn): how many, and since when the oldest waits. */
export async function unsentNcmecReports(ctx: Pick<ServiceContext, 'prisma'>): Promise<{ count: number; oldestCreatedAt: Date | null }> {
  const figures = await ctx.prisma.ncmecReport.aggregate({ where: { status: { in: [...UNSENT] } }, _count: { _all: true }, _min: { createdAt: true } });
  return { count: figures._count._all, oldestCreatedAt: figures._min.createdAt };
}

const findRecord = async (unit: { tx: Tx }, id: string) => {
  const record = isUuid(id) ? await unit.tx.ncmecReport.findUnique({ where: { id } }) : null;
  if (!record) throw new NotFoundError('NCMEC report');
  return record;
};

/** A liaison records NCMEC's acknowledgement of a submitted report. */
export async function acknowledgeNcmecReport(ctx: ServiceContext, id: string): Promise<NcmecReport> {
  return inTransaction(ctx, async (unit) => {
    const record = await findRecord(unit, id);
    if (record.status !== 'SUBMITTED') {
      throw new InvalidTransitionError(`Only a SUBMITTED report can be acknowledged (it is ${record.status})`);
    }
    const updated = await unit.tx.ncmecReport.update({ where: { id }, data: { status: 'ACKNOWLEDGED', acknowledgedAt: unit.now } });
    unit.audit({ action: 'ncmec.acknowledged', entityType: 'NcmecReport', entityId: id, caseId: record.caseId, changes: { status: { from: 'SUBMITTED', to: 'ACKNOWLEDGED' } } });
    return updated;
  });
}

/** NCMEC report numbers are digits. */
const REPORT_NUMBER = /^\d{4,20}$/;

/**
 * A liaison records a report filed by hand (NCMEC's web form), with NCMEC's report number. Allowed while nothing is
 * open at NCMEC for the record through the API; the record is then SUBMITTED like an accepted API report.
 */
export async function recordManualCyberTipSubmission(ctx: ServiceContext, id: string, reportNumber: string): Promise<NcmecReport> {
  const number = reportNumber.trim();
  if (!REPORT_NUMBER.test(number)) throw new ValidationError([{ path: 'reportNumber', message: "must be NCMEC's report number: 4 to 20 digits" }]);
  return inTransaction(ctx, async (unit) => {
    const record = await findRecord(unit, id);
    if (!['AWAITING_SUBMISSION', 'DRAFT', 'FAILED', 'NEEDS_CORRECTION'].includes(record.status)) {
      throw new InvalidTransitionError(`A report filed by hand can be recorded only for an unsent record (it is ${record.status})`);
    }
    if (record.externalReportId) {
      throw new InvalidTransitionError(`NCMEC report ${record.externalReportId} is open for this record through the API; withdraw the record first`);
    }
    const updated = await unit.tx.ncmecReport.update({
      where: { id },
      data: { status: 'SUBMITTED', submittedAt: unit.now, externalReportId: number, submissionChannel: 'MANUAL', nextAttemptAt: null, lastError: null },
    });
    unit.audit({
      action: 'ncmec.manual_submission_recorded',
      entityType: 'NcmecReport',
      entityId: id,
      caseId: record.caseId,
      changes: { status: { from: record.status, to: 'SUBMITTED' }, externalReportId: number, channel: 'MANUAL' },
    });
    return updated;
  });
}

/**
 * A liaison withdraws a record NCMEC has not accepted. With nothing open at NCMEC it is WITHDRAWN at once; a report
 * opened through the API is retracted by the background job (then WITHDRAWN). A finished report cannot be retracted.
 */
export async function withdrawNcmecReport(ctx: ServiceContext, id: string, reason: string): Promise<NcmecReport> {
  const why = reason.trim();
  if (!why || why.length > 2000) throw new ValidationError([{ path: 'reason', message: 'must be 1 to 2000 characters' }]);
  const result = await inTransaction(ctx, async (unit) => {
    const record = await findRecord(unit, id);
    if (['SUBMITTED', 'ACKNOWLEDGED'].includes(record.status)) {
      throw new InvalidTransitionError('NCMEC has accepted this report; a finished report cannot be retracted (contact NCMEC)');
    }
    if (record.status === 'WITHDRAWN' || record.withdrawalRequestedAt) throw new InvalidTransitionError('This record is already withdrawn');
    const open = record.status === 'SUBMITTING' || record.externalReportId !== null;
    const updated = await unit.tx.ncmecReport.update({
      where: { id },
      data: open
        ? { withdrawalRequestedAt: unit.now, withdrawalReason: why, nextAttemptAt: null }
        : { status: 'WITHDRAWN', withdrawalRequestedAt: unit.now, withdrawalReason: why, withdrawnAt: unit.now, nextAttemptAt: null },
    });
    unit.audit({
      action: open ? 'ncmec.withdrawal_requested' : 'ncmec.withdrawn',
      entityType: 'NcmecReport',
      entityId: id,
      caseId: record.caseId,
      changes: open ? { externalReportId: record.externalReportId } : { status: { from: record.status, to: 'WITHDRAWN' } },
    });
    if (open) unit.afterCommit(() => void submitPendingNcmecReports({ ...ctx, actor: { kind: 'SYSTEM', id: 'ncmec-submitter' } }).catch(() => {}));
    return updated;
  });
  return result;
}

/** After a correction (configuration, or the case), a liaison sends a NEEDS_CORRECTION record again. */
export async function resubmitNcmecReport(ctx: ServiceContext, id: string): Promise<NcmecReport> {
  return inTransaction(ctx, async (unit) => {
    const record = await findRecord(unit, id);
    if (record.status !== 'NEEDS_CORRECTION' || record.withdrawalRequestedAt) {
      throw new InvalidTransitionError(`Only a record that needs correction can be sent again (it is ${record.status})`);
    }
    const updated = await unit.tx.ncmecReport.update({ where: { id }, data: { status: 'AWAITING_SUBMISSION', nextAttemptAt: null } });
    unit.audit({ action: 'ncmec.resubmission_requested', entityType: 'NcmecReport', entityId: id, caseId: record.caseId, changes: { status: { from: 'NEEDS_CORRECTION', to: 'AWAITING_SUBMISSION' } } });
    unit.afterCommit(() => void submitPendingNcmecReports({ ...ctx, actor: { kind: 'SYSTEM', id: 'ncmec-submitter' } }).catch(() => {}));
    return updated;
  });
}

/** Ends the holds whose time is up; the enforcement feed then tells the platform to RELEASE them. */
export async function releaseExpiredHolds(ctx: ServiceContext, limit = 100): Promise<number> {
  const due = await ctx.prisma.preservationHold.findMany({
    where: { releasedAt: null, expiresAt: { lte: ctx.now() } },
    orderBy: { expiresAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  let released = 0;
  for (const { id } of due) {
    const done = await inTransaction(ctx, async (unit) => {
      const hold = await unit.tx.preservationHold.findUnique({ where: { id } });
      if (!hold || hold.releasedAt || hold.expiresAt > unit.now) throw new NoChange(false);
      await unit.tx.preservationHold.update({ where: { id }, data: { releasedAt: unit.now } });
      unit.audit({ action: 'preservation.hold_released', entityType: 'PreservationHold', entityId: id, caseId: hold.caseId, changes: { expiresAt: hold.expiresAt } });
      return true;
    });
    if (done) released += 1;
  }
  return released;
}

/** The CyberTipline the configuration describes, or null when NCMEC_API_URL and its credentials are not set. */
export function createCyberTipline(config: Config, logger: Logger): CyberTipline | null {
  if (!config.NCMEC_API_URL || !config.NCMEC_USERNAME || !config.NCMEC_PASSWORD) return null;
  return new CyberTipline({
    apiUrl: config.NCMEC_API_URL,
    username: config.NCMEC_USERNAME,
    password: config.NCMEC_PASSWORD,
    reporter: {
      firstName: config.NCMEC_REPORTER_FIRST_NAME,
      lastName: config.NCMEC_REPORTER_LAST_NAME,
      email: config.NCMEC_REPORTER_EMAIL,
      phone: config.NCMEC_REPORTER_PHONE,
    },
    espService: config.NCMEC_ESP_SERVICE,
    evidenceUrl: config.NCMEC_EVIDENCE_URL ?? null,
    retryBaseMs: config.LEASE_SWEEP_MS,
    attemptTimeoutMs: config.NCMEC_ATTEMPT_TIMEOUT_MS,
    logger,
  });
}
