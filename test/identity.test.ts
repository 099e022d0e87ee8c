// Cache-friendly identity and shapes: every type with an id implements Node and keeps the id clients already store;
// node(id)/nodes(ids) answer an object only to whoever may read it (null alike for hidden and missing ones); Queue and
// ReportStatusView have stable derived ids; assessment answers and audit changes are typed / JSON, not JSON in strings.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, getNamedType, isInterfaceType, isObjectType, type GraphQLObjectType } from 'graphql';
import { SCHEMA_PATH } from '../scripts/build-schema.js';
import { hex, startServer, token, type TestServer } from './support/harness.js';

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));

/** Types with an id that are another Node's view under the same id (two Node types must not share one id). */
const VIEWS_OF_ANOTHER_NODE: Record<string, string> = {
  Viewer: 'the signed-in Reviewer, as their token says',
  AppealReceipt: "the appellant's view of an Appeal",
  AuditActor: 'the acting Reviewer with the roles of one event (null id for the system and anonymous reporters)',
  CaseLink: 'a link as seen from one of its cases (`linkId` names the link itself)',
  ReportedAccount: 'an account, limited to the cases the reader may read (the platform owns accounts)',
};

let server: TestServer;
const t = {} as Record<'reviewer' | 'specialist' | 'lead' | 'admin' | 'analyst', string>;
let mpaCase: string;
let cseCase: string;
let cseReport: string;
let assessmentId: string;
let decisionId: string;
let followUpToken: string;

const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;

beforeAll(async () => {
  server = await startServer();
  t.reviewer = await token('id-reviewer', ['REVIEWER']);
  t.specialist = await token('id-specialist', ['CHILD_SAFETY_SPECIALIST']);
  t.lead = await token('id-lead', ['LEAD']);
  t.admin = await token('id-admin', ['ADMIN']);
  t.analyst = await token('id-analyst', ['ANALYST']);
  const file = async (category: string) => {
    const res = await server.gql(`mutation($i: SubmitReportInput!) { submitReport(input: $i) { ... on SubmitReportSuccess { followUpToken report { id } } } }`, {
      i: { contentId: `content-${hex(6)}`, category, description: 'placeholder description' },
    });
    return res.data.submitReport as { followUpToken: string; report: { id: string } };
  };
  const mpa = await file('MINOR_PHYSICAL_ALTERCATION');
  followUpToken = mpa.followUpToken;
  const cse = await file('CHILD_SEXUAL_EXPLOITATION');
  cseReport = cse.report.id;
  cseCase = (await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: cseReport } })).caseId;
  const claimed = await server.gql(`mutation { claimNextCase(queue: MINOR_PHYSICAL_ALTERCATION) { ... on ClaimNextCaseSuccess { case { id } } } }`, {}, { token: t.reviewer });
  mpaCase = claimed.data.claimNextCase.case.id;
  const assessed = await server.gql(
    `mutation($i: AssessmentInput!) { submitAssessment(input: $i) { ... on SubmitAssessmentSuccess { assessment { id } case { version } } } }`,
    { i: { caseId: mpaCase, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT', excessivelyGraphic: false } },
    { token: t.reviewer },
  );
  assessmentId = assessed.data.submitAssessment.assessment.id;
  const decided = await server.gql(
    `mutation($i: DecideCaseInput!) { decideCase(input: $i) { ... on DecideCaseSuccess { decision { id } } } }`,
    { i: { caseId: mpaCase, expectedVersion: assessed.data.submitAssessment.case.version, actions: ['NO_ACTION'] } },
    { token: t.reviewer },
  );
  decisionId = decided.data.decideCase.decision.id;
});
afterAll(() => server?.close());

describe('Node', () => {
  it('every type with an id implements Node, but for views that share another Node’s id', () => {
    const node = schema.getType('Node');
    expect(node && isInterfaceType(node)).toBe(true);
    const withId = Object.values(schema.getTypeMap()).filter((type) => isObjectType(type) && !type.name.startsWith('__') && 'id' in type.getFields());
    const missing = withId.filter((type) => isObjectType(type) && !type.getInterfaces().some((i) => i.name === 'Node')).map((type) => type.name);
    expect(missing.sort()).toEqual(Object.keys(VIEWS_OF_ANOTHER_NODE).sort());
    for (const type of withId) expect(String(getNamedType((type as GraphQLObjectType).getFields().id!.type)), type.name).toBe('ID');
  });

  it('node(id) answers each kind of object by the id its own field gives, unchanged', async () => {
    const queue = await server.gql(`{ queue(name: MINOR_PHYSICAL_ALTERCATION) { id name } }`, {}, { token: t.lead });
    const status = await server.gql(`query($t: String!) { reportStatus(followUpToken: $t) { id reportId } }`, { t: followUpToken });
    expect(status.data.reportStatus.id).not.toBe(status.data.reportStatus.reportId);
    const reviewer = (await server.gql(`query($id: ID!) { case(id: $id) { decision { decidedBy { id } } } }`, { id: mpaCase }, { token: t.lead })).data.case.decision.decidedBy.id;
    const expected: Array<[string, string]> = [
      ['Case', mpaCase],
      ['Report', cseReport],
      ['Assessment', assessmentId],
      ['Decision', decisionId],
      ['Reviewer', reviewer],
      ['Queue', queue.data.queue.id],
    ];
    for (const [typename, id] of expected) {
      const res = await server.gql(NODE, { id }, { token: t.lead });
      expect(res.errors, typename).toBeUndefined();
      expect(res.data.node, typename).toEqual({ __typename: typename, id });
    }
    // The same id twice, from a fresh read: ids are stable.
    expect((await server.gql(`{ queue(name: MINOR_PHYSICAL_ALTERCATION) { id } }`, {}, { token: t.reviewer })).data.queue.id).toBe(queue.data.queue.id);
    const cases = await server.gql(`query($id: ID!) { node(id: $id) { ... on Case { id status version decision { id } } } }`, { id: mpaCase }, { token: t.lead });
    expect(cases.data.node).toMatchObject({ id: mpaCase, status: 'DECIDED', decision: { id: decisionId } });
  });

  it('node(id) is null alike for a missing object and for one the caller may not read', async () => {
    for (const id of [cseCase, cseReport]) {
      const hidden = await server.gql(NODE, { id }, { token: t.reviewer });
      expect(hidden.errors).toBeUndefined();
      expect(hidden.data.node).toBeNull();
      expect((await server.gql(NODE, { id }, { token: t.specialist })).data.node).toMatchObject({ id });
    }
    for (const id of [randomUUID(), 'not-an-id', 'Queue:NO_SUCH_QUEUE']) {
      const missing = await server.gql(NODE, { id }, { token: t.reviewer });
      expect(missing.errors).toBeUndefined();
      expect(missing.data.node).toBeNull();
    }
    // A reviewer may not work the exploitation queue, so its Queue node is not theirs either.
    const lead = await server.gql(`{ queue(name: CHILD_SEXUAL_EXPLOITATION) { id } }`, {}, { token: t.lead });
    expect((await server.gql(NODE, { id: lead.data.queue.id }, { token: t.reviewer })).data.node).toBeNull();
    // The report status is read with its follow-up token only.
    const status = await server.gql(`query($t: String!) { reportStatus(followUpToken: $t) { id } }`, { t: followUpToken });
    expect((await server.gql(NODE, { id: status.data.reportStatus.id }, { token: t.lead })).data.node).toBeNull();
    // A case's audit events: to those who may see the case; every event to leads and admins.
    const trail = await server.gql(`query($id: ID!) { case(id: $id) { auditTrail { id seq } } }`, { id: cseCase }, { token: t.lead });
    const event = trail.data.case.auditTrail[0];
    expect(event.id).toBe(`AuditEvent:${event.seq}`);
    expect((await server.gql(NODE, { id: event.id }, { token: t.specialist })).data.node).toEqual({ __typename: 'AuditEvent', id: event.id });
    expect((await server.gql(NODE, { id: event.id }, { token: t.reviewer })).data.node).toBeNull();
    expect((await server.gql(NODE, { id: 'AuditEvent:999999' }, { token: t.lead })).data.node).toBeNull();
    // Hash banks are for leads and admins.
    const bank = await server.gql(`mutation { createHashBank(input: { name: "bank-${hex(3)}", source: "placeholder source" }) { ... on HashBankSuccess { bank { id } } } }`, {}, { token: t.admin });
    const bankId = bank.data.createHashBank.bank.id;
    expect((await server.gql(NODE, { id: bankId }, { token: t.lead })).data.node).toEqual({ __typename: 'HashBank', id: bankId });
    expect((await server.gql(NODE, { id: bankId }, { token: t.reviewer })).data.node).toBeNull();
  });

  it('nodes(ids) answers in order, null where node(id) would be', async () => {
    const ids = [mpaCase, cseCase, randomUUID(), decisionId];
    const res = await server.gql(NODES, { ids }, { token: t.reviewer });
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toEqual([{ __typename: 'Case', id: mpaCase }, null, null, { __typename: 'Decision', id: decisionId }]);
    const tooMany = await server.gql(NODES, { ids: Array.from({ length: 101 }, () => randomUUID()) }, { token: t.reviewer });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('node and nodes are for signed-in staff; analysts read nothing through them', async () => {
    expect((await server.gql(NODE, { id: mpaCase })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const analyst = await server.gql(NODE, { id: mpaCase }, { token: t.analyst });
    expect(analyst.data?.node ?? null).toBeNull();
  });
});

describe('shapes', () => {
  it('Assessment.answers is typed, and the old JSON string stays (deprecated)', async () => {
    const res = await server.gql(`query($id: ID!) { case(id: $id) { assessments { factors answers { category ageAssessment excessivelyGraphic mediaKind } } } }`, { id: mpaCase }, { token: t.lead });
    expect(res.errors).toBeUndefined();
    const [a] = res.data.case.assessments;
    expect(a.answers).toEqual({ category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT', excessivelyGraphic: false, mediaKind: null });
    expect(JSON.parse(a.factors)).toMatchObject({ ageAssessment: 'ADULT', excessivelyGraphic: false });
    const field = (schema.getType('Assessment') as never as { getFields(): Record<string, { deprecationReason?: string | null }> }).getFields();
    expect(field.factors!.deprecationReason).toMatch(/answers/);
  });

  it('AuditEvent.changeSet is a JSON object, and the old JSON string stays (deprecated)', async () => {
    const res = await server.gql(`query($id: ID!) { case(id: $id) { auditTrail { action changes changeSet } } }`, { id: mpaCase }, { token: t.lead });
    expect(res.errors).toBeUndefined();
    const claimed = res.data.case.auditTrail.find((e: { action: string }) => e.action === 'case.claimed');
    expect(claimed.changeSet).toEqual(JSON.parse(claimed.changes));
    expect(typeof claimed.changeSet).toBe('object');
    expect(claimed.changeSet.assigneeId.to).toBe('id-reviewer');
  });

  it('lists that page are Relay connections with totalCount where counting is cheap', async () => {
    for (const [field, args] of [['ncmecReports', 'first: 5'], ['lawEnforcementReferrals', 'first: 5']] as const) {
      const res = await server.gql(`{ ${field}(${args}) { totalCount pageInfo { hasNextPage } edges { cursor node { id } } } }`, {}, { token: t.lead });
      expect(res.errors, field).toBeUndefined();
      expect(res.data[field].totalCount, field).toBe(0);
    }
  });
});
