// GraphQL enums. Policy vocabulary comes from src/policy; workflow statuses from the Prisma schema.
import {
  AGE_ASSESSMENTS,
  CATEGORIES,
  ENFORCEMENT_ACTIONS,
  HARM_SEVERITIES,
  MEDIA_KINDS,
  NUDITY,
  PRIORITY_LABELS,
  QUEUE_NAMES,
  REPORTER_RELATIONS,
  ROLES,
  SHARING_CONTEXTS,
} from '../policy/index.js';
import { QUEUE_EVENT_KINDS } from '../services/context.js';
import { REPORT_STATUSES } from '../services/report-status.js';
import {
  AppealOutcome,
  AppealStatus,
  AppellantKind,
  CaseStatus,
  HashAlgorithm,
  NcmecReportStatus,
  ReferralStatus,
} from '../generated/prisma/enums.js';
import { builder } from './builder.js';

export const CategoryEnum = builder.enumType('ChildSafetyCategory', { values: CATEGORIES });
export const QueueNameEnum = builder.enumType('QueueName', { values: QUEUE_NAMES });
export const ReporterRelationEnum = builder.enumType('ReporterRelation', { values: REPORTER_RELATIONS });
export const AgeAssessmentEnum = builder.enumType('AgeAssessment', { values: AGE_ASSESSMENTS });
export const MediaKindEnum = builder.enumType('MediaKind', { values: MEDIA_KINDS });
export const NudityEnum = builder.enumType('Nudity', { values: NUDITY });
export const HarmSeverityEnum = builder.enumType('HarmSeverity', { values: HARM_SEVERITIES });
export const SharingContextEnum = builder.enumType('SharingContext', { values: SHARING_CONTEXTS });
export const EnforcementActionEnum = builder.enumType('EnforcementAction', { values: ENFORCEMENT_ACTIONS });
export const RoleEnum = builder.enumType('Role', { values: ROLES });
export const PriorityEnum = builder.enumType('Priority', { values: PRIORITY_LABELS, description: 'P0 is the most urgent' });
export const QueueEventKindEnum = builder.enumType('QueueEventKind', { values: QUEUE_EVENT_KINDS });
export const ReportStatusEnum = builder.enumType('ReportStatus', { values: REPORT_STATUSES });
export const HashAlgorithmEnum = builder.enumType(HashAlgorithm, { name: 'HashAlgorithm' });
export const CaseStatusEnum = builder.enumType(CaseStatus, { name: 'CaseStatus' });
export const NcmecReportStatusEnum = builder.enumType(NcmecReportStatus, { name: 'NcmecReportStatus' });
export const ReferralStatusEnum = builder.enumType(ReferralStatus, { name: 'ReferralStatus' });
export const AppealStatusEnum = builder.enumType(AppealStatus, { name: 'AppealStatus' });
export const AppealOutcomeEnum = builder.enumType(AppealOutcome, { name: 'AppealOutcome' });
export const AppellantKindEnum = builder.enumType(AppellantKind, { name: 'AppellantKind' });

export const priorityLabel = (priority: number) => PRIORITY_LABELS[Math.min(Math.max(priority, 0), PRIORITY_LABELS.length - 1)]!;
