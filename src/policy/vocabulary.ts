// The policy's vocabulary. These literal unions are the single source for the GraphQL enums and the Prisma enums
// (a test checks the three agree).

export const CATEGORIES = ['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Minor = under 18. An apparent minor counts as a minor. */
export const AGE_ASSESSMENTS = ['CONFIRMED_MINOR', 'APPARENT_MINOR', 'ADULT', 'UNDETERMINED'] as const;
export type AgeAssessment = (typeof AGE_ASSESSMENTS)[number];
export const MINOR_AGE_LIMIT = 18;

/** Child sexual exploitation covers every kind of media, generative AI included. */
export const MEDIA_KINDS = ['REAL', 'ILLUSTRATED', 'COMPUTER_GENERATED', 'TEXT'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const NUDITY = ['NUDE', 'PARTIALLY_CLOTHED', 'FULLY_CLOTHED'] as const;
export type Nudity = (typeof NUDITY)[number];

export const HARM_SEVERITIES = ['LOW', 'MODERATE', 'SEVERE'] as const;
export type HarmSeverity = (typeof HARM_SEVERITIES)[number];

export const SHARING_CONTEXTS = ['ABUSIVE', 'NON_ABUSIVE', 'NEWSWORTHY'] as const;
export type SharingContext = (typeof SHARING_CONTEXTS)[number];

/** In order of increasing severity; NO_ACTION stands alone. */
export const ENFORCEMENT_ACTIONS = [
  'NO_ACTION',
  'SENSITIVE_MEDIA_LABEL',
  'REMOVE_CONTENT',
  'ACCOUNT_STRIKE',
  'SUSPEND_ACCOUNT',
] as const;
export type EnforcementAction = (typeof ENFORCEMENT_ACTIONS)[number];

export const REPORTER_RELATIONS = ['DEPICTED_MINOR', 'AUTHORIZED_REPRESENTATIVE', 'OTHER'] as const;
export type ReporterRelation = (typeof REPORTER_RELATIONS)[number];

export const QUEUE_NAMES = [
  'IMMEDIATE_RISK',
  'CHILD_SEXUAL_EXPLOITATION',
  'PHYSICAL_CHILD_ABUSE_MEDIA',
  'MINOR_PHYSICAL_ALTERCATION',
  'APPEALS',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const ROLES = [
  'REVIEWER',
  'CHILD_SAFETY_SPECIALIST',
  'APPEALS_REVIEWER',
  'LEAD',
  'ANALYST',
  'ADMIN',
  'LAW_ENFORCEMENT_LIAISON',
  'PLATFORM',
] as const;
export type Role = (typeof ROLES)[number];

export const APPELLANT_KINDS = ['AFFECTED_ACCOUNT', 'NOTIFIER'] as const;
export type AppellantKind = (typeof APPELLANT_KINDS)[number];

export const isMinor = (age: AgeAssessment): boolean => age === 'CONFIRMED_MINOR' || age === 'APPARENT_MINOR';
