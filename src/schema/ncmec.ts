// NCMEC CyberTipline records and law-enforcement referrals: liaisons, leads and admins; case handlers see status.
import { builder } from './builder.js';
import { NcmecReportStatusEnum, ReferralStatusEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { acknowledgeNcmecReport } from '../services/ncmec.js';

const oversight = { oversight: true } as const;

builder.prismaObject('NcmecReport', {
  authScopes: { $any: { reviewer: true, oversight: true } },
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: NcmecReportStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    attempts: t.exposeInt('attempts', { authScopes: oversight }),
    lastError: t.exposeString('lastError', { nullable: true, authScopes: oversight }),
    externalReportId: t.exposeString('externalReportId', { nullable: true, authScopes: oversight }),
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
