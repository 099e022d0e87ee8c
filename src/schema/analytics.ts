// Aggregates for analysts, leads and admins: transparency figures, a time series, a CSV export and queue health.
// No type here can reach a case, a report, content or a person.
import { builder } from './builder.js';
import { CategoryEnum, EnforcementActionEnum, QueueNameEnum } from './enums.js';
import type { ServiceContext } from '../services/context.js';
import {
  BUCKETS,
  DEFAULT_ANALYTICS_LIMITS,
  queueHealth,
  transparencyReport,
  transparencyReportCsv,
  transparencySeries,
  type QueueHealth,
  type SeriesPoint,
  type TransparencyReport,
} from '../services/analytics.js';

/** Runs on analytics' own client and admission (src/services/analytics.ts), so it never takes intake's connections. */
const analytics = <T>(services: ServiceContext, work: (prisma: ServiceContext['prisma'], limits: typeof DEFAULT_ANALYTICS_LIMITS) => Promise<T>) =>
  services.analytics ? services.analytics.run(() => work(services.analytics!.prisma, services.analytics!.limits)) : work(services.prisma, DEFAULT_ANALYTICS_LIMITS);

const BucketEnum = builder.enumType('TimeBucket', { values: BUCKETS, description: 'Calendar buckets in UTC; weeks start on Monday' });

const CategoryCount = builder.objectRef<TransparencyReport['reportsReceived'][number]>('CategoryCount').implement({
  fields: (t) => ({ category: t.field({ type: CategoryEnum, resolve: (r) => r.category }), count: t.exposeInt('count') }),
});

const DecisionCount = builder.objectRef<TransparencyReport['decisions'][number]>('DecisionCount').implement({
  description: 'Decisions by action and category; a decision with two actions counts under each, NO_ACTION included',
  fields: (t) => ({
    action: t.field({ type: EnforcementActionEnum, resolve: (d) => d.action }),
    category: t.field({ type: CategoryEnum, resolve: (d) => d.category }),
    count: t.exposeInt('count'),
  }),
});

const Percentiles = builder.objectRef<TransparencyReport['timeToActionSeconds']>('Percentiles').implement({
  fields: (t) => ({
    median: t.exposeFloat('median', { nullable: true }),
    p90: t.exposeFloat('p90', { nullable: true }),
  }),
});

const AppealFigures = builder.objectRef<TransparencyReport['appeals']>('AppealFigures').implement({
  fields: (t) => ({
    received: t.exposeInt('received'),
    decided: t.exposeInt('decided'),
    overturned: t.exposeInt('overturned'),
    reversalRate: t.exposeFloat('reversalRate', { nullable: true, description: 'overturned / decided; null when none was decided' }),
  }),
});

const TransparencyReportRef = builder.objectRef<TransparencyReport>('TransparencyReport').implement({
  description: 'Figures for the half-open period [from, to) in UTC',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    generatedAt: t.expose('generatedAt', { type: 'DateTime' }),
    reportsReceived: t.field({ type: [CategoryCount], resolve: (r) => r.reportsReceived }),
    casesOpened: t.exposeInt('casesOpened'),
    decisions: t.field({ type: [DecisionCount], resolve: (r) => r.decisions }),
    casesDecided: t.exposeInt('casesDecided', { description: 'Cases whose first decision fell in the period' }),
    timeToActionSeconds: t.field({
      type: Percentiles,
      description: 'From the first report on a case to its first decision, for cases first decided in the period',
      resolve: (r) => r.timeToActionSeconds,
    }),
    decidedWithinSlaRatio: t.exposeFloat('decidedWithinSlaRatio', {
      nullable: true,
      description: 'Share of those first decisions made by the SLA due time; null when none',
    }),
    appeals: t.field({ type: AppealFigures, resolve: (r) => r.appeals }),
    ncmecReportsFiled: t.exposeInt('ncmecReportsFiled', { description: 'CyberTipline reports NCMEC accepted in the period (unsent and withdrawn records are not counted)' }),
    lawEnforcementReferrals: t.exposeInt('lawEnforcementReferrals'),
    csv: t.string({ description: 'The same figures as CSV for publication: metric,category,action,value', resolve: (r) => transparencyReportCsv(r) }),
  }),
});

const SeriesPointRef = builder.objectRef<SeriesPoint>('TransparencySeriesPoint').implement({
  fields: (t) => ({
    bucketStart: t.expose('bucketStart', { type: 'DateTime' }),
    reportsReceived: t.exposeInt('reportsReceived'),
    casesOpened: t.exposeInt('casesOpened'),
    casesDecided: t.exposeInt('casesDecided'),
    medianTimeToActionSeconds: t.exposeFloat('medianTimeToActionSeconds', { nullable: true }),
    appealsReceived: t.exposeInt('appealsReceived'),
    appealsOverturned: t.exposeInt('appealsOverturned'),
    ncmecReportsFiled: t.exposeInt('ncmecReportsFiled'),
    lawEnforcementReferrals: t.exposeInt('lawEnforcementReferrals'),
  }),
});

const QueueHealthRef = builder.objectRef<QueueHealth>('QueueHealth').implement({
  fields: (t) => ({
    queue: t.field({ type: QueueNameEnum, resolve: (q) => q.queue }),
    open: t.exposeInt('open', { description: 'Cases waiting in the queue, claimed or not' }),
    claimed: t.exposeInt('claimed', { description: 'Waiting cases under a live lease' }),
    oldestOpenSince: t.expose('oldestOpenSince', { type: 'DateTime', nullable: true, description: 'First report on the oldest waiting case' }),
    breachingSla: t.exposeInt('breachingSla', { description: 'Waiting cases past their SLA due time now' }),
  }),
});

builder.queryFields((t) => ({
  transparencyReport: t.field({
    type: TransparencyReportRef,
    authScopes: { analytics: true },
    description:
      'DSA Art. 15 figures for [from, to): reports, decisions, timeliness, appeals, NCMEC reports, referrals. The period may not start before ANALYTICS_EARLIEST nor span more than ANALYTICS_MAX_PERIOD_DAYS (3 years by default)',
    args: { from: t.arg({ type: 'DateTime', required: true }), to: t.arg({ type: 'DateTime', required: true }) },
    resolve: (_root, { from, to }, ctx) => analytics(ctx.services, (prisma, limits) => transparencyReport(prisma, { from, to }, ctx.services.now(), limits)),
  }),
  transparencySeries: t.field({
    type: [SeriesPointRef],
    authScopes: { analytics: true },
    description: `The same figures per calendar bucket, for charts (at most 1000 buckets)`,
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      bucket: t.arg({ type: BucketEnum, required: true }),
    },
    resolve: (_root, { from, to, bucket }, ctx) =>
      analytics(ctx.services, (prisma, limits) => transparencySeries(prisma, { from, to }, bucket, ctx.services.now(), limits)),
  }),
  queueHealth: t.field({
    type: [QueueHealthRef],
    authScopes: { analytics: true },
    description: 'Every queue: waiting, claimed, oldest waiting, breaching SLA',
    // One short statement: on analytics' client (its timeout), without waiting for a long report to finish.
    resolve: (_root, _args, ctx) => queueHealth(ctx.services.analytics?.prisma ?? ctx.prisma, ctx.services.now()),
  }),
}));
