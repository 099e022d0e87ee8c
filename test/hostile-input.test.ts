// Hostile connection parameters and literals, introspection in production on every transport, token lifetime and
// invented reporters: each against a listening server, over HTTP and graphql-ws, with what the server logs captured.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { createLogger } from '../src/logger.js';
import { loadConfig } from '../src/config.js';
import { hex, startServer, token, TEST_SECRET, type TestServer } from './support/harness.js';

/** A logger at debug level whose lines the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), text: () => lines.join('') };
}

/** One operation over graphql-ws: the result, or the errors the server sent. */
async function overWs(server: TestServer, query: string, variables: Record<string, unknown> = {}, connectionParams: Record<string, unknown> = {}) {
  const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
  try {
    return await new Promise<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>((resolve, reject) => {
      let result: { data?: any; errors?: any[] } = {};
      const timer = setTimeout(() => reject(new Error('no answer over graphql-ws')), 10_000);
      client.subscribe(
        { query, variables },
        {
          next: (value) => (result = value as typeof result),
          error: (error) => {
            clearTimeout(timer);
            resolve({ errors: Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error) }] });
          },
          complete: () => {
            clearTimeout(timer);
            resolve(result);
          },
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** A graphql-ws exchange with a hand-written subscribe payload (JSON text), for payloads no serializer would build. */
async function rawWsSubscribe(server: TestServer, payload: string) {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  try {
    return await new Promise<{ errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer over graphql-ws')), 10_000);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: any };
        if (message.type === 'connection_ack') socket.send(`{"id":"1","type":"subscribe","payload":${payload}}`);
        if (message.type === 'error' || message.type === 'next') {
          clearTimeout(timer);
          resolve(message.type === 'error' ? { errors: message.payload } : message.payload);
        }
      });
    });
  } finally {
    socket.close();
  }
}

async function overHttp(server: TestServer, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

const SUBMIT = `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on Error { message code } } }`;
const literalSubmit = (contentId: string, extra = '') =>
  `mutation { submitReport(input: { contentId: ${contentId}, category: MINOR_PHYSICAL_ALTERCATION${extra} }) { __typename } }`;

/** A refusal the client can act on: not an internal error, with a message saying what was wrong. */
function refused(errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined, message: RegExp) {
  expect(errors?.length, 'expected the operation to be refused').toBeGreaterThan(0);
  const first = errors![0]!;
  expect(first.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  expect(first.message).toMatch(message);
}

describe('hostile connection parameters and literals', () => {
  let server: TestServer;
  let analyst: string;
  const log = capturedLogger();
  beforeAll(async () => {
    server = await startServer({}, undefined, { logger: log.logger });
    analyst = await token('hostile-analyst', ['ANALYST']);
  });
  afterAll(() => server?.close());

  it('connectionParams.authorization that is not a string is refused as malformed, not thrown', async () => {
    for (const authorization of [{ bearer: 'x' }, 42, ['Bearer a.b.c'], true]) {
      const res = await overWs(server, '{ me { id } }', {}, { authorization });
      refused(res.errors, /authorization/i);
      expect(res.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // The socket's protocol still works for a well-formed caller.
    const ok = await overWs(server, '{ me { id } }', {}, { authorization: `Bearer ${analyst}` });
    expect(ok.data.me.id).toBe('hostile-analyst');
  });

  it('a NUL inside a GraphQL string literal (an escape the parser decodes) is refused over HTTP and graphql-ws', async () => {
    const contentId = `content-${hex(4)}`;
    const query = literalSubmit(`"${contentId}\\u0000"`);
    const http = await overHttp(server, query);
    expect(http.status).toBeLessThan(500);
    refused(http.body.errors, /NUL/);
    refused((await overWs(server, query)).errors, /NUL/);
    expect(await server.app.db.prisma.report.count({ where: { contentId: { startsWith: contentId } } })).toBe(0);
  });

  it('a lone UTF-16 surrogate in a variable, a literal escape or the raw document is refused, and nothing is stored', async () => {
    const contentId = `content-${hex(4)}`;
    const viaVariable = { input: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder \ud800 description' } };
    const cases: Array<[string, Record<string, unknown>]> = [
      [SUBMIT, viaVariable],
      [SUBMIT, { input: { ...viaVariable.input, description: 'placeholder', contentId: `${contentId}\udfff` } }],
      [literalSubmit(`"${contentId}"`, `, description: "placeholder \\ud800"`), {}],
      [literalSubmit(`"${contentId}"`, `, description: "placeholder \ud800"`), {}],
    ];
    for (const [query, variables] of cases) {
      const http = await overHttp(server, query, variables);
      expect(http.status).toBeLessThan(500);
      refused(http.body.errors, /surrogate|Unicode/i);
      refused((await overWs(server, query, variables)).errors, /surrogate|Unicode/i);
    }
    expect(await server.app.db.prisma.report.count({ where: { contentId: { startsWith: contentId } } })).toBe(0);
    // Well-formed text outside the Basic Multilingual Plane (a surrogate pair) is ordinary text.
    const pair = await overHttp(server, SUBMIT, { input: { ...viaVariable.input, description: 'placeholder \ud83d\ude00' } });
    expect(pair.body.data?.submitReport.__typename).toBe('SubmitReportSuccess');
  });

  it('a 5,000-deep list literal or variable is refused with a clear error', async () => {
    const deep = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
    const query = literalSubmit(`"content-${hex(4)}"`, `, mediaHashes: ${deep}`);
    const http = await overHttp(server, query);
    expect(http.status).toBeLessThan(500);
    refused(http.body.errors, /too (long|deep|deeply)|nested/i);
    refused((await overWs(server, query)).errors, /too (long|deep|deeply)|nested/i);
    // Built as text: serializing 5,000 levels would exhaust this process's own stack.
    const input = `{"contentId":"content-${hex(4)}","category":"MINOR_PHYSICAL_ALTERCATION","mediaHashes":${deep}}`;
    const body = `{"query":${JSON.stringify(SUBMIT)},"variables":{"input":${input}}}`;
    const viaVariable = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(viaVariable.status).toBeLessThan(500);
    refused(((await viaVariable.json()) as { errors?: any[] }).errors, /nested|deep/i);
    refused((await rawWsSubscribe(server, `{"query":${JSON.stringify(SUBMIT)},"variables":{"input":${input}}}`)).errors, /nested|deep/i);
  });

  it('a year-0000 or year-0001 date is refused as a bad DateTime, in a literal or a variable', async () => {
    const headers = { authorization: `Bearer ${analyst}` };
    for (const from of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z']) {
      const literal = `{ transparencyReport(from: "${from}", to: "2026-01-01T00:00:00Z") { casesOpened } }`;
      const http = await overHttp(server, literal, {}, headers);
      expect(http.status).toBeLessThan(500);
      refused(http.body.errors, /DateTime|date/);
      refused((await overWs(server, literal, {}, { authorization: headers.authorization })).errors, /DateTime|date/);
      const variable = await overHttp(server, 'query($from: DateTime!) { transparencyReport(from: $from, to: "2026-01-01T00:00:00Z") { casesOpened } }', { from }, headers);
      expect(variable.status).toBeLessThan(500);
      refused(variable.body.errors, /DateTime|date/);
    }
  });

  it('nothing from the hostile input reached the log, and nothing was logged as an unexpected error', () => {
    const text = log.text();
    expect(text).not.toMatch(/unexpected error/);
    expect(text).not.toMatch(/content-[0-9a-f]{8}/);
    expect(text).not.toMatch(/placeholder/);
    expect(text).not.toMatch(/\.trim is not a function/);
  });
});

describe('introspection in production: refused on every transport', () => {
  let server: TestServer;
  const INTROSPECT = '{ __schema { queryType { name } } }';
  beforeAll(async () => {
    server = await startServer({ NODE_ENV: 'production' });
  });
  afterAll(() => server?.close());

  it('over HTTP', async () => {
    const res = await overHttp(server, INTROSPECT);
    expect(res.body.data).toBeUndefined();
    refused(res.body.errors, /introspection/i);
    // __typename is not introspection of the schema.
    expect((await overHttp(server, '{ __typename }')).body.data).toEqual({ __typename: 'Query' });
  });

  it('over graphql-ws', async () => {
    const res = await overWs(server, INTROSPECT);
    expect(res.data).toBeUndefined();
    refused(res.errors, /introspection/i);
    const typeQuery = await overWs(server, '{ __type(name: "Query") { fields { name } } }');
    refused(typeQuery.errors, /introspection/i);
  });

  it('over SSE', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: INTROSPECT }),
    });
    const text = await res.text();
    expect(text).not.toMatch(/"queryType"/);
    expect(text).toMatch(/introspection/i);
  });
});

describe('token lifetime', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  const signed = (seconds: number) =>
    new SignJWT({ name: 'Long lived', roles: ['ANALYST'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('long-lived')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
      .sign(new TextEncoder().encode(TEST_SECRET));

  it('refuses a token whose exp lies beyond JWT_MAX_TTL (default 24h), over HTTP and graphql-ws', async () => {
    for (const far of [await signed(253402300799 - Math.floor(Date.now() / 1000)), await signed(25 * 3600)]) {
      const http = await overHttp(server, '{ me { id } }', {}, { authorization: `Bearer ${far}` });
      expect(http.status).toBe(401);
      expect(http.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(http.body.errors?.[0]?.message).toMatch(/lifetime|too far/i);
      const ws = await overWs(server, '{ me { id } }', {}, { authorization: `Bearer ${far}` });
      expect(ws.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await server.app.db.prisma.reviewer.count({ where: { id: 'long-lived' } })).toBe(0);
    // Within the maximum: accepted.
    const ok = await overHttp(server, '{ me { id } }', {}, { authorization: `Bearer ${await signed(23 * 3600)}` });
    expect(ok.body.data.me.id).toBe('long-lived');
  });

  it('JWT_MAX_TTL is configurable and validated', async () => {
    expect(loadConfig({ JWT_MAX_TTL: '1h' }).JWT_MAX_TTL).toBe(3600);
    expect(loadConfig({ JWT_MAX_TTL: '900' }).JWT_MAX_TTL).toBe(900);
    expect(loadConfig({}).JWT_MAX_TTL).toBe(24 * 3600);
    expect(() => loadConfig({ JWT_MAX_TTL: 'forever' })).toThrow(/JWT_MAX_TTL/);
    const short = await startServer({ JWT_MAX_TTL: '1h' }, server.database);
    try {
      const res = await overHttp(short, '{ me { id } }', {}, { authorization: `Bearer ${await signed(2 * 3600)}` });
      expect(res.status).toBe(401);
    } finally {
      await short.close();
    }
  });
});

describe('distinct reporters are counted by identity the service can trust', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ TRUST_PROXY_HOPS: '1' });
  });
  afterAll(() => server?.close());

  const fileFrom = (contentId: string, forwardedFor: string, extra: Record<string, unknown> = {}, bearer?: string) =>
    overHttp(server, SUBMIT, { input: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', ...extra } }, {
      'x-forwarded-for': forwardedFor,
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    });
  const caseOf = (contentId: string) => server.app.db.prisma.case.findFirstOrThrow({ where: { contentId } });

  it('ten anonymous reports from one client with ten made-up e-mail addresses and accounts are one reporter', async () => {
    const contentId = `content-${hex(4)}`;
    for (let i = 0; i < 10; i++) {
      const res = await fileFrom(contentId, '203.0.113.7', { contactEmail: `person${i}@example.org`, reporterAccountId: `account-${i}` });
      expect(res.body.data.submitReport.__typename).toBe('SubmitReportSuccess');
    }
    expect(await caseOf(contentId)).toMatchObject({ reportCount: 10, distinctReporterCount: 1, priority: 3 });
  });

  it('distinct client addresses (through TRUST_PROXY_HOPS) and distinct signed-in accounts are distinct reporters', async () => {
    const byAddress = `content-${hex(4)}`;
    for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) await fileFrom(byAddress, address);
    expect(await caseOf(byAddress)).toMatchObject({ reportCount: 3, distinctReporterCount: 3, priority: 2 });

    const byAccount = `content-${hex(4)}`;
    for (let i = 0; i < 10; i++) await fileFrom(byAccount, '203.0.113.9', {}, await token(`reporter-${i}`, []));
    expect(await caseOf(byAccount)).toMatchObject({ reportCount: 10, distinctReporterCount: 10, priority: 1 });
  });

  it('keeps the reporter identity only as a keyed pseudonym', async () => {
    const reports = await server.app.db.prisma.report.findMany({ select: { reporterKey: true } });
    for (const r of reports) {
      expect(r.reporterKey).toMatch(/^[0-9a-f]{64}$/);
      expect(r.reporterKey).not.toMatch(/203\.0\.113|198\.51\.100|reporter-/);
    }
  });
});

describe('query cost counts each page at the size it will run', () => {
  let server: TestServer;
  let lead: string;
  beforeAll(async () => {
    server = await startServer();
    lead = await token('cost-lead', ['LEAD']);
  });
  afterAll(() => server?.close());

  const page = (outer: string, inner: string) => `cases${outer} { edges { node { id reports${inner} { edges { node { id description } } } } } }`;
  const TOO_EXPENSIVE = /^(Syntax Error: )?Query is too expensive\.$/;
  const auth = () => ({ authorization: `Bearer ${lead}` });

  it('a page size given in a variable costs what the same literal costs, over HTTP and graphql-ws', async () => {
    // 100 cases with 100 reports each: refused as a literal, and so with the same sizes in variables.
    const literal = await overHttp(server, `{ ${page('(first: 100)', '(first: 100)')} }`, {}, auth());
    expect(literal.body.data).toBeUndefined();
    refused(literal.body.errors, TOO_EXPENSIVE);
    const VARIABLES = `query($cases: Int, $reports: Int) { ${page('(first: $cases)', '(first: $reports)')} }`;
    const big = { cases: 100, reports: 100 };
    const http = await overHttp(server, VARIABLES, big, auth());
    expect(http.status).toBeLessThan(500);
    expect(http.body.data ?? null).toBeNull();
    refused(http.body.errors, TOO_EXPENSIVE);
    // The same answer as the literal's: message, code and status, under either media type.
    const shape = (r: { status: number; body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }) => ({
      status: r.status,
      errors: r.body.errors?.map((e) => ({ message: e.message, code: e.extensions?.code })),
    });
    expect(shape(http)).toEqual(shape(literal));
    const strict = { ...auth(), accept: 'application/graphql-response+json' };
    expect(shape(await overHttp(server, VARIABLES, big, strict))).toEqual(shape(await overHttp(server, `{ ${page('(first: 100)', '(first: 100)')} }`, {}, strict)));
    const ws = await overWs(server, VARIABLES, big, auth());
    expect(ws.data ?? null).toBeNull();
    refused(ws.errors, TOO_EXPENSIVE);
    // The same document with small pages runs, on both transports (the refusal above is not kept for the document).
    const small = await overHttp(server, VARIABLES, { cases: 5, reports: 5 }, auth());
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data.cases.edges).toEqual(expect.any(Array));
    expect((await overWs(server, VARIABLES, { cases: 5, reports: 5 }, auth())).errors).toBeUndefined();
    // And the large sizes are refused again after it.
    refused((await overHttp(server, VARIABLES, big, auth())).body.errors, TOO_EXPENSIVE);
  });

  it("a variable left out costs its operation's default for it, as execution runs it", async () => {
    const DEFAULTS = `query($cases: Int = 100, $reports: Int = 100) { ${page('(first: $cases)', '(first: $reports)')} }`;
    const res = await overHttp(server, DEFAULTS, {}, auth());
    expect(res.body.data ?? null).toBeNull();
    refused(res.body.errors, TOO_EXPENSIVE);
    // Given, the variables' values count instead of the defaults.
    expect((await overHttp(server, DEFAULTS, { cases: 5, reports: 5 }, auth())).body.errors).toBeUndefined();
  });

  it('a subscription is priced the same way, over graphql-ws and SSE', async () => {
    const SUBSCRIPTION = `subscription($queue: QueueName!, $reports: Int) { queueUpdates(queue: $queue) { kind case { id reports(first: $reports) { edges { node { id description } } } } } }`;
    const variables = { queue: 'MINOR_PHYSICAL_ALTERCATION', reports: 50_000 };
    const ws = await overWs(server, SUBSCRIPTION, variables, auth());
    expect(ws.data ?? null).toBeNull();
    refused(ws.errors, TOO_EXPENSIVE);
    const sse = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth() },
      body: JSON.stringify({ query: SUBSCRIPTION, variables }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(await sse.text()).toMatch(/Query is too expensive\./);
    // The literal form is refused at validation.
    const literal = await overWs(server, SUBSCRIPTION.replace('first: $reports', 'first: 50000'), { queue: variables.queue }, auth());
    refused(literal.errors, TOO_EXPENSIVE);
  });

  it('a connection asked without first or last costs its default page size (20)', async () => {
    const one = await overHttp(server, `{ ${page('', '')} }`, {}, auth());
    expect(one.body.errors).toBeUndefined();
    // Twenty cases with twenty reports each, five times over under aliases: refused, as it would be with first: 20.
    const five = `{ ${['a', 'b', 'c', 'd', 'e'].map((alias) => `${alias}: ${page('', '')}`).join(' ')} }`;
    const res = await overHttp(server, five, {}, auth());
    expect(res.body.data ?? null).toBeNull();
    refused(res.body.errors, TOO_EXPENSIVE);
    const literal = await overHttp(server, five.replace(/cases/g, 'cases(first: 20)').replace(/reports/g, 'reports(first: 20)'), {}, auth());
    refused(literal.body.errors, TOO_EXPENSIVE);
  });
});
