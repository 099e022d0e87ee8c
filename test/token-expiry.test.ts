// A live stream lasts no longer than the token it was opened with: at the token's expiry a graphql-ws connection is
// closed with 4403 Forbidden and an SSE stream sends a final UNAUTHENTICATED error and ends. A client re-authenticates
// by reconnecting with a fresh token.
import { readSse } from './support/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/jwt.js';
import { clientOperations, hex, startServer, token, TEST_SECRET, type TestServer } from './support/harness.js';

let server: TestServer;
let live: string;
beforeAll(async () => {
  server = await startServer();
  live = await clientOperations('live.graphql');
});
afterAll(() => server?.close());

const QUEUE = { queue: 'MINOR_PHYSICAL_ALTERCATION' };
const LIFETIME_S = 8;
const shortLived = (sub: string) => mintToken(TEST_SECRET, { sub, roles: ['REVIEWER'] }, `${LIFETIME_S}s`);
const expiryOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;

const submit = () =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation { submitReport(input: { contentId: "content-${hex(4)}", category: MINOR_PHYSICAL_ALTERCATION }) { __typename } }` }),
  }).then((r) => r.json() as Promise<any>);

const active = async () => (await server.app.metrics.activeSubscriptions.get()).values[0]?.value ?? 0;
const until = async (check: () => boolean | Promise<boolean>, what: string, timeout = 15_000) => {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('graphql-ws', () => {
  it('closes the connection with 4403 at the token’s expiry; a fresh token on a new connection streams again', async () => {
    const jwt = await shortLived('expiring-ws');
    const expiresAt = expiryOf(jwt);
    const events: any[] = [];
    let closedWith: { code: number; at: number } | null = null;
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authorization: `Bearer ${jwt}` },
      onNonLazyError: () => {},
      on: { closed: (event) => (closedWith ??= { code: (event as { code: number }).code, at: Date.now() }) },
    });
    client.subscribe({ query: live, variables: QUEUE }, { next: (v) => events.push(v), error: () => {}, complete: () => {} });
    try {
      await until(async () => (await active()) >= 1, 'the subscription');
      await submit();
      await until(() => events.length === 1, 'the first event');

      await until(() => closedWith !== null, 'the connection to close at expiry', LIFETIME_S * 1000 + 15_000);
      expect(closedWith!.code).toBe(4403);
      expect(closedWith!.at).toBeGreaterThanOrEqual(expiresAt - 50);
      // Nothing more reaches the expired connection.
      await submit();
      await new Promise((r) => setTimeout(r, 500));
      expect(events).toHaveLength(1);
      await until(async () => (await active()) === 0, 'the subscription to be freed');
    } finally {
      await client.dispose();
    }

    // Re-authenticating is reconnecting with a new token.
    const fresh = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${await token('expiring-ws', ['REVIEWER'])}` } });
    const again: any[] = [];
    fresh.subscribe({ query: live, variables: QUEUE }, { next: (v) => again.push(v), error: () => {}, complete: () => {} });
    try {
      await until(async () => (await active()) >= 1, 'the new subscription');
      await submit();
      await until(() => again.length === 1, 'an event on the new connection');
    } finally {
      await fresh.dispose();
    }
  }, 60_000);
});

describe('server-sent events', () => {
  async function open(jwt: string) {
    const controller = new AbortController();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ query: live, variables: QUEUE }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const stream = { events: [] as any[], ended: false, endedAt: 0, controller };
    void readSse(res, (event, data) => {
      if (event === 'next') stream.events.push(data);
    }).then(() => {
      stream.ended = true;
      stream.endedAt = Date.now();
    });
    return stream;
  }

  it('sends a final UNAUTHENTICATED error and ends at the token’s expiry; a fresh token streams again', async () => {
    const jwt = await shortLived('expiring-sse');
    const expiresAt = expiryOf(jwt);
    const stream = await open(jwt);
    try {
      await until(async () => (await active()) >= 1, 'the SSE subscription');
      await submit();
      await until(() => stream.events.length === 1, 'the first event');
      expect(stream.events[0].data.queueUpdates.kind).toBe('ADDED');

      await until(() => stream.ended, 'the SSE stream to end at expiry', LIFETIME_S * 1000 + 15_000);
      expect(stream.endedAt).toBeGreaterThanOrEqual(expiresAt - 50);
      const last = stream.events.at(-1);
      expect(last.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(last.errors?.[0]?.message).toMatch(/expired/);
      expect(stream.events.filter((e) => e.data)).toHaveLength(1);
      await until(async () => (await active()) === 0, 'the subscription to be freed');
    } finally {
      stream.controller.abort();
    }

    const again = await open(await token('expiring-sse', ['REVIEWER']));
    try {
      await until(async () => (await active()) >= 1, 'the new SSE subscription');
      await submit();
      await until(() => again.events.length === 1, 'an event on the new stream');
      expect(again.ended).toBe(false);
    } finally {
      again.controller.abort();
    }
  }, 60_000);

  it('an already expired token opens no stream', async () => {
    const jwt = await mintToken(TEST_SECRET, { sub: 'expired-sse', roles: ['REVIEWER'] }, '-1s');
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ query: live, variables: QUEUE }),
    });
    const text = await res.text();
    expect(text).toMatch(/UNAUTHENTICATED|expired/);
    expect(await active()).toBe(0);
  });
});
