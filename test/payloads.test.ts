// Mutation payloads: each caller may read every non-null field of what its mutation answers (a denied non-null field
// would null the whole result after the write committed), and case-scoped writes answer the case as they left it, so
// a normalized client cache stays right without a refetch.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { SCHEMA_PATH } from '../scripts/build-schema.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';
import type { Role } from '../src/policy/index.js';

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const mutationFields = schema.getMutationType()!.getFields();
/** Object levels walked below the success type: deep enough to reach a case's decisions' deciders. */
const DEPTH = 4;

/** Every field that cannot be null, through non-null fields only, to DEPTH levels; fields needing arguments skipped. */
function selection(type: GraphQLNamedType, depth: number): string {
  if (isScalarType(type) || isEnumType(type)) return '';
  const parts = ['__typename'];
  if (isUnionType(type) || isInterfaceType(type)) {
    for (const member of schema.getPossibleTypes(type)) {
      const inner = selection(member, depth);
      parts.push(`... on ${member.name} { ${inner} }`);
    }
    return parts.join(' ');
  }
  for (const field of Object.values((type as GraphQLObjectType).getFields())) {
    if (!isNonNullType(field.type) || field.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(field.name);
    else if (depth > 0) parts.push(`${field.name} { ${selection(named, depth - 1)} }`);
  }
  return parts.join(' ');
}

function successType(field: GraphQLField<unknown, unknown>): GraphQLObjectType {
  const union = getNamedType(field.type as GraphQLOutputType);
  if (!isUnionType(union)) throw new Error(`${field.name} does not answer a result union`);
  const members = union.getTypes().filter((t) => !t.getInterfaces().some((i) => i.name === 'Error'));
  expect(members, `${field.name}: one success member`).toHaveLength(1);
  return members[0]!;
}

/** Which roles each mutation was walked with: the test at the end checks that none was left out. */
const walked = new Map<string, Set<string>>();

let server: TestServer;
let ispws: FakeIspws;
const tokens = {} as Record<Role, string>;
const ROLES: Role[] = ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD', 'ADMIN', 'ANALYST', 'LAW_ENFORCEMENT_LIAISON', 'PLATFORM'];

/**
 * Calls a mutation as a caller, selecting every non-null field of its success type, and expects success with no
 * error anywhere: a field the caller may not read would show up in `errors` and null the payload.
 */
async function walk(field: string, variables: Record<string, unknown>, caller: Role | 'ANONYMOUS'): Promise<any> {
  const definition = mutationFields[field]!;
  const success = successType(definition);
  const args = definition.args.filter((a) => a.name in variables);
  const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const query = `mutation Walk${declared ? `(${declared})` : ''} { ${field}${passed ? `(${passed})` : ''} { __typename ... on ${success.name} { ${selection(success, DEPTH)} } ... on Error { code message } } }`;
  const res = await server.gql(query, variables, caller === 'ANONYMOUS' ? {} : { token: tokens[caller] });
  expect(res.errors, `${field} as ${caller}`).toBeUndefined();
  expect(res.data[field], `${field} as ${caller}`).toMatchObject({ __typename: success.name });
  walked.set(field, (walked.get(field) ?? new Set()).add(caller));
  return res.data[field];
}

/** The case as a fresh read sees it, for comparing with what a mutation answered. */
async function current(caseId: string) {
  const res = await server.gql('query($id: ID!) { case(id: $id) { id version status queue assignee { id } } }', { id: caseId }, { token: tokens.LEAD });
  expect(res.errors).toBeUndefined();
  return res.data.case;
}

async function expectCaseAsStored(answered: { id: string; version: number; status: string; queue: string }) {
  const stored = await current(answered.id);
  expect({ id: answered.id, version: answered.version, status: answered.status, queue: answered.queue }).toEqual({
    id: stored.id,
    version: stored.version,
    status: stored.status,
    queue: stored.queue,
  });
}

const report = (category: string, over: Record<string, unknown> = {}) => ({
  contentId: `content-${hex(4)}`,
  category,
  description: 'placeholder description',
  reportedAccountId: `account-${hex(4)}`,
  mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }],
  ...over,
});

const CASE_FIELDS = 'case { id version status queue }';

beforeAll(async () => {
  ispws = await startFakeIspws();
  server = await startServer({ NCMEC_API_URL: ispws.url, NCMEC_USERNAME: ispws.username, NCMEC_PASSWORD: ispws.password });
  for (const role of ROLES) tokens[role] = await token(`${role.toLowerCase()}-1`, [role], `${role} One`);
});
afterAll(async () => {
  await server?.close();
  await ispws?.close();
});

interface Worked {
  caseId: string;
  decisionId: string;
  followUpToken: string;
  reportedAccountId: string;
}

/** Files a report, then claims, renews, releases, reclaims, assesses and decides it as `role`, walking each payload. */
async function workCase(role: Role, category: string, queue: string, assessment: Record<string, unknown>, actions: string[]): Promise<Worked> {
  const input = report(category);
  const filed = await walk('submitReport', { input }, 'ANONYMOUS');
  const claimed = await walk('claimNextCase', { queue }, role);
  const caseId = claimed.case.id;
  await expectCaseAsStored(claimed.case);
  const renewed = await walk('renewLease', { caseId }, role);
  await expectCaseAsStored(renewed.case);
  const released = await walk('releaseCase', { caseId }, role);
  expect(released.case).toMatchObject({ id: caseId, status: 'OPEN' });
  await expectCaseAsStored(released.case);
  expect((await walk('claimNextCase', { queue }, role)).case.id).toBe(caseId);

  const assessed = await walk('submitAssessment', { input: { caseId, category, ...assessment } }, role);
  // The assessment moved the version: the payload says so, and deciding with it needs no refetch.
  const after = await server.gql(`mutation($input: AssessmentInput!) { x: submitAssessment(input: $input) { __typename } }`, { input: { caseId, category, ...assessment } }, { token: tokens[role] });
  expect(after.data.x.__typename).toBe('SubmitAssessmentSuccess');
  const reread = await server.gql(`query($id: ID!) { case(id: $id) { version } }`, { id: caseId }, { token: tokens[role] });
  expect(reread.data.case.version).toBe(assessed.case.version + 1);

  const decided = await walk('decideCase', { input: { caseId, expectedVersion: reread.data.case.version, actions } }, role);
  expect(decided.case).toMatchObject({ id: caseId, status: 'DECIDED' });
  await expectCaseAsStored(decided.case);
  return { caseId, decisionId: decided.decision.id, followUpToken: filed.followUpToken, reportedAccountId: input.reportedAccountId };
}

const CSE_ASSESSMENT = { ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED' };

describe('case-scoped writes answer the case as they left it', () => {
  it('submitAssessment answers the case with its new version; decideCase with that version succeeds', async () => {
    await walk('submitReport', { input: report('MINOR_PHYSICAL_ALTERCATION') }, 'ANONYMOUS');
    const claimed = await walk('claimNextCase', { queue: 'MINOR_PHYSICAL_ALTERCATION' }, 'REVIEWER');
    const caseId = claimed.case.id;
    const assessed = await server.gql(
      `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { assessment { id } ${CASE_FIELDS} } } }`,
      { input: { caseId, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' } },
      { token: tokens.REVIEWER },
    );
    expect(assessed.errors).toBeUndefined();
    const answered = assessed.data.submitAssessment.case;
    expect(answered.version).toBeGreaterThan(claimed.case.version);
    await expectCaseAsStored(answered);
    const decided = await server.gql(
      `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on DecideCaseSuccess { ${CASE_FIELDS} } } }`,
      { input: { caseId, expectedVersion: answered.version, actions: ['NO_ACTION'] } },
      { token: tokens.REVIEWER },
    );
    expect(decided.data.decideCase.__typename).toBe('DecideCaseSuccess');
    await expectCaseAsStored(decided.data.decideCase.case);
  });
});

describe('every caller may read every non-null field of its payload', () => {
  it('submitReport, for anyone', async () => {
    await walk('submitReport', { input: report('MINOR_PHYSICAL_ALTERCATION', { idempotencyKey: `key-${hex(8)}` }) }, 'ANONYMOUS');
    for (const role of ROLES) await walk('submitReport', { input: report('PHYSICAL_CHILD_ABUSE_MEDIA') }, role);
  });

  let cse: Worked[] = [];
  let mpa: Worked;
  it('claimNextCase, renewLease, releaseCase, submitAssessment and decideCase, for each reviewing role', async () => {
    // Drain the queues the earlier tests filed into, so each claim below takes the case it just filed.
    for (const queue of ['PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION']) {
      await server.app.db.prisma.case.updateMany({ where: { queue: queue as never, status: 'OPEN' }, data: { status: 'CLOSED' } });
    }
    mpa = await workCase('REVIEWER', 'MINOR_PHYSICAL_ALTERCATION', 'MINOR_PHYSICAL_ALTERCATION', { ageAssessment: 'ADULT' }, ['NO_ACTION']);
    cse.push(await workCase('CHILD_SAFETY_SPECIALIST', 'CHILD_SEXUAL_EXPLOITATION', 'CHILD_SEXUAL_EXPLOITATION', CSE_ASSESSMENT, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']));
    cse.push(await workCase('LEAD', 'CHILD_SEXUAL_EXPLOITATION', 'CHILD_SEXUAL_EXPLOITATION', CSE_ASSESSMENT, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']));
    cse.push(await workCase('CHILD_SAFETY_SPECIALIST', 'CHILD_SEXUAL_EXPLOITATION', 'CHILD_SEXUAL_EXPLOITATION', CSE_ASSESSMENT, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']));
  });

  it('submitAppeal, for a notifier with their follow-up token and for the platform; decideAppeal for appeals reviewers and leads', async () => {
    // The notifier appeals the no-action decision; the appeals reviewer takes and decides it.
    const notifier = await walk('submitAppeal', { input: { decisionId: mpa.decisionId, followUpToken: mpa.followUpToken, statement: 'placeholder statement' } }, 'ANONYMOUS');
    expect(notifier.receipt).toMatchObject({ id: expect.any(String), status: 'PENDING', decisionId: mpa.decisionId });
    expect(Date.parse(notifier.receipt.decideBy)).toBeGreaterThan(Date.now());
    const claimed = await walk('claimNextCase', { queue: 'APPEALS' }, 'APPEALS_REVIEWER');
    expect(claimed.case).toMatchObject({ id: mpa.caseId, queue: 'APPEALS' });
    await expectCaseAsStored(claimed.case);
    // Handed back, then chosen by id.
    await expectCaseAsStored((await walk('releaseCase', { caseId: mpa.caseId }, 'APPEALS_REVIEWER')).case);
    const chosen = await walk('claimCase', { id: mpa.caseId }, 'APPEALS_REVIEWER');
    expect(chosen.case).toMatchObject({ id: mpa.caseId, status: 'APPEALED', queue: 'APPEALS' });
    await expectCaseAsStored(chosen.case);
    const decided = await walk('decideAppeal', { input: { appealId: notifier.receipt.id, outcome: 'UPHELD', reason: 'placeholder reason' } }, 'APPEALS_REVIEWER');
    expect(decided.case).toMatchObject({ id: mpa.caseId, status: 'CLOSED' });
    await expectCaseAsStored(decided.case);

    // The platform appeals for the affected account; a lead who did not decide the case decides the appeal.
    const target = cse[0]!;
    const platform = await walk('submitAppeal', { input: { decisionId: target.decisionId, appellantAccountId: target.reportedAccountId, statement: 'placeholder statement' } }, 'PLATFORM');
    expect(platform.receipt).toMatchObject({ status: 'PENDING', appellantKind: 'AFFECTED_ACCOUNT', decisionId: target.decisionId });
    expect((await walk('claimNextCase', { queue: 'APPEALS' }, 'LEAD')).case.id).toBe(target.caseId);
    await walk('releaseCase', { caseId: target.caseId }, 'LEAD');
    const chosenByLead = await walk('claimCase', { id: target.caseId }, 'LEAD');
    expect(chosenByLead.case).toMatchObject({ id: target.caseId, status: 'APPEALED' });
    await expectCaseAsStored(chosenByLead.case);
    const overturned = await walk('decideAppeal', { input: { appealId: platform.receipt.id, outcome: 'OVERTURNED', reason: 'placeholder reason' } }, 'LEAD');
    await expectCaseAsStored(overturned.case);
  });

  it('addCaseNote, for whoever may read the case; redactCaseNote, for admins', async () => {
    const caseId = mpa.caseId;
    const roles: Role[] = ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'];
    for (const role of roles) {
      const added = await walk('addCaseNote', { caseId, body: 'placeholder note' }, role);
      expect(added.note).toMatchObject({ id: expect.any(String), redacted: false });
    }
    const noteId = (await server.app.db.prisma.caseNote.findFirstOrThrow({ where: { caseId } })).id;
    const redacted = await walk('redactCaseNote', { noteId, reason: 'placeholder reason' }, 'ADMIN');
    expect(redacted.note).toMatchObject({ id: noteId, redacted: true });
  });

  it('assignCase, unassignCase and moveCase, for leads', async () => {
    const input = report('MINOR_PHYSICAL_ALTERCATION');
    await walk('submitReport', { input }, 'ANONYMOUS');
    const caseId = (await server.app.db.prisma.case.findFirstOrThrow({ where: { contentId: input.contentId } })).id;
    const before = await current(caseId);
    const assigned = await walk('assignCase', { caseId, reviewerId: 'reviewer-1', expectedVersion: before.version }, 'LEAD');
    expect(assigned.case).toMatchObject({ id: caseId, status: 'IN_REVIEW' });
    await expectCaseAsStored(assigned.case);
    const unassigned = await walk('unassignCase', { caseId }, 'LEAD');
    expect(unassigned.case).toMatchObject({ id: caseId, status: 'OPEN' });
    await expectCaseAsStored(unassigned.case);
    const moved = await walk('moveCase', { caseId, priority: 'P1', reason: 'placeholder reason' }, 'LEAD');
    expect(moved.case).toMatchObject({ id: caseId, priority: 'P1' });
    await expectCaseAsStored(moved.case);
  });

  it('linkCases and unlinkCases, for each reviewing role; applyDecisionToLinkedCases, for leads', async () => {
    const filed = async () => {
      const input = report('MINOR_PHYSICAL_ALTERCATION');
      await walk('submitReport', { input }, 'ANONYMOUS');
      return (await server.app.db.prisma.case.findFirstOrThrow({ where: { contentId: input.contentId } })).id;
    };
    for (const role of ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD'] as Role[]) {
      const [a, b] = [await filed(), await filed()];
      const linked = await walk('linkCases', { caseId: a, linkedCaseId: b, reason: 'placeholder reason' }, role);
      expect(linked.link.linkedCase).toMatchObject({ id: b });
      await expectCaseAsStored(linked.case);
      const unlinked = await walk('unlinkCases', { caseId: a, linkedCaseId: b }, role);
      await expectCaseAsStored(unlinked.case);
    }
    // The lead applies the decided case's decision to a case linked to it.
    const linkedCase = await filed();
    await walk('linkCases', { caseId: mpa.caseId, linkedCaseId: linkedCase, reason: 'placeholder reason' }, 'LEAD');
    const applied = await walk('applyDecisionToLinkedCases', { input: { caseId: mpa.caseId } }, 'LEAD');
    expect(applied.decision).toMatchObject({ id: mpa.decisionId });
    expect(applied.results).toEqual([expect.objectContaining({ caseId: linkedCase, applied: true })]);
    await expectCaseAsStored(applied.case);
  });

  it('bulkMoveCases, bulkReleaseCases and bulkCloseCasesAsDuplicate, for leads', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const input = report('MINOR_PHYSICAL_ALTERCATION');
      await walk('submitReport', { input }, 'ANONYMOUS');
      ids.push((await server.app.db.prisma.case.findFirstOrThrow({ where: { contentId: input.contentId } })).id);
    }
    const [original, ...rest] = ids;
    const select = { cases: rest.map((id) => ({ id })) };
    const moved = await walk('bulkMoveCases', { input: { select, priority: 'P1', reason: 'placeholder reason' } }, 'LEAD');
    expect(moved).toMatchObject({ doneCount: 2, results: rest.map((caseId) => ({ caseId, outcome: 'DONE' })) });
    const released = await walk('bulkReleaseCases', { input: { select } }, 'LEAD');
    expect(released).toMatchObject({ unchangedCount: 2 });
    const closed = await walk('bulkCloseCasesAsDuplicate', { input: { select, duplicateOfId: original } }, 'LEAD');
    expect(closed).toMatchObject({ doneCount: 2 });
    for (const id of rest) expect((await current(id)).status).toBe('CLOSED');
  });

  it('escalateCase, for each reviewing role holding a case', async () => {
    for (const [role, queue] of [
      ['REVIEWER', 'MINOR_PHYSICAL_ALTERCATION'],
      ['CHILD_SAFETY_SPECIALIST', 'MINOR_PHYSICAL_ALTERCATION'],
      ['APPEALS_REVIEWER', 'MINOR_PHYSICAL_ALTERCATION'],
      ['LEAD', 'MINOR_PHYSICAL_ALTERCATION'],
    ] as const) {
      await server.app.db.prisma.case.updateMany({ where: { queue, status: 'OPEN', assigneeId: null }, data: { status: 'CLOSED' } });
      await walk('submitReport', { input: report('MINOR_PHYSICAL_ALTERCATION') }, 'ANONYMOUS');
      const caseId = (await walk('claimNextCase', { queue }, role)).case.id;
      const escalated = await walk('escalateCase', { caseId, reason: 'placeholder reason' }, role);
      expect(escalated.case).toMatchObject({ id: caseId, status: 'OPEN' });
      await expectCaseAsStored(escalated.case);
    }
  });

  it('acknowledgeNcmecReport, for each oversight role', async () => {
    const ids: string[] = [];
    for (const worked of cse) {
      // Filed with the test's fake CyberTipline right after the decision commits.
      await expect.poll(async () => (await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId: worked.caseId } })).status, { timeout: 30_000 }).toBe('SUBMITTED');
      ids.push((await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId: worked.caseId } })).id);
    }
    const roles: Role[] = ['LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'];
    for (const [i, role] of roles.entries()) {
      const acked = await walk('acknowledgeNcmecReport', { id: ids[i] }, role);
      expect(acked.ncmecReport).toMatchObject({ id: ids[i], status: 'ACKNOWLEDGED' });
    }
  });

  it('hash banks and reviewer access, for admins', async () => {
    const created = await walk('createHashBank', { input: { name: `bank-${hex(4)}`, source: 'placeholder source' } }, 'ADMIN');
    const bankId = created.bank.id;
    await walk('updateHashBank', { input: { bankId, source: 'another placeholder source' } }, 'ADMIN');
    const value = hex(32);
    await walk('addBankHash', { input: { bankId, algorithm: 'SHA256', value } }, 'ADMIN');
    await walk('removeBankHash', { input: { bankId, algorithm: 'SHA256', value } }, 'ADMIN');
    await walk('importHashBank', { input: { bankId, algorithm: 'SHA256', content: `${hex(32)}\n${hex(32)}\n` } }, 'ADMIN');
    await walk('setReviewerAccess', { input: { reviewerId: 'reviewer-1', revokedRoles: [], suspended: false } }, 'ADMIN');
  });

  it('markReferralSent and closeReferral, for liaisons', async () => {
    // A reported risk the specialist confirms creates the referral; a liaison sends it and closes it.
    await walk('submitReport', { input: report('CHILD_SEXUAL_EXPLOITATION', { childAtImmediateRisk: true }) }, 'ANONYMOUS');
    const claimed = await walk('claimNextCase', { queue: 'IMMEDIATE_RISK' }, 'CHILD_SAFETY_SPECIALIST');
    const caseId = claimed.case.id;
    await walk('submitAssessment', { input: { caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ...CSE_ASSESSMENT, childAtImmediateRisk: true } }, 'CHILD_SAFETY_SPECIALIST');
    const referral = await server.app.db.prisma.lawEnforcementReferral.findFirstOrThrow({ where: { caseId } });
    const sent = await walk('markReferralSent', { input: { referralId: referral.id, agency: 'placeholder agency', reference: 'ref-123' } }, 'LAW_ENFORCEMENT_LIAISON');
    expect(sent.referral).toMatchObject({ id: referral.id, status: 'SENT' });
    const closed = await walk('closeReferral', { input: { referralId: referral.id, note: 'placeholder note' } }, 'LAW_ENFORCEMENT_LIAISON');
    expect(closed.referral).toMatchObject({ id: referral.id, status: 'CLOSED' });
  });

  /** A decided exploitation case whose record NCMEC's fake refused once at `path` with `code`, in `status` after. */
  async function refusedRecord(path: string, code: number, status: string) {
    ispws.fail(path, { code, description: 'placeholder description' });
    const { caseId } = await workCase('CHILD_SAFETY_SPECIALIST', 'CHILD_SEXUAL_EXPLOITATION', 'CHILD_SEXUAL_EXPLOITATION', CSE_ASSESSMENT, ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
    const recordOf = () => server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId } });
    await expect.poll(async () => (await recordOf()).status, { timeout: 30_000 }).toBe(status);
    return recordOf();
  }

  it('resubmitNcmecReport, recordManualCyberTipSubmission and withdrawNcmecReport, for each oversight role', async () => {
    for (const role of ['LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'] as Role[]) {
      // Refused as invalid (4100): sent again once corrected.
      const refused = await refusedRecord('/submit', 4100, 'NEEDS_CORRECTION');
      const resubmitted = await walk('resubmitNcmecReport', { id: refused.id }, role);
      expect(resubmitted.ncmecReport).toMatchObject({ id: refused.id, status: 'AWAITING_SUBMISSION' });
      // Sent before the next failure is injected, so that failure meets the next record.
      await expect.poll(async () => (await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { id: refused.id } })).status, { timeout: 30_000 }).toBe('SUBMITTED');

      // NCMEC's service failing (1000) before a report was opened: filed by hand, then recorded.
      const unsent = await refusedRecord('/submit', 1000, 'FAILED');
      const recorded = await walk('recordManualCyberTipSubmission', { id: unsent.id, reportNumber: '123456789' }, role);
      expect(recorded.ncmecReport).toMatchObject({ id: unsent.id, status: 'SUBMITTED' });

      // Opened at NCMEC but not finished (/finish failed): withdrawn, and retracted at NCMEC.
      const open = await refusedRecord('/finish', 1000, 'FAILED');
      expect(open.externalReportId).toMatch(/^\d+$/);
      const withdrawn = await walk('withdrawNcmecReport', { id: open.id, reason: 'placeholder reason' }, role);
      expect(withdrawn.ncmecReport.id).toBe(open.id);
      await expect.poll(async () => (await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { id: open.id } })).status, { timeout: 30_000 }).toBe('WITHDRAWN');
    }
  });

  it('walked every mutation', () => {
    expect([...walked.keys()].sort()).toEqual(Object.keys(mutationFields).sort());
  });
});
