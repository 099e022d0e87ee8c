// Public intake: anyone may report, with no account and no evidence. Reports on the same content, or carrying the
// same media hash, fold into the one open case; the policy module re-triages the case with every report.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Prisma } from '../generated/prisma/client.js';
import type { Tx } from '../db/database.js';
import {
  CATEGORIES,
  REPORTER_RELATIONS,
  intakeGuidance,
  repeatOffenceCategories,
  triage,
  type Category,
  type QueueName,
  type Triage,
  type IntakeGuidance,
} from '../policy/index.js';
import { canonicalJson } from './canonical-json.js';
import type { ServiceContext } from './context.js';
import { IdempotencyConflictError, ValidationError } from './errors.js';
import { followUpTokenFor, reporterKeyFor, sha256Hex } from './secrets.js';
import { inTransaction, releaseCommitted, type Unit } from './transaction.js';
import { fileNewCaseCounting, foldingLockKey, isIdempotencyRace, newCaseSnapshot, type NewCaseFiling, type NewCaseRow } from './intake-statement.js';
import { countPriorViolations } from './account-history.js';
import { releaseIfUnqualified } from './access.js';
import { FOLDABLE_STATUSES } from './workflow.js';
import { REPORT_STATUS_SELECT } from './report-status.js';
import { toValidationError } from './validation.js';
import { findHashMatches, mediaHashSchema, type HashMatch } from './hash-banks.js';
import type { AuditEntry } from './audit.js';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));

export const submitReportSchema = z
  .object({
    idempotencyKey: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{8,128}$/, 'must be 8 to 128 letters, digits or ._:-')
      .nullish()
      .transform((v) => v ?? null),
    contentId: z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
    contentUrl: z
      .string()
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .url('must be a URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .nullish()
      .transform((v) => v ?? null),
    mediaHashes: z
      .array(mediaHashSchema)
      .max(20, 'at most 20 hashes')
      .nullish()
      .transform((v) => dedupeHashes(v ?? [])),
    reportedAccountId: optionalText(256),
    category: z.enum(CATEGORIES),
    description: optionalText(5000),
    childAtImmediateRisk: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    reporterRelation: z
      .enum(REPORTER_RELATIONS)
      .nullish()
      .transform((v) => v ?? 'OTHER'),
    reporterAccountId: optionalText(256),
    contactEmail: z
      .string()
      .trim()
      .max(320, 'must be at most 320 characters')
      .email('must be an e-mail address')
      .nullish()
      .transform((v) => (v ? v.toLowerCase() : null)),
  })
  .strict();

export type SubmitReportInput = z.input<typeof submitReportSchema>;
type ParsedReport = z.output<typeof submitReportSchema>;

function dedupeHashes(hashes: Array<{ algorithm: 'MD5' | 'SHA256' | 'PDQ'; value: string }>) {
  const seen = new Map(hashes.map((h) => [`${h.algorithm}:${h.value}`, h]));
  return [...seen.values()].sort((a, b) => (a.algorithm + a.value < b.algorithm + b.value ? -1 : 1));
}

const SEVERITY: Record<Category, number> = {
  CHILD_SEXUAL_EXPLOITATION: 3,
  PHYSICAL_CHILD_ABUSE_MEDIA: 2,
  MINOR_PHYSICAL_ALTERCATION: 1,
};
/** When reports on one case claim different categories, the case takes the gravest (the most protective routing). */
const gravest = (a: Category, b: Category): Category => (SEVERITY[b] > SEVERITY[a] ? b : a);

/**
 * A report as the filing transaction committed it: what its GraphQL fields read, status included. The insert reads it
 * back after the case's writes, with the case row locked or new, so it is exactly what commits, and the answer to the
 * reporter needs no read after commit.
 */
export const COMMITTED_REPORT_SELECT = {
  id: true,
  caseId: true,
  createdAt: true,
  category: true,
  description: true,
  childAtImmediateRisk: true,
  reporterRelation: true,
  reporterAccountId: true,
  contactEmail: true,
  ...REPORT_STATUS_SELECT,
} as const satisfies Prisma.ReportSelect;
export type CommittedReport = Prisma.ReportGetPayload<{ select: typeof COMMITTED_REPORT_SELECT }>;

export interface SubmitReportResult {
  report: { id: string; caseId: string; createdAt: Date };
  /** Read with `COMMITTED_REPORT_SELECT` by the filing itself; a replay, which files nothing, has none. */
  committed?: CommittedReport;
  followUpToken: string;
  guidance: IntakeGuidance;
  /** True when this call replayed an earlier submission with the same idempotency key. */
  replayed: boolean;
}

export async function submitReport(ctx: ServiceContext, raw: SubmitReportInput): Promise<SubmitReportResult> {
  const parsed = submitReportSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const requestHash = sha256Hex(canonicalJson(input));

  // The common case, a report on content with no open case and no media hashes, is one SQL statement; when it finds a
  // case to fold into, it writes nothing and the report takes the unit of work below.
  if (ctx.pool && input.mediaHashes.length === 0) {
    const filed = await fileInOneStatement(ctx, ctx.pool, input, requestHash);
    if (filed) return filed;
  }
  if (input.idempotencyKey) {
    const replay = await findReplay(ctx, input.idempotencyKey, requestHash);
    if (replay) return replay;
  }
  // Matched before the transaction: a bank index that must catch up does so without holding a connection.
  const matches = await findHashMatches(ctx, input.mediaHashes);
  try {
    return await inTransaction(ctx, (unit) => fileReport(ctx, unit, input, requestHash, matches));
  } catch (error) {
    // Two submissions with one key raced; the loser returns the winner's result.
    if (input.idempotencyKey && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const replay = await findReplay(ctx, input.idempotencyKey, requestHash);
      if (replay) return replay;
    }
    throw error;
  }
}

/** Files a report that opens a case in one statement (src/services/intake-statement.ts); null when it must fold. */
async function fileInOneStatement(ctx: ServiceContext, pool: NonNullable<ServiceContext['pool']>, input: ParsedReport, requestHash: string): Promise<SubmitReportResult | null> {
  const now = ctx.now();
  const caseId = randomUUID();
  const reportId = randomUUID();
  const followUpToken = followUpTokenFor(ctx.settings.secret, reportId);
  // What the report says, as written by the statement and as answered from it.
  const reported = {
    category: input.category,
    description: input.description,
    childAtImmediateRisk: input.childAtImmediateRisk,
    reporterRelation: input.reporterRelation,
    reporterAccountId: input.reporterAccountId,
    contactEmail: input.contactEmail,
  };
  const reporterKey = reporterKeyFor(ctx.settings.secret, reporterIdentity(ctx));
  // The case is triaged once the first round trip has counted the account's earlier violations.
  const build = (priorViolations: number): NewCaseFiling => {
    const t = triage({ category: input.category, childAtImmediateRisk: input.childAtImmediateRisk, distinctReporters: 1, requestedByDepicted: false, knownHashMatch: false, priorViolations });
    const caseRow: NewCaseRow = {
      id: caseId,
      contentId: input.contentId,
      contentUrl: input.contentUrl,
      reportedAccountId: input.reportedAccountId,
      category: input.category,
      queue: t.queue,
      priority: t.priority,
      slaDueAt: new Date(now.getTime() + t.slaMinutes * 60_000),
      childAtImmediateRisk: input.childAtImmediateRisk,
      depictedRelationClaimed: input.reporterRelation !== 'OTHER',
      priorViolations,
    };
    return {
      now,
      case: caseRow,
      report: {
        id: reportId,
        mediaHashes: [],
        ...reported,
        reporterKey,
        followUpTokenHash: sha256Hex(followUpToken),
        idempotencyKey: input.idempotencyKey,
        requestHash,
      },
      audit: {
        actor: ctx.actor,
        requestId: ctx.requestId,
        entries: [openedEntry(caseId, input.category, t), submittedEntry(reportId, caseId, input)],
      },
    };
  };
  let outcome;
  try {
    outcome = await fileNewCaseCounting(
      pool,
      { contentId: input.contentId, reportedAccountId: input.reportedAccountId, categories: repeatOffenceCategories(input.category) },
      build,
    );
  } catch (error) {
    // Two submissions with one key raced; the loser returns the winner's result.
    if (input.idempotencyKey && isIdempotencyRace(error)) {
      const replay = await findReplay(ctx, input.idempotencyKey, requestHash);
      if (replay) return replay;
    }
    throw error;
  }
  const caseRow = outcome.filing.case;
  const queue = caseRow.queue as QueueName;
  if (outcome.kind === 'fold') return null;
  if (outcome.kind === 'replay') return findReplay(ctx, input.idempotencyKey!, requestHash);
  await releaseCommitted(ctx, [
    {
      kind: 'ADDED',
      queue,
      caseId: caseRow.id,
      category: input.category,
      at: now.toISOString(),
      snapshot: newCaseSnapshot(caseRow, now),
      accessGeneration: outcome.accessGeneration,
    },
  ]);
  return {
    report: { id: reportId, caseId: caseRow.id, createdAt: now },
    committed: {
      id: reportId,
      caseId: caseRow.id,
      createdAt: now,
      ...reported,
      case: { status: 'OPEN', decisions: [] },
    },
    followUpToken,
    guidance: intakeGuidance(input.category, input.childAtImmediateRisk),
    replayed: false,
  };
}

/** The audit entry of a case opened by a report (both intake paths); a repeat-offence raise records its count. */
function openedEntry(caseId: string, category: Category, t: Pick<Triage, 'queue' | 'priority' | 'priorityReason'>): AuditEntry {
  return {
    action: 'case.opened',
    entityType: 'Case',
    entityId: caseId,
    caseId,
    changes: {
      status: { to: 'OPEN' },
      category: { to: category },
      queue: { to: t.queue },
      priority: { to: t.priority },
      ...(t.priorityReason ? { priorityReason: { to: t.priorityReason.code }, priorViolations: { to: t.priorityReason.priorViolations } } : {}),
    },
  };
}

/** The audit entry of a filed report: redacted to enums, flags and counts (both intake paths). */
function submittedEntry(reportId: string, caseId: string, input: ParsedReport): AuditEntry {
  return {
    action: 'report.submitted',
    entityType: 'Report',
    entityId: reportId,
    caseId,
    changes: {
      category: input.category,
      childAtImmediateRisk: input.childAtImmediateRisk,
      reporterRelation: input.reporterRelation,
      mediaHashCount: input.mediaHashes.length,
      hasDescription: input.description !== null,
      hasContact: input.contactEmail !== null,
    },
  };
}

async function findReplay(ctx: ServiceContext, key: string, requestHash: string): Promise<SubmitReportResult | null> {
  const existing = await ctx.prisma.report.findUnique({
    where: { idempotencyKey: key },
    select: { id: true, caseId: true, createdAt: true, requestHash: true, category: true, childAtImmediateRisk: true },
  });
  if (!existing) return null;
  if (existing.requestHash !== requestHash) throw new IdempotencyConflictError();
  return {
    report: { id: existing.id, caseId: existing.caseId, createdAt: existing.createdAt },
    followUpToken: followUpTokenFor(ctx.settings.secret, existing.id),
    guidance: intakeGuidance(existing.category, existing.childAtImmediateRisk),
    replayed: true,
  };
}

/**
 * Who reported, as far as the service can trust it: the signed-in account, else the client address (as seen through
 * TRUST_PROXY_HOPS). Contact details and account ids in the form are the reporter's own say-so: they never make a new
 * reporter, so one client cannot raise a case's priority by inventing reporters. Stored only as a keyed pseudonym.
 */
function reporterIdentity(ctx: ServiceContext): string {
  if (ctx.actor.kind === 'USER') return `user:${ctx.actor.id}`;
  if (ctx.actor.kind === 'ANONYMOUS') return `address:${ctx.actor.clientAddress}`;
  return `system:${ctx.actor.id}`;
}

/** Records each match on the case once (the first, nearest, stays) and audits the new ones. */
async function recordMatches(unit: Unit, caseId: string, matches: HashMatch[]) {
  const recorded = await unit.tx.caseHashMatch.findMany({ where: { caseId }, select: { bankId: true, algorithm: true, value: true } });
  const known = new Set(recorded.map((m) => `${m.bankId}:${m.algorithm}:${m.value}`));
  const fresh = matches.filter((m) => !known.has(`${m.bank.id}:${m.algorithm}:${m.value}`));
  if (!fresh.length) return;
  await unit.tx.caseHashMatch.createMany({
    data: fresh.map((m) => ({ caseId, bankId: m.bank.id, algorithm: m.algorithm, value: m.value, matchedValue: m.matchedValue, distance: m.distance, matchedAt: unit.now })),
    skipDuplicates: true,
  });
  unit.audit({
    action: 'case.hash_matched',
    entityType: 'Case',
    entityId: caseId,
    caseId,
    changes: { matches: fresh.map((m) => ({ bankId: m.bank.id, bank: m.bank.name, algorithm: m.algorithm, value: m.value, distance: m.distance })) },
  });
}

/** Serialises intake per content id and per media hash, so concurrent reports fold into one case. */
async function lockFoldingKeys(tx: Tx, input: ParsedReport) {
  const keys = [foldingLockKey(input.contentId), ...input.mediaHashes.map((h) => `hash:${h.algorithm}:${h.value}`)].sort();
  for (const key of keys) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

async function fileReport(ctx: ServiceContext, unit: Unit, input: ParsedReport, requestHash: string, matches: HashMatch[]): Promise<SubmitReportResult> {
  const { tx, now } = unit;
  await lockFoldingKeys(tx, input);
  const reporterKey = reporterKeyFor(ctx.settings.secret, reporterIdentity(ctx));
  // A relation to the depicted minor is the reporter's claim: recorded for the reviewer to confirm, weighed only then.
  const claimsRelation = input.reporterRelation !== 'OTHER';

  const open = await tx.case.findFirst({
    where: {
      status: { in: FOLDABLE_STATUSES },
      OR: [
        { contentId: input.contentId },
        ...(input.mediaHashes.length
          ? [{ mediaHashes: { some: { OR: input.mediaHashes.map((h) => ({ algorithm: h.algorithm, value: h.value })) } } }]
          : []),
      ],
    },
    orderBy: { createdAt: 'asc' },
  });

  // A match presets the category: the bank's, when it is graver than what the reporter chose.
  const presetCategory = matches.reduce((c, m) => gravest(c, m.bank.category), input.category);
  const knownHashMatch = matches.length > 0;

  let caseId: string;
  if (!open) {
    const priorViolations = await countPriorViolations(tx, input.reportedAccountId, repeatOffenceCategories(presetCategory));
    const t = triage({
      category: presetCategory,
      childAtImmediateRisk: input.childAtImmediateRisk,
      distinctReporters: 1,
      requestedByDepicted: false,
      knownHashMatch,
      priorViolations,
    });
    const created = await tx.case.create({
      data: {
        contentId: input.contentId,
        contentUrl: input.contentUrl,
        reportedAccountId: input.reportedAccountId,
        category: presetCategory,
        knownHashMatch,
        queue: t.queue,
        priority: t.priority,
        slaDueAt: new Date(now.getTime() + t.slaMinutes * 60_000),
        childAtImmediateRisk: input.childAtImmediateRisk,
        depictedRelationClaimed: claimsRelation,
        reportCount: 1,
        distinctReporterCount: 1,
        priorViolations,
        createdAt: now,
      },
    });
    caseId = created.id;
    unit.audit(openedEntry(caseId, presetCategory, t));
    unit.publish({ kind: 'ADDED', queue: t.queue, caseId, category: presetCategory });
  } else {
    caseId = open.id;
    const newReporter = (await tx.report.count({ where: { caseId, reporterKey } })) === 0;
    const distinctReporters = open.distinctReporterCount + (newReporter ? 1 : 0);
    const category = gravest(open.category, presetCategory);
    const childAtImmediateRisk = open.childAtImmediateRisk || input.childAtImmediateRisk;
    const depictedRelationClaimed = open.depictedRelationClaimed || claimsRelation;
    const caseMatched = open.knownHashMatch || knownHashMatch;
    // Counted again: decisions since the case opened, or a graver category whose handlers see more, may cross the threshold.
    const priorViolations = Math.max(open.priorViolations, await countPriorViolations(tx, open.reportedAccountId, repeatOffenceCategories(category), caseId));
    const t = triage({ category, childAtImmediateRisk, distinctReporters, requestedByDepicted: open.requestedByDepicted, knownHashMatch: caseMatched, priorViolations });
    const priority = Math.min(open.priority, t.priority);
    const slaDueAt = new Date(Math.min(open.slaDueAt.getTime(), open.createdAt.getTime() + t.slaMinutes * 60_000));
    const folded = await tx.case.update({
      where: { id: caseId },
      data: {
        category,
        queue: t.queue,
        priority,
        slaDueAt,
        childAtImmediateRisk,
        depictedRelationClaimed,
        knownHashMatch: caseMatched,
        reportCount: { increment: 1 },
        distinctReporterCount: distinctReporters,
        priorViolations,
        version: { increment: 1 },
      },
    });
    const changes: Record<string, unknown> = { reportCount: { from: open.reportCount, to: open.reportCount + 1 } };
    if (category !== open.category) changes.category = { from: open.category, to: category };
    if (t.queue !== open.queue) changes.queue = { from: open.queue, to: t.queue };
    if (priority !== open.priority) changes.priority = { from: open.priority, to: priority };
    if (priorViolations !== open.priorViolations) changes.priorViolations = { from: open.priorViolations, to: priorViolations };
    if (distinctReporters !== open.distinctReporterCount) changes.distinctReporterCount = { from: open.distinctReporterCount, to: distinctReporters };
    if (caseMatched !== open.knownHashMatch) changes.knownHashMatch = { from: open.knownHashMatch, to: caseMatched };
    if (childAtImmediateRisk !== open.childAtImmediateRisk) changes.childAtImmediateRisk = { from: open.childAtImmediateRisk, to: childAtImmediateRisk };
    if (depictedRelationClaimed !== open.depictedRelationClaimed) changes.depictedRelationClaimed = { from: open.depictedRelationClaimed, to: depictedRelationClaimed };
    unit.audit({ action: 'case.report_folded', entityType: 'Case', entityId: caseId, caseId, changes });
    if (t.queue !== open.queue) {
      unit.publish({ kind: 'RESOLVED', queue: open.queue, caseId, category });
      unit.publish({ kind: 'ADDED', queue: t.queue, caseId, category });
    } else {
      unit.publish({ kind: 'UPDATED', queue: t.queue, caseId, category });
    }
    // A graver category, or a child now at immediate risk, may put the case out of its holder's reach: then it goes
    // back to its (new) queue now.
    if (category !== open.category) await releaseIfUnqualified(unit, folded, 'CATEGORY_CHANGED');
    else if (t.queue !== open.queue) await releaseIfUnqualified(unit, folded, 'QUEUE_CHANGED');
  }

  if (matches.length) await recordMatches(unit, caseId, matches);
  if (input.mediaHashes.length) {
    await tx.caseMediaHash.createMany({
      data: input.mediaHashes.map((h) => ({ caseId, algorithm: h.algorithm, value: h.value })),
      skipDuplicates: true,
    });
  }
  const reportId = randomUUID();
  const followUpToken = followUpTokenFor(ctx.settings.secret, reportId);
  const report = await tx.report.create({
    data: {
      id: reportId,
      caseId,
      contentId: input.contentId,
      contentUrl: input.contentUrl,
      mediaHashes: input.mediaHashes,
      reportedAccountId: input.reportedAccountId,
      category: input.category,
      description: input.description,
      childAtImmediateRisk: input.childAtImmediateRisk,
      reporterRelation: input.reporterRelation,
      reporterAccountId: input.reporterAccountId,
      contactEmail: input.contactEmail,
      reporterKey,
      followUpTokenHash: sha256Hex(followUpToken),
      idempotencyKey: input.idempotencyKey,
      requestHash,
      createdAt: now,
    },
    select: COMMITTED_REPORT_SELECT,
  });
  unit.audit(submittedEntry(report.id, caseId, input));

  return {
    report: { id: report.id, caseId, createdAt: report.createdAt },
    committed: report,
    followUpToken,
    guidance: intakeGuidance(input.category, input.childAtImmediateRisk),
    replayed: false,
  };
}
