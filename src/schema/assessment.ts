// Assessments against the policy, and the live recommendation preview.
import { GraphQLError } from 'graphql';
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { AgeAssessmentEnum, CategoryEnum, EnforcementActionEnum, HarmSeverityEnum, MediaKindEnum, NudityEnum, SharingContextEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { AGE_ASSESSMENTS, HARM_SEVERITIES, MEDIA_KINDS, NUDITY, SHARING_CONTEXTS } from '../policy/index.js';
import type { AssessmentFactors, ClauseCitation, LadderCitation, Recommendation } from '../policy/index.js';
import { previewRecommendation, submitAssessment } from '../services/assessments.js';
import { DomainError } from '../services/errors.js';

export const ClauseRef = builder.objectRef<ClauseCitation>('PolicyClause').implement({
  fields: (t) => ({
    clause: t.exposeString('clause'),
    title: t.exposeString('title'),
    quote: t.exposeString('quote', { description: 'Quoted verbatim from the policy text' }),
  }),
});

const LadderStepRef = builder.objectRef<LadderCitation>('EnforcementLadderStep').implement({
  description: "A step of the platform's enforcement ladder: platform practice for what the policy text does not spell out",
  fields: (t) => ({
    step: t.exposeString('step'),
    title: t.exposeString('title'),
    action: t.field({ type: EnforcementActionEnum, resolve: (s) => s.action }),
    practice: t.exposeString('practice', { description: "The platform's words, not the policy's" }),
  }),
});

export const RecommendationRef = builder.objectRef<Recommendation>('Recommendation').implement({
  description: "The policy module's recommendation for an assessment",
  fields: (t) => ({
    inScope: t.exposeBoolean('inScope'),
    escalate: t.exposeBoolean('escalate'),
    actions: t.field({ type: [EnforcementActionEnum], resolve: (r) => r.actions }),
    ncmecReportRequired: t.exposeBoolean('ncmecReportRequired'),
    lawEnforcementReferralRequired: t.exposeBoolean('lawEnforcementReferralRequired'),
    preserveEvidenceDays: t.exposeInt('preserveEvidenceDays'),
    rationale: t.field({ type: [ClauseRef], resolve: (r) => r.rationale }),
    ladder: t.field({
      type: [LadderStepRef],
      description: 'The enforcement-ladder steps behind suspensions, strikes and labels',
      resolve: (r) => r.ladder ?? [],
    }),
    policyVersion: t.exposeString('policyVersion'),
  }),
});

const AssessmentInput = builder.inputType('AssessmentInput', {
  fields: (t) => ({
    caseId: t.id({ required: true }),
    category: t.field({ type: CategoryEnum, required: true }),
    ageAssessment: t.field({
      type: AgeAssessmentEnum,
      description: 'Required for every depiction; promotion of exploitation, and exploitation in text, are judged without an age',
    }),
    mediaKind: t.field({ type: MediaKindEnum }),
    promotesExploitation: t.boolean(),
    nudity: t.field({ type: NudityEnum }),
    severity: t.field({ type: HarmSeverityEnum }),
    context: t.field({ type: SharingContextEnum }),
    excessivelyGraphic: t.boolean(),
    childAtImmediateRisk: t.boolean({
      description: "The reviewer's finding: true confirms a child at immediate risk, false clears it. Required when a report flagged it",
    }),
    immediateRiskClearedReason: t.string({ description: "Why a reporter's immediate-risk flag is cleared; required to clear one" }),
    reporterRelationConfirmed: t.boolean({
      description: 'Whether the reviewer confirmed that a report claiming to come from the depicted minor or an authorised representative does. Unconfirmed, the claim weighs nothing',
    }),
    notes: t.string(),
  }),
});

/** The answers as submitted; a value a later policy version dropped from its vocabulary reads as null. */
const AssessmentAnswers = builder.objectRef<AssessmentFactors>('AssessmentAnswers').implement({
  fields: (t) => {
    const known = <V extends string>(values: readonly V[], value: unknown): V | null => (values.includes(value as V) ? (value as V) : null);
    const bool = (value: unknown) => (typeof value === 'boolean' ? value : null);
    return {
      category: t.field({ type: CategoryEnum, resolve: (f) => f.category }),
      ageAssessment: t.field({ type: AgeAssessmentEnum, nullable: true, resolve: (f) => known(AGE_ASSESSMENTS, f.ageAssessment) }),
      mediaKind: t.field({ type: MediaKindEnum, nullable: true, resolve: (f) => known(MEDIA_KINDS, f.mediaKind) }),
      promotesExploitation: t.boolean({ nullable: true, resolve: (f) => bool(f.promotesExploitation) }),
      nudity: t.field({ type: NudityEnum, nullable: true, resolve: (f) => known(NUDITY, f.nudity) }),
      severity: t.field({ type: HarmSeverityEnum, nullable: true, resolve: (f) => known(HARM_SEVERITIES, f.severity) }),
      context: t.field({ type: SharingContextEnum, nullable: true, resolve: (f) => known(SHARING_CONTEXTS, f.context) }),
      excessivelyGraphic: t.boolean({ nullable: true, resolve: (f) => bool(f.excessivelyGraphic) }),
      childAtImmediateRisk: t.boolean({ nullable: true, resolve: (f) => bool(f.childAtImmediateRisk) }),
      reporterRelationConfirmed: t.boolean({ nullable: true, resolve: (f) => bool(f.reporterRelationConfirmed) }),
    };
  },
});

builder.prismaObject('Assessment', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    reviewer: t.relation('reviewer'),
    policyVersion: t.exposeString('policyVersion'),
    notes: t.exposeString('notes', { nullable: true }),
    childAtImmediateRisk: t.exposeBoolean('childAtImmediateRisk', {
      nullable: true,
      description: "The reviewer's immediate-risk finding: true confirmed, false cleared, null not stated",
    }),
    immediateRiskClearedReason: t.exposeString('immediateRiskClearedReason', { nullable: true }),
    reporterRelationConfirmed: t.exposeBoolean('reporterRelationConfirmed'),
    factors: t.string({
      description: 'The answers, as JSON',
      deprecationReason: 'Use answers: the same, typed',
      select: { factors: true },
      resolve: (a) => JSON.stringify(a.factors),
    }),
    answers: t.field({ type: AssessmentAnswers, description: "The reviewer's answers", select: { factors: true }, resolve: (a) => a.factors as unknown as AssessmentFactors }),
    recommendation: t.field({ type: RecommendationRef, select: { recommendation: true }, resolve: (a) => a.recommendation as unknown as Recommendation }),
  }),
});

builder.queryField('recommendation', (t) =>
  t.field({
    type: RecommendationRef,
    authScopes: { reviewer: true },
    description: 'Preview what the policy recommends for these answers; changes nothing',
    args: { input: t.arg({ type: AssessmentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      try {
        return await previewRecommendation(ctx.services, { ...input, caseId: String(input.caseId) });
      } catch (error) {
        if (error instanceof DomainError) throw new GraphQLError(error.message, { extensions: { code: error.code } });
        throw error;
      }
    },
  }),
);

const SubmitAssessmentSuccess = builder.objectRef<{ assessmentId: string; caseId: string }>('SubmitAssessmentSuccess').implement({
  fields: (t) => ({
    case: t.prismaField({
      type: 'Case',
      description: 'The case as the assessment left it: its new version (pass it as expectedVersion), category, queue and priority',
      resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }),
    }),
    assessment: t.prismaField({
      type: 'Assessment',
      resolve: (query, r, _a, ctx) => ctx.prisma.assessment.findUniqueOrThrow({ ...query, where: { id: r.assessmentId } }),
    }),
  }),
});

builder.mutationField('submitAssessment', (t) =>
  t.field({
    type: SubmitAssessmentSuccess,
    authScopes: { reviewer: true },
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'SubmitAssessmentResult' } },
    args: { input: t.arg({ type: AssessmentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { assessment } = await submitAssessment(ctx.services, { ...input, caseId: String(input.caseId) });
      return { assessmentId: assessment.id, caseId: assessment.caseId };
    },
  }),
);
