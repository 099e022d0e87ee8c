// Abuse of the API and of anonymous intake, and the reviewer exposure cap, against a real listening server.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { hex, startServer, token, TEST_SECRET, type TestServer } from './support/harness.js';

const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) {
  __typename ... on Error { message code } ... on RateLimitedError { retryAfterSeconds } } }`;
const report = () => ({ input: { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description' } });

/** POST from a chosen loopback address, so two clients of one test have different addresses. */
function postFrom(localAddress: string, url: string, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const req = request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function raw(server: TestServer, init: RequestInit & { path?: string } = {}) {
  const res = await fetch(server.url + (init.path ?? ''), init);
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

describe('intake rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ INTAKE_LIMIT_PER_ADDRESS: '3', INTAKE_LIMIT_GLOBAL: '5' });
  });
  afterAll(() => server?.close());

  it('limits a flood from one address with a typed error, HTTP 429 and Retry-After, while another address gets through', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await postFrom('127.0.0.1', server.url, { query: SUBMIT, variables: report() });
      expect(ok.body.data.submitReport.__typename).toBe('SubmitReportSuccess');
    }
    const limited = await postFrom('127.0.0.1', server.url, { query: SUBMIT, variables: report() });
    expect(limited.status, JSON.stringify(limited.body)).toBe(429);
    const seconds = Number(limited.headers['retry-after']);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(limited.body.data.submitReport).toEqual({
      __typename: 'RateLimitedError',
      code: 'RATE_LIMITED',
      retryAfterSeconds: seconds,
      message: `Too many reports from this address; try again in ${seconds} seconds`,
    });

    // Another address is not affected.
    const other = await postFrom('127.0.0.2', server.url, { query: SUBMIT, variables: report() });
    expect(other.status).toBe(200);
    expect(other.body.data.submitReport.__typename).toBe('SubmitReportSuccess');
    // A refused report wrote nothing: three from the first address, one from the second.
    expect(await server.app.db.prisma.report.count()).toBe(4);
  });

  it('caps everyone together, so a spread-out flood cannot swamp the service', async () => {
    // Global limit 5: four used above; the fifth passes, the sixth is refused whatever the address.
    expect((await postFrom('127.0.0.3', server.url, { query: SUBMIT, variables: report() })).status).toBe(200);
    const refused = await postFrom('127.0.0.4', server.url, { query: SUBMIT, variables: report() });
    expect(refused.status).toBe(429);
    expect(refused.body.data.submitReport.message).toMatch(/receiving too many reports/);
    const metrics = await server.app.metrics.registry.getSingleMetric('intake_rate_limited_total')!.get();
    expect(Object.fromEntries(metrics.values.map((v) => [v.labels.scope, v.value]))).toEqual({ client: 1, global: 1 });
  });
});

describe('reviewer exposure cap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ DAILY_EXPOSURE_CAP: '3' });
  });
  afterAll(() => server?.close());

  it("refuses a specialist's fourth exploitation case of the day; the lead still sees it and sees the team's exposure", async () => {
    const specialist = await token('cap-spec', ['CHILD_SAFETY_SPECIALIST'], 'Capped Specialist');
    const lead = await token('cap-lead', ['LEAD'], 'Lead');
    for (let i = 0; i < 4; i++) {
      await server.gql(SUBMIT, { input: { ...report().input, category: 'CHILD_SEXUAL_EXPLOITATION' } });
    }
    await server.gql(SUBMIT, report());
    const claim = (queue: string) =>
      server.gql(`mutation { claimNextCase(queue: ${queue}) { __typename ... on ClaimNextCaseSuccess { case { id } } ... on ExposureCapReachedError { cap message } } }`, {}, { token: specialist });
    const claimed = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await claim('CHILD_SEXUAL_EXPLOITATION');
      expect(res.data.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
      claimed.add(res.data.claimNextCase.case.id);
    }
    expect(claimed.size).toBe(3);
    const fourth = await claim('CHILD_SEXUAL_EXPLOITATION');
    expect(fourth.data.claimNextCase).toMatchObject({ __typename: 'ExposureCapReachedError', cap: 3, message: expect.stringMatching(/daily limit/) });

    // Other queues stay open to them.
    expect((await claim('MINOR_PHYSICAL_ALTERCATION')).data.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
    const me = await server.gql('{ me { exposureToday { casesToday cap remaining capReached } } }', {}, { token: specialist });
    expect(me.data.me.exposureToday).toEqual({ casesToday: 3, cap: 3, remaining: 0, capReached: true });

    const waiting = await server.app.db.prisma.case.findFirstOrThrow({ where: { category: 'CHILD_SEXUAL_EXPLOITATION', id: { notIn: [...claimed] } } });
    const seen = await server.gql('query($id: ID!) { case(id: $id) { id status } }', { id: waiting.id }, { token: lead });
    expect(seen.data.case).toEqual({ id: waiting.id, status: 'OPEN' });

    const team = await server.gql('{ teamExposure { reviewer { id name } exposure { casesToday capReached } lastClaimedAt } }', {}, { token: lead });
    expect(team.errors).toBeUndefined();
    expect(team.data.teamExposure).toEqual([{ reviewer: { id: 'cap-spec', name: 'Capped Specialist' }, exposure: { casesToday: 3, capReached: true }, lastClaimedAt: expect.any(String) }]);
    const notLead = await server.gql('{ teamExposure { exposure { casesToday } } }', {}, { token: specialist });
    expect(notLead.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('abuse suite: each rejected with a clear error before any resolver runs', () => {
  let server: TestServer;
  let lead: string;
  beforeAll(async () => {
    server = await startServer();
    lead = await token('abuse-lead', ['LEAD']);
  });
  afterAll(() => server?.close());

  const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  /** No `data` at all: the operation never executed, so no resolver ran. */
  const notExecuted = (body: any) => expect(body === null || typeof body !== 'object' || !('data' in body) || body.data === undefined).toBe(true);

  it('depth 20', async () => {
    let selection = 'id';
    for (let i = 0; i < 10; i++) selection = `ncmecReport { case { ${selection} } }`;
    const res = await raw(server, json({ query: `query($id: ID!) { case(id: $id) { ${selection} } }`, variables: { id: '00000000-0000-0000-0000-000000000000' } }, { authorization: `Bearer ${lead}` }));
    expect(res.status).toBe(200); // a validation failure under application/json (GraphQL over HTTP)
    notExecuted(res.body);
    // Depth and cost both trip; either names the limit without its value.
    expect(res.body.errors[0].message).toMatch(/Query is (nested too deeply|too expensive)\.$/);
    expect(res.body.errors[0].message).not.toMatch(/\d/); // the limit is not echoed
  });

  it('100 aliases', async () => {
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: me { id }`).join(' ');
    const res = await raw(server, json({ query: `{ ${aliases} }` }));
    expect(res.status).toBe(200); // a validation failure under application/json (GraphQL over HTTP)
    notExecuted(res.body);
    expect(res.body.errors[0].message).toMatch(/Query uses too many aliases\.$/);
  });

  it('a batched array of operations', async () => {
    const res = await raw(server, json([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]));
    expect(res.status).toBeGreaterThanOrEqual(400);
    notExecuted(res.body);
  });

  it('a huge document', async () => {
    const res = await raw(server, json({ query: `{ me { id } } # ${'x'.repeat(300 * 1024)}` }));
    expect(res.status).toBe(413);
    notExecuted(res.body);
  });

  it('a document over the token limit', async () => {
    const fields = Array.from({ length: 2100 }, () => '__typename').join(' ');
    const res = await raw(server, json({ query: `{ ${fields} }` }));
    expect(res.status).toBe(200); // a validation failure under application/json (GraphQL over HTTP)
    notExecuted(res.body);
    expect(res.body.errors[0].message).toMatch(/Query is too long\.$/);
  });

  it('a mutation over GET', async () => {
    const query = encodeURIComponent(`mutation { submitReport(input: { contentId: "content-1", category: MINOR_PHYSICAL_ALTERCATION }) { __typename } }`);
    const res = await raw(server, { method: 'GET', path: `?query=${query}`, headers: { 'x-graphql-csrf': '1' } });
    expect(res.status).toBe(405);
    notExecuted(res.body);
    expect(await server.app.db.prisma.report.count()).toBe(0);
  });

  it('a cross-site form post', async () => {
    const res = await raw(server, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=mutation%7BsubmitReport(input%3A%7BcontentId%3A%22content-1%22%2Ccategory%3AMINOR_PHYSICAL_ALTERCATION%7D)%7B__typename%7D%7D',
    });
    expect(res.status).toBe(403);
    notExecuted(res.body);
    expect(await server.app.db.prisma.report.count()).toBe(0);
  });

  it('a typo in a field name: no suggestion leaks the schema', async () => {
    const res = await raw(server, json({ query: '{ mee { id } }' }));
    expect(res.status).toBe(200); // a validation failure under application/json (GraphQL over HTTP)
    notExecuted(res.body);
    expect(JSON.stringify(res.body)).not.toMatch(/did you mean|"me"/i);
  });

  it('a NUL character in a variable or in the document (PostgreSQL text cannot hold it)', async () => {
    const viaVariable = await raw(server, json({ query: SUBMIT, variables: { input: { ...report().input, description: 'placeholder\u0000' } } }));
    const inDocument = await raw(server, json({ query: `mutation { submitReport(input: { contentId: "content-\u0000", category: MINOR_PHYSICAL_ALTERCATION }) { __typename } }` }));
    for (const res of [viaVariable, inDocument]) {
      expect(res.status).toBeLessThan(500);
      notExecuted(res.body);
      expect(res.body.errors[0].message).toMatch(/NUL/);
    }
    expect(await server.app.db.prisma.report.count()).toBe(0);
    // The six characters backslash-u-0-0-0-0 are ordinary text.
    const literal = await raw(server, json({ query: SUBMIT, variables: { input: { ...report().input, description: 'placeholder \\u0000' } } }));
    expect(literal.body.data.submitReport.__typename).toBe('SubmitReportSuccess');
  });

  it('a forged token and an expired token', async () => {
    const forged = await new SignJWT({ name: 'Forger', roles: ['ADMIN'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('forger').setExpirationTime('1h').sign(new TextEncoder().encode('not-the-secret-0123456789-0123456789'));
    const expired = await new SignJWT({ name: 'Old', roles: ['ADMIN'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('old').setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(new TextEncoder().encode(TEST_SECRET));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","roles":["ADMIN"]}').toString('base64url')}.`;
    for (const bad of [forged, expired, none, 'not-a-jwt']) {
      const res = await raw(server, json({ query: '{ auditLog(first: 1) { edges { node { seq } } } }' }, { authorization: `Bearer ${bad}` }));
      expect(res.status).toBe(401);
      notExecuted(res.body);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts/);
    }
    expect(await server.app.db.prisma.reviewer.count({ where: { id: { in: ['forger', 'old', 'x'] } } })).toBe(0);
  });
});
