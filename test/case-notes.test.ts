// Case notes: added by whoever may read the case, read the same way, never edited, redacted by admins with the reason
// in the audit log. A note body never reaches the audit payloads, the server's logs, analysts, the platform's feed or
// a CyberTipline report.
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, getNamedType, isInterfaceType, isObjectType, isUnionType, type GraphQLNamedType } from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_PATH } from '../scripts/build-schema.js';
import { createLogger } from '../src/logger.js';
import { ROLES, type Role } from '../src/policy/index.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';
import { startFakeIspws, type FakeIspws } from './support/fake-ispws.js';

const lines: string[] = [];
const logger = createLogger(
  'debug',
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  }),
);

let server: TestServer;
let ispws: FakeIspws;
const tokens = {} as Record<Role, string>;
beforeAll(async () => {
  ispws = await startFakeIspws();
  server = await startServer({ NCMEC_API_URL: ispws.url, NCMEC_USERNAME: ispws.username, NCMEC_PASSWORD: ispws.password }, undefined, { logger });
  for (const role of ROLES) tokens[role] = await token(`notes-${role.toLowerCase()}`, [role], `Notes ${role}`);
});
afterAll(async () => {
  await server?.close();
  await ispws?.close();
});

const ADD = `mutation($caseId: ID!, $body: String!) { addCaseNote(caseId: $caseId, body: $body) {
  __typename ... on AddCaseNoteSuccess { note { id body redacted createdAt author { id } } case { id notes { id body } } } ... on Error { message code } } }`;
const REDACT = `mutation($noteId: ID!, $reason: String!) { redactCaseNote(noteId: $noteId, reason: $reason) {
  __typename ... on RedactCaseNoteSuccess { note { id body redacted redactedAt redactedBy { id } author { id } } } ... on Error { message code } } }`;
const NOTES = `query($id: ID!) { case(id: $id) { id notes { id body author { id } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on CaseNote { body } } }`;

async function file(category: string): Promise<string> {
  const res = await server.gql(
    `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`,
    { input: { contentId: `content-${hex(4)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}` } },
  );
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  return (await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } })).caseId;
}

async function add(role: Role | 'ANONYMOUS', caseId: string, body: string) {
  const res = await server.gql(ADD, { caseId, body }, role === 'ANONYMOUS' ? {} : { token: tokens[role] });
  expect(res.errors, role).toBeUndefined();
  return res.data.addCaseNote;
}

/** Who may read (and so note) a case of each category. */
const READERS: Record<string, Role[]> = {
  MINOR_PHYSICAL_ALTERCATION: ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'],
  CHILD_SEXUAL_EXPLOITATION: ['CHILD_SAFETY_SPECIALIST', 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'],
};

describe('case notes, for each role', () => {
  for (const category of Object.keys(READERS)) {
    it(`on a ${category} case: those who may read the case add and read notes; everyone else is refused`, async () => {
      const caseId = await file(category);
      const added: string[] = [];
      for (const role of ROLES) {
        const body = `placeholder note ${hex(6)}`;
        const res = await add(role, caseId, body);
        if (READERS[category]!.includes(role)) {
          expect(res, role).toMatchObject({ __typename: 'AddCaseNoteSuccess', note: { body, redacted: false, author: { id: `notes-${role.toLowerCase()}` } } });
          added.push(res.note.id);
          expect(res.case.notes.map((n: { id: string }) => n.id)).toEqual(added);
        } else if (role === 'ANALYST' || role === 'PLATFORM') {
          // Refused by scope: the member of the result union, and nothing written.
          expect(res, role).toEqual({ __typename: 'ForbiddenError', message: 'Not authorized', code: 'FORBIDDEN' });
        } else {
          // A reviewing role without the category's qualification: refused like a missing case.
          expect(res, role).toEqual({ __typename: 'NotFoundError', message: 'Case was not found', code: 'NOT_FOUND' });
        }
      }
      expect(await add('ANONYMOUS', caseId, 'placeholder note')).toMatchObject({ __typename: 'NotAuthenticatedError' });
      expect(await server.app.db.prisma.caseNote.count({ where: { caseId } })).toBe(READERS[category]!.length);
      for (const role of ROLES) {
        const res = await server.gql(NOTES, { id: caseId }, { token: tokens[role] });
        if (READERS[category]!.includes(role)) {
          expect(res.errors, role).toBeUndefined();
          expect(res.data.case.notes.map((n: { id: string }) => n.id), role).toEqual(added);
        } else {
          expect(res.data?.case ?? null, role).toBeNull();
        }
        const node = await server.gql(NODE, { id: added[0] }, { token: tokens[role] });
        expect(node.errors, role).toBeUndefined();
        expect(node.data.node, role).toEqual(READERS[category]!.includes(role) ? { __typename: 'CaseNote', id: added[0], body: expect.any(String) } : null);
      }
    });
  }

  it('refuses an empty or overlong body and a missing case with typed errors, writing nothing', async () => {
    const caseId = await file('MINOR_PHYSICAL_ALTERCATION');
    expect(await add('REVIEWER', caseId, '   ')).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(await add('REVIEWER', caseId, 'x'.repeat(5001))).toMatchObject({ __typename: 'ValidationError' });
    expect(await add('REVIEWER', randomUUID(), 'placeholder note')).toMatchObject({ __typename: 'NotFoundError' });
    expect(await add('REVIEWER', 'not-an-id', 'placeholder note')).toMatchObject({ __typename: 'NotFoundError' });
    expect(await server.app.db.prisma.caseNote.count({ where: { caseId } })).toBe(0);
  });
});

describe('redaction', () => {
  it('admins redact a body for good; the reason is in the audit log and the body never is', async () => {
    const caseId = await file('MINOR_PHYSICAL_ALTERCATION');
    const body = `placeholder note ${hex(8)}`;
    const added = await add('REVIEWER', caseId, body);
    const noteId = added.note.id;
    for (const role of ROLES.filter((r) => r !== 'ADMIN')) {
      const refused = await server.gql(REDACT, { noteId, reason: 'placeholder reason' }, { token: tokens[role] });
      expect(refused.data.redactCaseNote, role).toEqual({ __typename: 'ForbiddenError', message: 'Not authorized', code: 'FORBIDDEN' });
    }
    const missing = await server.gql(REDACT, { noteId: randomUUID(), reason: 'placeholder reason' }, { token: tokens.ADMIN });
    expect(missing.data.redactCaseNote).toMatchObject({ __typename: 'NotFoundError' });
    const noReason = await server.gql(REDACT, { noteId, reason: ' ' }, { token: tokens.ADMIN });
    expect(noReason.data.redactCaseNote).toMatchObject({ __typename: 'ValidationError' });

    const redacted = await server.gql(REDACT, { noteId, reason: 'placeholder redaction reason' }, { token: tokens.ADMIN });
    expect(redacted.errors).toBeUndefined();
    expect(redacted.data.redactCaseNote).toMatchObject({
      __typename: 'RedactCaseNoteSuccess',
      note: { id: noteId, body: null, redacted: true, redactedBy: { id: 'notes-admin' }, author: { id: 'notes-reviewer' } },
    });
    expect((await server.app.db.prisma.caseNote.findUniqueOrThrow({ where: { id: noteId } })).body).toBeNull();
    const again = await server.gql(REDACT, { noteId, reason: 'placeholder reason' }, { token: tokens.ADMIN });
    expect(again.data.redactCaseNote).toMatchObject({ __typename: 'InvalidTransitionError' });
    const read = await server.gql(NOTES, { id: caseId }, { token: tokens.LEAD });
    expect(read.data.case.notes).toEqual([{ id: noteId, body: null, author: { id: 'notes-reviewer' } }]);

    const events = await server.app.db.prisma.auditEvent.findMany({ where: { entityId: noteId }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.actorId, e.caseId, e.changes])).toEqual([
      ['case.note_added', 'notes-reviewer', caseId, { noteId, length: body.length }],
      ['case.note_redacted', 'notes-admin', caseId, { noteId, length: body.length, reason: 'placeholder redaction reason' }],
    ]);
  });

  it('no note body ever reaches the audit log or the server log', async () => {
    const bodies = (await server.app.db.prisma.caseNote.findMany({ where: { body: { not: null } }, select: { body: true } })).map((n) => n.body!);
    expect(bodies.length).toBeGreaterThan(5);
    const audit = JSON.stringify((await server.app.db.prisma.auditEvent.findMany({ where: { entityType: 'CaseNote' } })).map((e) => e.changes));
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const body of bodies) {
      expect(audit.includes(body), body).toBe(false);
      expect(log.includes(body), body).toBe(false);
    }
  });
});

describe('notes never leak to analysts, the platform or NCMEC', () => {
  const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
  /** Every type an answer of this type may contain (interfaces by their implementations). */
  function reachable(start: GraphQLNamedType, seen = new Set<string>()): Set<string> {
    if (seen.has(start.name)) return seen;
    seen.add(start.name);
    const next: GraphQLNamedType[] = [];
    if (isUnionType(start)) next.push(...start.getTypes());
    if (isInterfaceType(start)) next.push(...schema.getPossibleTypes(start));
    if (isObjectType(start) || isInterfaceType(start)) for (const f of Object.values(start.getFields())) next.push(getNamedType(f.type));
    for (const type of next) reachable(type, seen);
    return seen;
  }

  it('the analytics queries and the enforcement feed cannot select a note', () => {
    const query = schema.getQueryType()!.getFields();
    for (const field of ['enforcementFeed', 'transparencyReport', 'transparencySeries', 'queueHealth']) {
      expect(reachable(getNamedType(query[field]!.type)).has('CaseNote'), field).toBe(false);
    }
  });

  it('an analyst or platform token gets nothing of a note by id, by its case, or by the feed', async () => {
    const caseId = await file('MINOR_PHYSICAL_ALTERCATION');
    const body = `placeholder note ${hex(8)}`;
    const noteId = (await add('LEAD', caseId, body)).note.id;
    for (const role of ['ANALYST', 'PLATFORM'] as const) {
      for (const [query, variables] of [
        [NODE, { id: noteId }],
        [`query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on CaseNote { body } } }`, { ids: [noteId, caseId] }],
        [NOTES, { id: caseId }],
        [`query($id: ID!) { node(id: $id) { ... on Case { notes { body } } } }`, { id: caseId }],
        [`{ enforcementFeed(first: 500) { __typename } transparencyReport(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { __typename } }`, {}],
      ] as const) {
        const res = await server.gql(query, variables, { token: tokens[role] });
        expect(JSON.stringify(res).includes(body), `${role}: ${query}`).toBe(false);
      }
      expect((await server.gql(NODE, { id: noteId }, { token: tokens[role] })).data.node).toBeNull();
    }
  });

  it('a CyberTipline report of a case with notes carries none of them', async () => {
    const caseId = await file('CHILD_SEXUAL_EXPLOITATION');
    const body = `placeholder note ${hex(8)}`;
    const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename } }`, { id: caseId }, { token: tokens.LEAD });
    expect(claimed.data.claimCase.__typename).toBe('ClaimCaseSuccess');
    expect((await add('LEAD', caseId, body)).__typename).toBe('AddCaseNoteSuccess');
    expect((await add('CHILD_SAFETY_SPECIALIST', caseId, `${body} second`)).__typename).toBe('AddCaseNoteSuccess');
    const assessed = await server.gql(
      `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { case { version } } ... on Error { message } } }`,
      { input: { caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED' } },
      { token: tokens.LEAD },
    );
    expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
    const decided = await server.gql(
      `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on Error { message } } }`,
      { input: { caseId, expectedVersion: assessed.data.submitAssessment.case.version, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] } },
      { token: tokens.LEAD },
    );
    expect(decided.data.decideCase.__typename).toBe('DecideCaseSuccess');
    await expect.poll(async () => (await server.app.db.prisma.ncmecReport.findUnique({ where: { caseId } }))?.status, { timeout: 30_000 }).toBe('SUBMITTED');
    const externalId = (await server.app.db.prisma.ncmecReport.findUniqueOrThrow({ where: { caseId } })).externalReportId!;
    const sent = ispws.reports.get(externalId);
    expect(sent?.xml.length).toBeGreaterThan(0);
    expect(sent!.xml.includes(body)).toBe(false);
    expect(JSON.stringify(sent!.report).includes('placeholder note')).toBe(false);
  }, 60_000);
});
