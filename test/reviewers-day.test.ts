// A reviewer's day through a real third-party client with a normalized cache: urql + graphcache over HTTP, graphql-ws
// for the live queue, against a listening server. After each write the screen reads the case from the cache alone
// (requestPolicy 'cache-only'): the mutation payload must have put the case's new version, status and decision there,
// so the next write never meets a VersionConflictError and nothing is refetched.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSchema, introspectionFromSchema, parse, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type OperationResult } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { pipe, subscribe, toPromise, take, filter } from 'wonka';
import WebSocket from 'ws';
import { SCHEMA_PATH } from '../scripts/build-schema.js';
import { clientOperations, hex, startServer, token, type TestServer } from './support/harness.js';

let server: TestServer;
const operations = new Map<string, DocumentNode>();
const closers: Array<() => unknown> = [];

/** Each client operation as its own document with only the fragments it spreads (urql sends the first operation). */
async function loadOperations() {
  for (const file of ['intake.graphql', 'live.graphql', 'platform.graphql', 'cached-reviewer.graphql']) {
    const document = parse(await clientOperations(file));
    const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition');
    for (const op of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')) {
      operations.set(op.name!.value, { kind: document.kind, definitions: [op, ...fragments.filter((f) => usesNested(f, fragments, op))] });
    }
  }
}

/** Whether `fragment` is reachable from `op` through other fragments. */
function usesNested(fragment: FragmentDefinitionNode, all: FragmentDefinitionNode[], op: OperationDefinitionNode): boolean {
  const seen = new Set<string>();
  const visit = (text: string) => {
    for (const f of all) {
      if (!seen.has(f.name.value) && text.includes(`"${f.name.value}"`)) {
        seen.add(f.name.value);
        visit(JSON.stringify(f.selectionSet));
      }
    }
  };
  visit(JSON.stringify(op));
  return seen.has(fragment.name.value);
}

const doc = (name: string) => {
  const found = operations.get(name);
  if (!found) throw new Error(`no client operation ${name}`);
  return found;
};

const introspected = introspectionFromSchema(buildSchema(readFileSync(SCHEMA_PATH, 'utf8')));

interface CachedClient {
  client: Client;
  /** Operation names this client sent over HTTP, in order. */
  sent: string[];
  ws: WsClient | null;
}

/** One person's client: graphcache (schema-aware) in front of HTTP, and graphql-ws for subscriptions when signed in. */
function cachedClient(bearer?: string): CachedClient {
  const sent: string[] = [];
  const ws = bearer
    ? createWsClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${bearer}` } })
    : null;
  if (ws) closers.push(() => ws.dispose());
  const client = new Client({
    url: server.url,
    preferGetMethod: false,
    requestPolicy: 'cache-first',
    fetchOptions: (): RequestInit => ({ headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }),
    fetch: async (input, init) => {
      sent.push(JSON.parse(String(init?.body)).operationName);
      return fetch(input, init);
    },
    exchanges: [
      cacheExchange({
        schema: introspected,
        // A case the client already holds (from a claim, a live event or a payload) is read without asking the server.
        resolvers: { Query: { case: (_parent, args) => ({ __typename: 'Case', id: args.id as string }) } },
        // Value objects without an id of their own live inside their parent.
        keys: {
          Queue: (q) => (q.name as string) ?? null,
          QueueUpdate: () => null,
          Recommendation: () => null,
          PolicyClause: () => null,
          StatementOfReasons: () => null,
          ReportGuidance: () => null,
          EnforcementFeedPage: () => null,
          EnforcementInstruction: (i) => String(i.seq),
          ClaimNextCaseSuccess: () => null,
          SubmitAssessmentSuccess: () => null,
          DecideCaseSuccess: () => null,
          DecideAppealSuccess: () => null,
          SubmitAppealSuccess: () => null,
          SubmitReportSuccess: () => null,
        },
      }),
      fetchExchange,
      ...(ws
        ? [
            subscriptionExchange({
              forwardSubscription: (request) => ({
                subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
              }),
            }),
          ]
        : []),
    ],
  });
  return { client, sent, ws };
}

async function mutate(c: CachedClient, name: string, variables: AnyVariables) {
  const result = await c.client.mutation(doc(name), variables).toPromise();
  expect(result.error, name).toBeUndefined();
  return result.data as Record<string, any>;
}

/** The case as the screen shows it, from the cache only: a miss or partial read fails the test. */
function cachedCase(c: CachedClient, id: string) {
  const before = c.sent.length;
  let result: OperationResult | undefined;
  // cache-only answers synchronously when graphcache holds the data.
  pipe(
    c.client.query(doc('CaseWork'), { id }, { requestPolicy: 'cache-only' }),
    take(1),
    subscribe((r) => (result = r)),
  );
  expect(result, 'cache-only read answered').toBeDefined();
  expect(result!.operation.context.meta?.cacheOutcome, 'the whole case from the cache').toBe('hit');
  expect(c.sent.length, 'nothing refetched').toBe(before);
  return (result!.data as { case: Record<string, any> }).case;
}

/** Waits until the server runs `count` subscriptions, so an event filed next is not missed. */
async function subscriptionsActive(count: number, bound: 'at least' | 'at most' = 'at least') {
  const deadline = Date.now() + 10_000;
  const active = async () => (await server.app.metrics.activeSubscriptions.get()).values[0]?.value ?? 0;
  while (bound === 'at least' ? (await active()) < count : (await active()) > count) {
    if (Date.now() > deadline) throw new Error(`not ${bound} ${count} subscriptions`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  server = await startServer();
  await loadOperations();
});
afterAll(async () => {
  for (const close of closers) await close();
  await server?.close();
});

describe("a reviewer's day through urql + graphcache and graphql-ws", () => {
  it('report → live queue event → claim → assess → decide → platform feed → appeal → decide appeal, with no refetch and no version conflict', async () => {
    // Graphcache warns when a result lacks what normalizing it needs (an entity without its key, a field the schema
    // does not have): none may appear.
    const warnings = vi.spyOn(console, 'warn');
    const reviewer = cachedClient(await token('day-reviewer', ['REVIEWER'], 'Day Reviewer'));
    const appeals = cachedClient(await token('day-appeals', ['APPEALS_REVIEWER'], 'Day Appeals'));
    const platform = cachedClient(await token('day-platform', ['PLATFORM'], 'Platform service'));
    const public_ = cachedClient();
    const account = `account-${hex(4)}`;
    const contentId = `content-${hex(4)}`;

    // The live queue screen is open before the report arrives.
    const queueEvents = (c: CachedClient, queue: string, caseOf: (event: any) => boolean) =>
      pipe(
        c.client.subscription(doc('QueueUpdates'), { queue }),
        filter((r) => !!r.data && caseOf((r.data as any).queueUpdates)),
        take(1),
        toPromise,
      );
    const added = queueEvents(reviewer, 'MINOR_PHYSICAL_ALTERCATION', (e) => e.kind === 'ADDED');
    await subscriptionsActive(1);

    // 1. A public report, no account.
    const filed = await mutate(public_, 'SubmitReport', {
      input: { contentId, category: 'MINOR_PHYSICAL_ALTERCATION', reportedAccountId: account, description: 'placeholder description' },
    });
    expect(filed.submitReport.__typename).toBe('SubmitReportSuccess');

    // 2. The queue screen hears of it over graphql-ws.
    const event = await added;
    expect(event.error).toBeUndefined();
    const caseId = (event.data as any).queueUpdates.case.id as string;
    expect((event.data as any).queueUpdates.case.status).toBe('OPEN');

    // 3. Claim: the payload puts the whole case in the cache; the case screen never asks the server for it.
    const claimed = await mutate(reviewer, 'ClaimNextCaseWork', { queue: 'MINOR_PHYSICAL_ALTERCATION' });
    expect(claimed.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
    expect(claimed.claimNextCase.case.id).toBe(caseId);
    let seen = cachedCase(reviewer, caseId);
    expect(seen).toMatchObject({ status: 'IN_REVIEW', assignee: { id: 'day-reviewer' }, assessments: [], decision: null });
    const claimedVersion = seen.version as number;

    // 4. Assess: the payload moves the case's version in the cache.
    const assessed = await mutate(reviewer, 'AssessCase', {
      input: { caseId, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false },
    });
    expect(assessed.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
    seen = cachedCase(reviewer, caseId);
    expect(seen.version).toBeGreaterThan(claimedVersion);
    expect(seen.assessments.map((a: { id: string }) => a.id)).toEqual([assessed.submitAssessment.assessment.id]);
    const recommended = seen.assessments[0].recommendation.actions as string[];
    expect(recommended.length).toBeGreaterThan(0);

    // 5. Decide with the version the cache holds: no conflict.
    const decided = await mutate(reviewer, 'DecideCaseWork', { input: { caseId, expectedVersion: seen.version, actions: recommended } });
    expect(decided.decideCase.__typename).toBe('DecideCaseSuccess');
    seen = cachedCase(reviewer, caseId);
    expect(seen).toMatchObject({ status: 'DECIDED', decision: { id: decided.decideCase.decision.id, actions: recommended, decidedBy: { id: 'day-reviewer' } } });
    expect(seen.version).toBe(decided.decideCase.case.version);

    // 6. The platform reads what to carry out from its feed.
    const feed = await platform.client.query(doc('EnforcementFeed'), { after: 0, first: 500 }, { requestPolicy: 'network-only' }).toPromise();
    expect(feed.error).toBeUndefined();
    const items = (feed.data as any).enforcementFeed.items.filter((i: { decisionId: string }) => i.decisionId === decided.decideCase.decision.id);
    expect(items).toEqual([expect.objectContaining({ kind: 'APPLY', contentId, reportedAccountId: account, actions: recommended })]);

    // 7. The platform appeals on the account's behalf; the appeals reviewer hears of it on the APPEALS queue.
    await subscriptionsActive(0, 'at most');
    const appealAdded = queueEvents(appeals, 'APPEALS', (e) => e.case?.id === caseId);
    await subscriptionsActive(1);
    const appealed = await mutate(platform, 'SubmitAppeal', { input: { decisionId: decided.decideCase.decision.id, appellantAccountId: account, statement: 'placeholder statement' } });
    expect(appealed.submitAppeal.__typename).toBe('SubmitAppealSuccess');
    const appealId = appealed.submitAppeal.appeal.id as string;
    expect((await appealAdded).error).toBeUndefined();

    // 8. Decide the appeal: the appeals reviewer's cache shows the closed case and the decided appeal.
    const appealClaim = await mutate(appeals, 'ClaimNextCaseWork', { queue: 'APPEALS' });
    expect(appealClaim.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
    expect(appealClaim.claimNextCase.case.id).toBe(caseId);
    expect(cachedCase(appeals, caseId)).toMatchObject({ appeals: [{ id: appealId, status: 'PENDING' }] });
    const upheld = await mutate(appeals, 'DecideAppealWork', { input: { appealId, outcome: 'UPHELD', reason: 'placeholder reason' } });
    expect(upheld.decideAppeal.__typename).toBe('DecideAppealSuccess');
    expect(cachedCase(appeals, caseId)).toMatchObject({
      status: 'CLOSED',
      decision: { id: decided.decideCase.decision.id },
      appeals: [{ id: appealId, status: 'DECIDED', outcome: 'UPHELD', decidedBy: { id: 'day-appeals' } }],
    });

    // Each client sent each operation once: every read after a write came from the cache.
    expect(reviewer.sent).toEqual(['ClaimNextCaseWork', 'AssessCase', 'DecideCaseWork']);
    expect(appeals.sent).toEqual(['ClaimNextCaseWork', 'DecideAppealWork']);
    expect(platform.sent).toEqual(['EnforcementFeed', 'SubmitAppeal']);
    expect(warnings.mock.calls.map((args) => args.join(' '))).toEqual([]);
    warnings.mockRestore();
  });
});
