// Field rules inside an object the caller may read: who filed a report (its reporter's account and contact address) is
// for leads, admins and law-enforcement liaisons only, also when the caller may read the report itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, token, type TestServer } from '../support/harness.js';
import type { Role } from '../../src/policy/index.js';

let server: TestServer;
beforeAll(async () => {
  // In-process (yoga.fetch): the guards mutation scope runs this file against each mutant.
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`;
const IDENTITY = `query($id: ID!) { node(id: $id) { __typename ... on Report { id reporterAccountId contactEmail } } }`;

describe('reporter identity on a report', () => {
  it('leads, admins and liaisons read the reporter’s account and contact; reviewers who read the report do not', async () => {
    const account = `account-${hex(4)}`;
    const email = `reporter-${hex(3)}@example.invalid`;
    const filed = await server.gql(SUBMIT, {
      input: { contentId: `content-${hex(6)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description', reporterAccountId: account, contactEmail: email },
    });
    expect(filed.data.submitReport.__typename).toBe('SubmitReportSuccess');
    const id = filed.data.submitReport.report.id as string;

    for (const roles of [['LEAD'], ['ADMIN'], ['LAW_ENFORCEMENT_LIAISON']] as Role[][]) {
      const res = await server.gql(IDENTITY, { id }, { token: await token(`identity-${hex(3)}`, roles) });
      expect(res.errors, roles.join()).toBeUndefined();
      expect(res.data.node, roles.join()).toMatchObject({ __typename: 'Report', id, reporterAccountId: account, contactEmail: email });
    }
    for (const roles of [['REVIEWER'], ['CHILD_SAFETY_SPECIALIST'], ['APPEALS_REVIEWER', 'REVIEWER']] as Role[][]) {
      const res = await server.gql(IDENTITY, { id }, { token: await token(`no-identity-${hex(3)}`, roles) });
      expect(res.data.node, roles.join()).toEqual({ __typename: 'Report', id, reporterAccountId: null, contactEmail: null });
      expect(res.errors?.map((e) => [e.extensions?.code, (e as { path?: string[] }).path?.join('.')]), roles.join()).toEqual([
        ['FORBIDDEN', 'node.reporterAccountId'],
        ['FORBIDDEN', 'node.contactEmail'],
      ]);
      // The report itself is theirs to read; only who filed it is refused, field by field.
      const read = await server.gql(`query($id: ID!) { node(id: $id) { ... on Report { description } } }`, { id }, { token: await token(`reader-${hex(3)}`, roles) });
      expect(read.errors, roles.join()).toBeUndefined();
      expect(read.data.node, roles.join()).toEqual({ description: 'placeholder description' });
    }
  });
});
