// Reviewer wellness: each reviewer's daily exposure to exploitation and abuse-media cases against the cap, for the
// reviewer themself and for leads.
import { REVIEWING_ROLES, builder } from './builder.js';
import { Viewer } from './viewer.js';
import { exposureToday, teamExposureToday, type ReviewerExposure } from '../services/claims.js';

interface ExposureView {
  casesToday: number;
  cap: number;
}

export const Exposure = builder.objectRef<ExposureView>('Exposure').implement({
  description: 'Distinct exploitation and abuse-media cases taken since UTC midnight, against the daily cap',
  fields: (t) => ({
    casesToday: t.exposeInt('casesToday'),
    cap: t.exposeInt('cap'),
    remaining: t.int({ resolve: (e) => Math.max(0, e.cap - e.casesToday) }),
    capReached: t.boolean({ resolve: (e) => e.casesToday >= e.cap }),
  }),
});

const ReviewerExposureRef = builder.objectRef<ReviewerExposure & { cap: number }>('ReviewerExposure').implement({
  fields: (t) => ({
    reviewer: t.prismaField({
      type: 'Reviewer',
      resolve: (query, e, _a, ctx) => ctx.prisma.reviewer.findUniqueOrThrow({ ...query, where: { id: e.reviewerId } }),
    }),
    exposure: t.field({ type: Exposure, resolve: (e) => ({ casesToday: e.casesToday, cap: e.cap }) }),
    lastClaimedAt: t.expose('lastClaimedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('teamExposure', (t) =>
  t.field({
    type: [ReviewerExposureRef],
    authScopes: { auditor: true },
    description: "Today's exposure of every reviewer who has taken such a case, most exposed first (leads and admins)",
    resolve: async (_root, _args, ctx) => {
      const cap = ctx.services.settings.dailyExposureCap;
      return (await teamExposureToday(ctx.services)).map((e) => ({ ...e, cap }));
    },
  }),
);

builder.objectField(Viewer, 'exposureToday', (t) =>
  t.field({
    type: Exposure,
    nullable: true,
    description: 'Your exposure today (reviewers only)',
    resolve: async (viewer, _args, ctx) => {
      if (!ctx.user?.roles.some((r) => REVIEWING_ROLES.includes(r))) return null;
      return { casesToday: await exposureToday(ctx.services, viewer.id), cap: ctx.services.settings.dailyExposureCap };
    },
  }),
);
