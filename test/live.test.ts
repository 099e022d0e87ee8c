// Live queue subscriptions under stress: access withdrawn mid-stream, vanishing and slow clients, reconnects, the
// active-subscription gauge, and (in the PostgreSQL server pass) two server processes sharing Redis.
import { readSse } from './support/sse.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createLive } from '../src/live/pubsub.js';
import { submitReport } from '../src/services/intake.js';
import { clientOperations, freshDatabase, hex, startServer, token, TEST_SECRET, type TestServer } from './support/harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let server: TestServer;
let live: string;
beforeAll(async () => {
  server = await startServer({ METRICS_PORT: '0' });
  live = await clientOperations('live.graphql');
});
afterAll(() => server?.close());

const QUEUE = { queue: 'MINOR_PHYSICAL_ALTERCATION' };
const submit = (url = server.url) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation { submitReport(input: { contentId: "content-${hex(4)}", category: MINOR_PHYSICAL_ALTERCATION }) { ... on SubmitReportSuccess { report { id } } } }` }),
  }).then((r) => r.json() as Promise<any>);

function subscriber(wsUrl: string, bearer: string) {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${bearer}` } });
  const events: any[] = [];
  let completed = false;
  let failed: unknown = null;
  client.subscribe({ query: live, variables: QUEUE }, { next: (v) => events.push(v), error: (e) => (failed = e), complete: () => (completed = true) });
  return { client, events, completed: () => completed, failed: () => failed };
}

const active = async () => (await server.app.metrics.activeSubscriptions.get()).values[0]?.value ?? 0;
const until = async (check: () => boolean | Promise<boolean>, what: string, timeout = 10_000) => {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('access withdrawn mid-stream', () => {
  it('ends the stream of a reviewer whose role an admin revokes, and refuses their next request', async () => {
    const reviewerToken = await token('live-revoked', ['REVIEWER'], 'Revoked Reviewer');
    const admin = await token('live-admin', ['ADMIN'], 'Admin');
    const watcher = subscriber(server.wsUrl, reviewerToken);
    // Another reviewer with the same roles and operation: the two share one execution per event (src/live/fanout.ts).
    const bystander = subscriber(server.wsUrl, await token('live-bystander', ['REVIEWER'], 'Bystander'));
    await until(async () => (await active()) >= 2, 'the subscriptions to start');
    await submit();
    await until(() => watcher.events.length === 1 && bystander.events.length === 1, 'the first event');
    expect(watcher.events[0].data.queueUpdates.kind).toBe('ADDED');

    const revoked = await server.gql(
      `mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename ... on SetReviewerAccessSuccess { reviewer { id revokedRoles suspended } } } }`,
      { input: { reviewerId: 'live-revoked', revokedRoles: ['REVIEWER'], suspended: false } },
      { token: admin },
    );
    expect(revoked.data.setReviewerAccess).toEqual({ __typename: 'SetReviewerAccessSuccess', reviewer: { id: 'live-revoked', revokedRoles: ['REVIEWER'], suspended: false } });

    // The next event finds the role gone: nothing is delivered and the stream completes.
    await submit();
    await until(() => watcher.completed(), 'the stream to end');
    expect(watcher.events).toHaveLength(1);
    // Only the revoked reviewer's stream ended: the other still gets every event.
    await until(() => bystander.events.length === 2, 'the second event at the other reviewer');
    expect(bystander.completed()).toBe(false);
    await bystander.client.dispose();
    await until(async () => (await active()) === 0, 'the gauge to return to zero');

    // The token is still valid, but the role is not honoured on the next request either.
    const refused = await server.gql('{ queue(name: MINOR_PHYSICAL_ALTERCATION) { openCount } }', {}, { token: reviewerToken });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Suspension refuses every request outright.
    await server.gql(`mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename } }`, { input: { reviewerId: 'live-revoked', revokedRoles: [], suspended: true } }, { token: admin });
    const suspended = await server.gql('{ me { id } }', {}, { token: reviewerToken });
    expect(suspended.status).toBe(401);
    expect(suspended.errors?.[0]?.message).toBe('Your access has been suspended');
    await watcher.client.dispose();
  });
});

describe('server-sent events, for clients without WebSocket', () => {
  it('deliver queue events with the same checks: a revoked reviewer’s stream ends at the next event', async () => {
    const admin = await token('sse-admin', ['ADMIN']);
    const controller = new AbortController();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${await token('sse-reviewer', ['REVIEWER'])}` },
      body: JSON.stringify({ query: live, variables: QUEUE }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events: any[] = [];
    let ended = false;
    void readSse(res, (event, data) => {
      if (event === 'next') events.push(data);
      if (event === 'complete') ended = true;
    }).then(() => {
      ended = true;
    });
    try {
      await until(async () => (await active()) >= 1, 'the SSE subscription');
      const filed = await submit();
      const caseId = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: filed.data.submitReport.report.id } }).then((r) => r.caseId);
      await until(() => events.some((e) => e.data?.queueUpdates?.case?.id === caseId), 'the event over SSE');
      await server.gql(`mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename } }`, { input: { reviewerId: 'sse-reviewer', revokedRoles: ['REVIEWER'], suspended: false } }, { token: admin });
      const seen = events.length;
      await submit();
      await until(() => ended, 'the SSE stream to end');
      expect(events).toHaveLength(seen);
    } finally {
      controller.abort();
    }
  });
});

describe('what an event carries', () => {
  const fileFor = (contentId: string) =>
    fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { submitReport(input: { contentId: "${contentId}", category: MINOR_PHYSICAL_ALTERCATION }) { ... on SubmitReportSuccess { report { id } } } }` }),
    }).then((r) => r.json() as Promise<any>);
  const caseOf = async (reportId: string) => (await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: reportId } })).caseId;

  it('each event shows the case as its own change committed it, in commit order, even when changes come faster than delivery', async () => {
    const contentId = `content-${hex(4)}`;
    const caseId = await caseOf((await fileFor(contentId)).data.submitReport.report.id);
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${await token('live-snapshot', ['REVIEWER'])}` } });
    // One selection the event's snapshot holds, and one that also asks for content references, which it does not.
    const fields = 'id reportCount version slaDueAt assignee { id }';
    const streams = [fields, `${fields} content { contentId }`].map((selection) => {
      const events: any[] = [];
      client.subscribe(
        { query: `subscription($id: ID!) { caseUpdated(id: $id) { kind case { ${selection} } } }`, variables: { id: caseId } },
        { next: (v) => events.push(v), error: (e) => events.push({ error: e }), complete: () => {} },
      );
      return events;
    });
    await until(async () => (await active()) >= 2, 'the subscriptions');
    // Five more reports fold into the case one after another, without waiting for their events.
    await Promise.all(Array.from({ length: 5 }, () => fileFor(contentId)));
    await until(() => streams.every((events) => events.length === 5), 'five events on each');
    const row = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    for (const events of streams) {
      expect(events.map((e) => e.data.caseUpdated.case.reportCount)).toEqual([2, 3, 4, 5, 6]);
      expect(events.map((e) => e.data.caseUpdated.case.version)).toEqual([...new Set(events.map((e) => e.data.caseUpdated.case.version))]);
      expect(events.at(-1).data.caseUpdated.case).toMatchObject({ id: caseId, reportCount: 6, version: row.version, slaDueAt: row.slaDueAt.toISOString(), assignee: null });
    }
    // Selecting content references reads the case, and the answer is the database's.
    expect(streams[1]!.at(-1).data.caseUpdated.case.content).toEqual({ contentId });
    expect(streams[0]!.at(-1).data.caseUpdated.case).not.toHaveProperty('content');
    await client.dispose();
  });

  it('carries the committed case without content references, and the access generation its change committed under', async () => {
    const contentId = `content-${hex(4)}`;
    const caseId = await caseOf((await fileFor(contentId)).data.submitReport.report.id);
    const received = server.app.live.pubsub.subscribe('case', caseId)[Symbol.asyncIterator]();
    // The first `next` subscribes (to Redis, in the server pass): give it time before the change.
    const next = received.next();
    await new Promise((r) => setTimeout(r, 200));
    await fileFor(contentId);
    const event = (await next).value as import('../src/services/context.js').QueueEvent;
    await received.return?.();
    const [head] = await server.app.db.prisma.$queryRaw<Array<{ accessGeneration: bigint }>>`SELECT "accessGeneration" FROM "AuditChainHead"`;
    expect(event.accessGeneration).toBe(Number(head!.accessGeneration));
    expect(event.snapshot!.row).toMatchObject({ id: caseId, reportCount: 2, assignee: null });
    for (const field of ['contentId', 'contentUrl', 'reportedAccountId']) expect(event.snapshot!.row).not.toHaveProperty(field);
    expect(event.snapshot!.dates).toEqual(expect.arrayContaining(['slaDueAt', 'createdAt', 'updatedAt']));
  });

  it('is delivered in process before the change’s writer goes on: the writer’s response does not come between commit and subscribers', async () => {
    // An in-process event bus of its own, so this holds in the Redis pass too (there delivery waits for Redis anyway).
    const local = createLive();
    const ctx = { ...server.app.serviceContext({ kind: 'ANONYMOUS', clientAddress: '127.0.0.1' }), events: local.sink };
    const order: string[] = [];
    const received = local.pubsub.subscribe('queue', 'MINOR_PHYSICAL_ALTERCATION')[Symbol.asyncIterator]();
    try {
      // A delivery that takes many promise hops, as a subscription's execution does before it writes to its sockets.
      const delivered = received.next().then(async (event) => {
        for (let hop = 0; hop < 50; hop++) await null;
        order.push('delivered');
        return event;
      });
      const result = await submitReport(ctx, { contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION' });
      order.push('writer goes on');
      expect(result.report.id).toBeTruthy();
      expect((await delivered).value).toMatchObject({ kind: 'ADDED', queue: 'MINOR_PHYSICAL_ALTERCATION' });
      expect(order).toEqual(['delivered', 'writer goes on']);
    } finally {
      await received.return?.();
      await local.close();
    }
  });

  it('the access generation moves with every change to a reviewer’s access, however it is made, and only then', async () => {
    const generation = async () => Number((await server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).accessGeneration);
    const admin = await token('generation-admin', ['ADMIN']);
    const reviewer = await token('generation-reviewer', ['REVIEWER'], 'First Name');
    await server.gql('{ me { id } }', {}, { token: reviewer });
    const start = await generation();
    await server.gql(`mutation($input: ReviewerAccessInput!) { setReviewerAccess(input: $input) { __typename } }`, { input: { reviewerId: 'generation-reviewer', revokedRoles: ['REVIEWER'], suspended: false } }, { token: admin });
    expect(await generation()).toBe(start + 1);
    await server.app.db.prisma.$executeRaw`UPDATE "Reviewer" SET "revokedRoles" = '{}' WHERE "id" = 'generation-reviewer'`;
    expect(await generation()).toBe(start + 2);
    // A reviewer's name or token roles changing is not an access change.
    await server.gql('{ me { id } }', {}, { token: await token('generation-reviewer', ['REVIEWER', 'LEAD'], 'Second Name') });
    expect((await server.app.db.prisma.reviewer.findUniqueOrThrow({ where: { id: 'generation-reviewer' } })).name).toBe('Second Name');
    expect(await generation()).toBe(start + 2);
  });
});

describe('vanishing, returning and slow clients', () => {
  it('frees every subscription of a dropped socket, and the gauge shows it on /metrics', async () => {
    const bearer = await token('live-many', ['REVIEWER']);
    const before = await active();
    const sockets = Array.from({ length: 20 }, () => subscriber(server.wsUrl, bearer));
    await until(async () => (await active()) === before + 20, '20 subscriptions');
    const scrape = await (await fetch(server.app.metricsUrl()!)).text();
    expect(scrape).toMatch(new RegExp(`^graphql_active_subscriptions ${before + 20}$`, 'm'));
    expect(scrape).toMatch(/^queue_open_cases\{queue="MINOR_PHYSICAL_ALTERCATION"\} \d+$/m);
    // All three queue gauges come from the same read, on the first scrape too.
    expect(scrape).toMatch(/^queue_cases_breaching_sla\{queue="MINOR_PHYSICAL_ALTERCATION"\} \d+$/m);
    expect(scrape).toMatch(/^queue_oldest_open_case_age_seconds\{queue="MINOR_PHYSICAL_ALTERCATION"\} [\d.e+-]+$/m);
    // Half go away politely, half vanish (the socket is destroyed without a close frame).
    await Promise.all(sockets.slice(0, 10).map((s) => s.client.dispose()));
    for (const s of sockets.slice(10)) s.client.terminate();
    await until(async () => (await active()) === before, 'the gauge to return to where it was');

    // A client that comes back gets the next events.
    const again = subscriber(server.wsUrl, bearer);
    await until(async () => (await active()) === before + 1, 'the new subscription');
    await submit();
    await until(() => again.events.length === 1, 'an event after reconnecting');
    await again.client.dispose();
  });

  it('a consumer that stops reading does not delay the others, and still gets everything once it reads again', async () => {
    const bearer = await token('live-slow', ['REVIEWER']);
    const fast = subscriber(server.wsUrl, bearer);
    // The slow one speaks the protocol over a raw socket so its reading can be paused.
    const slow = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const slowEvents: unknown[] = [];
    slow.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_ack') slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: live, variables: QUEUE } }));
      if (message.type === 'next') slowEvents.push(message.payload);
    });
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${bearer}` } }));
    await until(async () => (await active()) >= 2, 'both subscriptions');
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    const count = 40;
    const started = Date.now();
    for (let i = 0; i < count; i++) await submit();
    await until(() => fast.events.length >= count, `${count} events at the fast client`);
    const fastMs = Date.now() - started;
    expect(slowEvents.length).toBe(0);

    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => slowEvents.length >= count, `${count} events at the slow client after it resumed`);
    expect(fastMs).toBeLessThan(20_000);
    slow.close();
    await fast.client.dispose();
    await until(async () => (await active()) === 0, 'no subscriptions left');
  });
});

describe.runIf(process.env.DATABASE_URL)('two server processes (PostgreSQL server pass)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGTERM');
  });

  // The processes serve /metrics on their public port behind a token (their metrics port would need discovering).
  const METRICS_TOKEN = hex(32);
  async function startProcess(databaseUrl: string): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info', REDIS_KEY_PREFIX: `test-${hex(4)}:`, METRICS_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
  }

  it('an event committed on one instance reaches a subscriber on the other through Redis', async () => {
    expect(process.env.REDIS_URL, 'this pass needs REDIS_URL: events between processes travel through Redis').toBeTruthy();
    const database = await freshDatabase();
    let watcher: ReturnType<typeof subscriber> | undefined;
    try {
      const [a, b] = await Promise.all([startProcess(database.url!), startProcess(database.url!)]);
      expect(a).not.toBe(b);
      watcher = subscriber(b.replace('http', 'ws'), await token('live-two', ['REVIEWER']));
      // File on A until B's subscriber sees one of A's cases: a fixed pause before one report loses the race while B
      // is still setting up the subscription on a loaded machine, and then the event is missed for the wrong reason.
      const cases: string[] = [];
      await until(
        async () => {
          const filed = await submit(a);
          const row = await database.db.prisma.report.findUniqueOrThrow({ where: { id: filed.data.submitReport.report.id } });
          cases.push(row.caseId);
          for (let k = 0; k < 20 && !watcher!.events.some((e) => cases.includes(e.data?.queueUpdates?.case?.id)); k++) await new Promise((r) => setTimeout(r, 50));
          return watcher!.events.some((e) => cases.includes(e.data?.queueUpdates?.case?.id));
        },
        'the event on the other instance',
        30_000,
      );
      const row = { caseId: watcher.events.find((e) => cases.includes(e.data?.queueUpdates?.case?.id)).data.queueUpdates.case.id as string };
      // The case came with the event, through Redis, and reads as the database has it.
      const shown = watcher.events.find((e) => e.data?.queueUpdates?.case?.id === row.caseId).data.queueUpdates.case;
      const stored = await database.db.prisma.case.findUniqueOrThrow({ where: { id: row.caseId } });
      expect(shown).toMatchObject({ status: stored.status, slaDueAt: stored.slaDueAt.toISOString(), assignee: null });

      // Access withdrawn on one instance ends the stream on the other at its next event.
      const admin = await token('live-two-admin', ['ADMIN']);
      const revoke = await fetch(a, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query: `mutation { setReviewerAccess(input: { reviewerId: "live-two", revokedRoles: [REVIEWER], suspended: false }) { __typename } }` }),
      });
      expect(((await revoke.json()) as any).data.setReviewerAccess.__typename).toBe('SetReviewerAccessSuccess');
      const seen = watcher.events.length;
      await submit(a);
      await until(() => watcher!.completed(), 'the stream on the other instance to end', 15_000);
      expect(watcher.events).toHaveLength(seen);
    } finally {
      await watcher?.client.dispose();
      for (const child of children.splice(0)) child.kill('SIGTERM');
      await database.drop();
    }
  });

  it('a hash added to a bank on one instance reaches the other’s index through Redis, before any match there', async () => {
    const database = await freshDatabase();
    try {
      const [a, b] = await Promise.all([startProcess(database.url!), startProcess(database.url!)]);
      const admin = await token('bank-admin', ['ADMIN']);
      const call = async (url: string, query: string, variables: Record<string, unknown>, bearer = admin) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ query, variables }) });
        return ((await res.json()) as { data: any }).data;
      };
      const indexed = async (url: string) => {
        const text = await (await fetch(url.replace('/graphql', '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        return Number(/^hash_index_pdq_hashes (\d+)$/m.exec(text)?.[1]);
      };
      const created = await call(a, `mutation($input: CreateHashBankInput!) { createHashBank(input: $input) { ... on HashBankSuccess { bank { id } } } }`, { input: { name: 'Two instances', source: 'placeholder' } });
      const value = hex(32);
      const added = await call(a, `mutation($input: BankHashInput!) { addBankHash(input: $input) { ... on BankHashChangeSuccess { changed } } }`, { input: { bankId: created.createHashBank.bank.id, algorithm: 'PDQ', value } });
      expect(added.addBankHash.changed).toBe(true);
      await until(async () => (await indexed(b)) === 1, 'the hash in the other instance’s index', 15_000);
      const lead = await token('bank-lead', ['LEAD']);
      const found = await call(b, `query($hashes: [MediaHashInput!]!) { matchHashes(hashes: $hashes) { bank distance } }`, { hashes: [{ algorithm: 'PDQ', value }] }, lead);
      expect(found.matchHashes).toEqual([{ bank: 'Two instances', distance: 0 }]);
    } finally {
      for (const child of children.splice(0)) child.kill('SIGTERM');
      await database.drop();
    }
  });
});
