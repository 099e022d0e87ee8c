// NCMEC CyberTipline records and law-enforcement referrals: liaisons, leads and admins; case handlers see status.
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { NcmecReportStatusEnum, ReferralStatusEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { NcmecSubmissionChannel } from '../generated/prisma/enums.js';
import { acknowledgeNcmecReport, recordManualCyberTipSubmission, resubmitNcmecReport, withdrawNcmecReport } from '../services/ncmec.js';

const oversight = { oversight: true } as const;

const NcmecSubmissionChannelEnum = builder.enumType(NcmecSubmissionChannel, {
  name: 'NcmecSubmissionChannel',
  description: "How NCMEC received the report: the reporting API, or a liaison's filing by hand",
});

builder.prismaObject('NcmecReport', {
  interfaces: [NodeRef],
  authScopes: { $any: { reviewer: true, oversight: true } },
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: NcmecReportStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    attempts: t.exposeInt('attempts', { authScopes: oversight }),
    lastError: t.exposeString('lastError', { nullable: true, authScopes: oversight }),
    externalReportId: t.exposeString('externalReportId', {
      nullable: true,
      authScopes: oversight,
      description: "NCMEC's report id: set when NCMEC opened the report (finished once SUBMITTED), or the number of a report filed by hand",
    }),
    submissionChannel: t.expose('submissionChannel', { type: NcmecSubmissionChannelEnum, nullable: true, authScopes: oversight }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, authScopes: oversight, description: 'When a failed submission is tried again' }),
    ncmecResponseCode: t.exposeInt('responseCode', { nullable: true, authScopes: oversight, description: "NCMEC's last response code (0 success, 1000 server error, 2000/3100 credentials, 4100 validation)" }),
    ncmecResponseDescription: t.exposeString('responseDescription', {
      nullable: true,
      authScopes: oversight,
      description: "NCMEC's description of its last refusal: for NEEDS_CORRECTION, what to correct",
    }),
    evidenceOutcome: t.exposeString('evidenceOutcome', {
      nullable: true,
      authScopes: oversight,
      description: 'ATTACHED, HASH_MISMATCH, NO_VERIFIABLE_HASH, NOT_AVAILABLE or REFUSED (NCMEC refused the file); null when no evidence store is configured',
    }),
    withdrawnAt: t.expose('withdrawnAt', { type: 'DateTime', nullable: true, authScopes: oversight }),
    withdrawalReason: t.exposeString('withdrawalReason', { nullable: true, authScopes: oversight }),
    preservationExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      select: { holds: { select: { expiresAt: true }, orderBy: { expiresAt: 'desc' }, take: 1 } },
      resolve: (r) => r.holds[0]?.expiresAt ?? null,
    }),
    // Nullable: admins oversee NCMEC records but may not read a case's content, whose fields are non-null; a denied
    // content field nulls this case, not the whole record or the acknowledgement that returned it.
    case: t.relation('case', { nullable: true, description: 'Null when the case’s fields asked for are not yours to read' }),
  }),
});

builder.prismaObject('LawEnforcementReferral', {
  interfaces: [NodeRef],
  authScopes: { $any: { reviewer: true, oversight: true } },
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: ReferralStatusEnum }),
    source: t.exposeString('source'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    dueAt: t.expose('dueAt', { type: 'DateTime' }),
  }),
});

builder.queryField('ncmecReports', (t) =>
  t.prismaConnection({
    type: 'NcmecReport',
    cursor: 'id',
    maxSize: 200,
    authScopes: oversight,
    description: 'CyberTipline report records, newest first',
    args: { status: t.arg({ type: NcmecReportStatusEnum }) },
    totalCount: (_root, { status }, ctx) => ctx.prisma.ncmecReport.count({ where: status ? { status } : {} }),
    resolve: (query, _root, { status }, ctx) =>
      ctx.prisma.ncmecReport.findMany({ ...query, where: status ? { status } : {}, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
  }),
);

const AcknowledgeSuccess = builder.objectRef<{ id: string }>('AcknowledgeNcmecReportSuccess').implement({
  fields: (t) => ({
    ncmecReport: t.prismaField({ type: 'NcmecReport', resolve: (q, r, _a, ctx) => ctx.prisma.ncmecReport.findUniqueOrThrow({ ...q, where: { id: r.id } }) }),
  }),
});

builder.mutationField('acknowledgeNcmecReport', (t) =>
  t.field({
    type: AcknowledgeSuccess,
    authScopes: oversight,
    description: "Record NCMEC's acknowledgement of a submitted report",
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'AcknowledgeNcmecReportResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({ id: (await acknowledgeNcmecReport(ctx.services, String(id))).id }),
  }),
);

/** The success type of a mutation on one record: the record as it is now. */
const recordResult = (name: string) =>
  builder.objectRef<{ id: string }>(`${name}Success`).implement({
    fields: (t) => ({
      ncmecReport: t.prismaField({ type: 'NcmecReport', resolve: (q, r, _a, ctx) => ctx.prisma.ncmecReport.findUniqueOrThrow({ ...q, where: { id: r.id } }) }),
    }),
  });

builder.mutationField('recordManualCyberTipSubmission', (t) =>
  t.field({
    type: recordResult('RecordManualCyberTipSubmission'),
    authScopes: oversight,
    description: "Record a CyberTipline report filed by hand, with NCMEC's report number: the record becomes SUBMITTED",
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'RecordManualCyberTipSubmissionResult' } },
    args: { id: t.arg.id({ required: true }), reportNumber: t.arg.string({ required: true, description: "NCMEC's report number" }) },
    resolve: async (_root, { id, reportNumber }, ctx) => ({ id: (await recordManualCyberTipSubmission(ctx.services, String(id), reportNumber)).id }),
  }),
);

builder.mutationField('withdrawNcmecReport', (t) =>
  t.field({
    type: recordResult('WithdrawNcmecReport'),
    authScopes: oversight,
    description: 'Withdraw a record NCMEC has not accepted; a report open at NCMEC is retracted',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'WithdrawNcmecReportResult' } },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, { id, reason }, ctx) => ({ id: (await withdrawNcmecReport(ctx.services, String(id), reason)).id }),
  }),
);

builder.mutationField('resubmitNcmecReport', (t) =>
  t.field({
    type: recordResult('ResubmitNcmecReport'),
    authScopes: oversight,
    description: 'Send a record that needed correction again, once the cause is corrected',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'ResubmitNcmecReportResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ({ id: (await resubmitNcmecReport(ctx.services, String(id))).id }),
  }),
);
