// The GraphQL operations the console sends: the public API only (HTTP POST /graphql and graphql-ws on /graphql).
// test/console/operations.test.ts validates every one against the server's schema.

/** The typed errors of a mutation's result union, with the details of those it can return. */
const TYPED_ERROR_DETAILS = {
  ValidationError: 'fields { path message }',
  VersionConflictError: 'currentVersion',
  ExposureCapReachedError: 'cap',
  ReferralTransitionError: 'status',
  NotQualifiedError: 'qualification',
};
const errors = (...kinds) => `__typename ... on Error { code message } ${kinds.map((k) => `... on ${k} { ${TYPED_ERROR_DETAILS[k]} }`).join(' ')}`;

const CASE_ROW = `id version status category queue priority slaDueAt childAtImmediateRisk reportCount createdAt assignee { id name }`;

const RECOMMENDATION = `inScope escalate actions ncmecReportRequired lawEnforcementReferralRequired preserveEvidenceDays
  rationale { clause title quote } ladder { step title action practice } policyVersion`;

const STATEMENT = `statementOfReasons { decision facts automatedMeans ground redress }`;

export const ME = `query ConsoleMe { me { id name roles exposureToday { casesToday cap remaining capReached } } }`;

export const QUEUE = `query ConsoleQueue($name: QueueName!) {
  queue(name: $name) { name openCount oldestOpenSince cases(first: 10) { totalCount edges { node { ${CASE_ROW} } } } }
}`;

export const QUEUE_UPDATES = `subscription ConsoleQueueUpdates($queue: QueueName!) {
  queueUpdates(queue: $queue) { kind at queue case { ${CASE_ROW} } }
}`;

export const CASE_UPDATES = `subscription ConsoleCaseUpdated($id: ID!) {
  caseUpdated(id: $id) { kind at case { id version status leaseExpiresAt } }
}`;

export const CLAIM_NEXT = `mutation ConsoleClaimNext($queue: QueueName!) {
  claimNextCase(queue: $queue) { ${errors('ValidationError', 'ExposureCapReachedError', 'NotQualifiedError')} ... on ClaimNextCaseSuccess { leaseExpiresAt case { id version } } }
}`;

/** A lead (any waiting case) or an appeals reviewer (an appeal) claims the case they chose. */
export const CLAIM_CASE = `mutation ConsoleClaimCase($id: ID!, $expectedVersion: Int) {
  claimCase(id: $id, expectedVersion: $expectedVersion) {
    ${errors('ValidationError', 'ExposureCapReachedError', 'VersionConflictError', 'NotQualifiedError')} ... on ClaimCaseSuccess { leaseExpiresAt case { id version } }
  }
}`;

export const RENEW = `mutation ConsoleRenewLease($caseId: ID!) {
  renewLease(caseId: $caseId) { ${errors('ValidationError')} ... on ClaimNextCaseSuccess { leaseExpiresAt case { id version status leaseExpiresAt } } }
}`;

export const RELEASE = `mutation ConsoleRelease($caseId: ID!) {
  releaseCase(caseId: $caseId) { ${errors('ValidationError')} ... on ReleaseCaseSuccess { case { id status } } }
}`;

export const CASE = `query ConsoleCase($id: ID!, $reporterIdentity: Boolean!, $content: Boolean! = true) {
  case(id: $id) {
    ${CASE_ROW} version leaseExpiresAt knownHashMatch distinctReporterCount reportedAccountId @include(if: $content)
    escalation { reason escalatedAt escalatedBy { id name } }
    content @include(if: $content) { contentId url mediaHashes { algorithm value } presentation { blur greyscale muteAudio warning } }
    hashMatches @include(if: $content) { bank algorithm distance value matchedValue category }
    reportedAccountStrikes { recordedAt category active }
    reports(first: 50) @include(if: $content) { totalCount edges { node {
      id category description childAtImmediateRisk reporterRelation createdAt
      contactEmail @include(if: $reporterIdentity) reporterAccountId @include(if: $reporterIdentity)
    } } }
    assessments @include(if: $content) { id createdAt reviewer { id name } recommendation { ${RECOMMENDATION} } }
    decision { id actions recommendedActions deviatesFromRecommendation justification decidedAt reversedAt decidedBy { id name } ${STATEMENT} }
    appeals { id status appellantKind statement outcome reason createdAt decidedAt decidedBy { id name } }
    ncmecReport { id status createdAt submittedAt externalReportId }
    lawEnforcementReferral { id status dueAt overdue agency }
    auditTrail { seq action at actor { id name } }
  }
}`;

/** The case history: cases the user may see, newest first, by filter and cursor. */
export const CASES = `query ConsoleCases($filter: CaseFilter, $first: Int, $after: String) {
  cases(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id status category queue priority reportCount createdAt decidedAt assignee { id name } } }
  }
}`;

export const POLICY = `query ConsolePolicy {
  policy { version categories { category ageRequired qualification factors { name required values } } }
}`;

export const RECOMMEND = `query ConsoleRecommend($input: AssessmentInput!) { recommendation(input: $input) { ${RECOMMENDATION} } }`;

export const SUBMIT_ASSESSMENT = `mutation ConsoleAssess($input: AssessmentInput!) {
  submitAssessment(input: $input) { ${errors('ValidationError')} ... on SubmitAssessmentSuccess { assessment { id recommendation { ${RECOMMENDATION} } } } }
}`;

export const DECIDE = `mutation ConsoleDecide($input: DecideCaseInput!) {
  decideCase(input: $input) { ${errors('ValidationError', 'VersionConflictError')}
    ... on DecideCaseSuccess { decision { id actions deviatesFromRecommendation ${STATEMENT} } case { id status version } }
  }
}`;

export const DECIDE_APPEAL = `mutation ConsoleDecideAppeal($input: DecideAppealInput!) {
  decideAppeal(input: $input) { ${errors('ValidationError')} ... on DecideAppealSuccess { appeal { id status outcome } case { id status } } }
}`;

export const LEAD_OVERVIEW = `query ConsoleLead {
  queueHealth { queue open claimed oldestOpenSince breachingSla }
  teamExposure { reviewer { id name } lastClaimedAt exposure { casesToday cap remaining capReached } }
}`;

export const LIAISON_OVERVIEW = `query ConsoleLiaison {
  ncmecReports(first: 20) { edges { node { id status createdAt submittedAt externalReportId nextAttemptAt ncmecResponseDescription case { id } } } }
  lawEnforcementReferrals(first: 20) { edges { node { id status dueAt overdue agency reference case { id } } } }
}`;

export const MARK_REFERRAL_SENT = `mutation ConsoleMarkReferralSent($input: MarkReferralSentInput!) {
  markReferralSent(input: $input) { ${errors('ValidationError', 'ReferralTransitionError')} ... on MarkReferralSentSuccess { referral { id status } } }
}`;

export const CLOSE_REFERRAL = `mutation ConsoleCloseReferral($input: CloseReferralInput!) {
  closeReferral(input: $input) { ${errors('ValidationError', 'ReferralTransitionError')} ... on CloseReferralSuccess { referral { id status } } }
}`;

export const RECORD_MANUAL_SUBMISSION = `mutation ConsoleRecordManualSubmission($id: ID!, $reportNumber: String!) {
  recordManualCyberTipSubmission(id: $id, reportNumber: $reportNumber) { ${errors('ValidationError')} ... on RecordManualCyberTipSubmissionSuccess { ncmecReport { id status } } }
}`;
