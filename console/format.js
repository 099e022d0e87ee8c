// Small pure helpers for the console's views.

/** "4 min 05 s", "2 h 03 min", "3 d 4 h" for a duration in milliseconds (absolute value). */
export function duration(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** "due in 4 min 05 s" or "overdue by 1 min 00 s". */
export function dueIn(iso, now) {
  const ms = Date.parse(iso) - now;
  return ms >= 0 ? `due in ${duration(ms)}` : `overdue by ${duration(ms)}`;
}

export const since = (iso, now) => `${duration(now - Date.parse(iso))} ago`;

export const words = (value) => String(value).toLowerCase().replace(/_/g, ' ');
export const title = (value) => words(value).replace(/^./, (c) => c.toUpperCase());

export const shortId = (id) => (id.length > 10 ? `${id.slice(0, 8)}…` : id);

export const time = (iso) => new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

/** "2026-11-29 14:56 UTC": a deadline to the minute. */
export const minute = (iso) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/** Text written by the server (a statement of reasons) with its ISO timestamps given as `minute` gives them. */
export const readableTimes = (text) => String(text).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z/g, (iso) => minute(iso));

/** The schema's AgeAssessment values, in the order the form offers them. */
export const AGES = ['APPARENT_MINOR', 'CONFIRMED_MINOR', 'ADULT', 'UNDETERMINED'];
/** The schema's EnforcementAction values, in the order the decide form offers them. */
export const ACTIONS = ['REMOVE_CONTENT', 'SENSITIVE_MEDIA_LABEL', 'ACCOUNT_STRIKE', 'SUSPEND_ACCOUNT', 'NO_ACTION'];

/** The queues a role may work (src/policy/triage.ts: leads work every queue; specialists and appeals reviewers are also reviewers). */
export function workableQueues(roles) {
  const has = (r) => roles.includes('LEAD') || roles.includes(r);
  const reviewer = has('REVIEWER') || roles.includes('CHILD_SAFETY_SPECIALIST') || roles.includes('APPEALS_REVIEWER');
  return [
    has('CHILD_SAFETY_SPECIALIST') && 'IMMEDIATE_RISK',
    has('CHILD_SAFETY_SPECIALIST') && 'CHILD_SEXUAL_EXPLOITATION',
    has('CHILD_SAFETY_SPECIALIST') && 'PHYSICAL_CHILD_ABUSE_MEDIA',
    reviewer && 'MINOR_PHYSICAL_ALTERCATION',
    has('APPEALS_REVIEWER') && 'APPEALS',
  ].filter(Boolean);
}

/** Who may claim a case they choose by id (claimCase; src/services/claims.ts CASE_CHOOSERS). */
export const CASE_CHOOSERS = ['LEAD', 'APPEALS_REVIEWER'];
export const choosesCases = (roles) => roles.some((r) => CASE_CHOOSERS.includes(r));
/** Queues whose waiting cases the user may pick from: leads any queue, appeals reviewers the appeals queue. */
export const mayChooseIn = (roles, queue) => roles.includes('LEAD') || (roles.includes('APPEALS_REVIEWER') && queue === 'APPEALS');

/** A qualification and who satisfies it (src/policy/triage.ts): leads hold every one; specialists and appeals reviewers are also reviewers. */
const satisfies = (roles, needed) =>
  roles.includes('LEAD') || roles.includes(needed) || (needed === 'REVIEWER' && (roles.includes('CHILD_SAFETY_SPECIALIST') || roles.includes('APPEALS_REVIEWER')));
/** Whether these roles handle the category (src/policy/triage.ts canHandleCategory). */
export const handlesCategory = (roles, category) => satisfies(roles, category === 'MINOR_PHYSICAL_ALTERCATION' ? 'REVIEWER' : 'CHILD_SAFETY_SPECIALIST');
/** Who may read a case's content, reports, hash matches and assessments (src/schema/case.ts). */
export const mayReadContent = (roles, category) => handlesCategory(roles, category) || roles.includes('LAW_ENFORCEMENT_LIAISON');
/** Who may list cases (the `cases` query): the reviewing and oversight roles. */
export const mayReadHistory = (roles) => roles.some((r) => ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'].includes(r));

/** The schema's CaseStatus, ChildSafetyCategory and QueueName values, in the order the history's filters offer them. */
export const STATUSES = ['OPEN', 'IN_REVIEW', 'DECIDED', 'APPEALED', 'CLOSED'];
export const CATEGORIES = ['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION'];
export const QUEUES = ['IMMEDIATE_RISK', 'CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION', 'APPEALS'];

/** Who may read reporter identity and contact (README, Authorization). */
export const mayReadReporterIdentity = (roles) => roles.some((r) => ['LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'].includes(r));

/** What a typed error from a mutation means for the person at the screen. */
export function errorTitle(typename) {
  return (
    {
      VersionConflictError: 'The case changed since you loaded it',
      EscalationRequiredError: 'This decision needs a lead',
      ExposureCapReachedError: 'You have reached today’s exposure cap',
      NoCaseAvailableError: 'No case is waiting for you in this queue',
      ValidationError: 'Some answers need attention',
      ForbiddenError: 'You may not do this',
      NotFoundError: 'The case is not available to you',
      InvalidTransitionError: 'This step is not possible now',
      NotAuthenticatedError: 'Your sign-in is no longer valid',
      ReferralTransitionError: 'The referral is not in a state for this step',
      NotQualifiedError: 'You are not qualified for this case',
    }[typename] ?? 'The request was refused'
  );
}
