// Reports: public intake, the reporter's status check, and the report as reviewers see it.
import { builder, contentReadersOf } from './builder.js';
import { NodeRef } from './node.js';
import { reportStatusNodeId } from '../services/nodes.js';
import { CategoryEnum, HashAlgorithmEnum, ReportStatusEnum, ReporterRelationEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { ClauseRef } from './assessment.js';
import { IdempotencyConflictError, RateLimitedError } from '../services/errors.js';
import { COMMITTED_REPORT_SELECT, submitReport, type SubmitReportResult } from '../services/intake.js';
import { REPORT_STATUS_SELECT, reportStatusByToken, reportStatusOf, type ReportStatusView } from '../services/report-status.js';
import { answeredBy } from '../services/selection.js';
import type { IntakeGuidance } from '../policy/index.js';

export const MediaHashInput = builder.inputType('MediaHashInput', {
  fields: (t) => ({
    algorithm: t.field({ type: HashAlgorithmEnum, required: true }),
    value: t.string({ required: true, description: 'Hex digits: 32 for MD5, 64 for SHA256 and PDQ' }),
  }),
});

const SubmitReportInput = builder.inputType('SubmitReportInput', {
  fields: (t) => ({
    idempotencyKey: t.string({ description: 'Retrying with the same key returns the first result' }),
    contentId: t.string({ required: true }),
    contentUrl: t.string(),
    mediaHashes: t.field({ type: [MediaHashInput] }),
    reportedAccountId: t.string(),
    category: t.field({ type: CategoryEnum, required: true }),
    description: t.string(),
    childAtImmediateRisk: t.boolean(),
    reporterRelation: t.field({ type: ReporterRelationEnum }),
    reporterAccountId: t.string(),
    contactEmail: t.string(),
  }),
});

/**
 * Reports answered by submitReport to the caller who filed them: the filer may read back what they filed (category,
 * description, risk, relation) in that answer, and only there.
 */
const filedByCaller = new WeakSet<object>();
const FILER = { public: true };

/**
 * A report. What the reporter filed is visible to those who may handle its category, and to the filer in the answer to
 * their submission; who filed it, to oversight.
 */
builder.prismaObject('Report', {
  interfaces: [NodeRef],
  select: { id: true, category: true },
  fields: (t) => {
    const handlers = (r: { category: 'CHILD_SEXUAL_EXPLOITATION' | 'PHYSICAL_CHILD_ABUSE_MEDIA' | 'MINOR_PHYSICAL_ALTERCATION' }) =>
      filedByCaller.has(r) ? FILER : contentReadersOf(r.category);
    return {
      id: t.exposeID('id'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      status: t.field({
        type: ReportStatusEnum,
        select: REPORT_STATUS_SELECT,
        resolve: (r) => reportStatusOf(r.case),
      }),
      category: t.expose('category', { type: CategoryEnum, authScopes: handlers }),
      description: t.exposeString('description', { nullable: true, authScopes: handlers }),
      childAtImmediateRisk: t.exposeBoolean('childAtImmediateRisk', { authScopes: handlers }),
      reporterRelation: t.expose('reporterRelation', { type: ReporterRelationEnum, authScopes: handlers }),
      reporterAccountId: t.exposeString('reporterAccountId', { nullable: true, authScopes: { reporterIdentity: true } }),
      contactEmail: t.exposeString('contactEmail', { nullable: true, authScopes: { reporterIdentity: true } }),
    };
  },
});

const Guidance = builder.objectRef<IntakeGuidance>('ReportGuidance').implement({
  description: "What the reporter reads after filing: an acknowledgement, then the policy's own advice (`advice`)",
  fields: (t) => ({
    childAtImmediateRisk: t.exposeBoolean('childAtImmediateRisk'),
    message: t.exposeString('message', {
      description: "The acknowledgement, then each advice clause's quote with its link markup shown as text",
    }),
    advice: t.field({ type: [ClauseRef], description: 'The policy clauses the message quotes', resolve: (g) => g.advice }),
    ncmecCyberTiplineUrl: t.exposeString('ncmecCyberTiplineUrl', { nullable: true }),
    ncmecPhone: t.exposeString('ncmecPhone', { nullable: true }),
  }),
});

const SubmitReportSuccess = builder.objectRef<SubmitReportResult>('SubmitReportSuccess').implement({
  fields: (t) => ({
    report: t.prismaField({
      type: 'Report',
      description: 'As this submission committed it; a replay reads it as it stands now',
      resolve: async (query, result, _args, ctx) => {
        // The filing read the report back in its transaction, with every field the selection asks for (a partial row,
        // typed as one); a selection that asks for more is read after commit.
        const row = result.committed && answeredBy(query, COMMITTED_REPORT_SELECT) ? (result.committed as never) : await ctx.prisma.report.findUniqueOrThrow({ ...query, where: { id: result.report.id } });
        filedByCaller.add(row);
        return row;
      },
    }),
    followUpToken: t.exposeString('followUpToken', { description: 'Keep it: it is the only way to check on or appeal about this report' }),
    guidance: t.field({ type: Guidance, resolve: (r) => r.guidance }),
    replayed: t.exposeBoolean('replayed'),
  }),
});

builder.mutationField('submitReport', (t) =>
  t.field({
    type: SubmitReportSuccess,
    authScopes: { public: true },
    description: 'Report content. No account and no evidence are needed.',
    errors: { types: [...COMMON_ERRORS, IdempotencyConflictError, RateLimitedError], directResult: true, union: { name: 'SubmitReportResult' } },
    args: { input: t.arg({ type: SubmitReportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.limitIntake();
      return submitReport(ctx.services, input);
    },
  }),
);

const ReportStatusView = builder.objectRef<ReportStatusView>('ReportStatusView').implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({
      description: 'Stable: ReportStatusView:<reportId>. Read with the follow-up token only (node(id) answers null)',
      resolve: (v) => reportStatusNodeId(v.reportId),
    }),
    reportId: t.exposeID('reportId'),
    status: t.field({ type: ReportStatusEnum, resolve: (v) => v.status }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    appealableUntil: t.expose('appealableUntil', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('reportStatus', (t) =>
  t.field({
    type: ReportStatusView,
    nullable: true,
    authScopes: { public: true },
    description: 'Where a report stands, for whoever holds its follow-up token; null for an unknown token',
    args: { followUpToken: t.arg.string({ required: true }) },
    resolve: (_root, { followUpToken }, ctx) => reportStatusByToken(ctx.prisma, followUpToken, ctx.services.now()),
  }),
);
