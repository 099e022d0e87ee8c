// The authorization matrix, generated from the schema: every root field (queries, mutations, subscriptions) is called
// by every role alone and by an anonymous caller, with arguments built from the field's types, and the outcome must
// match the table below. A root field without an entry fails the test, so no new field ships without a decision.
// "Allowed" means the call got past the field's auth scopes (it may still fail on its arguments); "denied" means
// scope-auth refused it before the resolver ran.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLUnionType,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_PATH } from '../scripts/build-schema.js';
import { ROLES, type Role } from '../src/policy/index.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startServer, token, type TestServer } from './support/harness.js';
import { readSse } from './support/sse.js';

type Caller = Role | 'ANONYMOUS';
const CALLERS: Caller[] = ['ANONYMOUS', ...ROLES];

const EVERYONE: Caller[] = CALLERS;
const SIGNED_IN: Caller[] = [...ROLES];
const REVIEWERS: Caller[] = ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD'];
const OVERSIGHT: Caller[] = ['LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'];
const ANALYTICS: Caller[] = ['ANALYST', 'LEAD', 'ADMIN'];
const LEADS_AND_ADMINS: Caller[] = ['LEAD', 'ADMIN'];
const union = (...groups: Caller[][]) => [...new Set(groups.flat())];

/** Who may call each root field. Written from DESIGN.md and issue 7, not read from the code. */
const MATRIX: Record<string, Caller[]> = {
  // Query
  me: EVERYONE,
  reportStatus: EVERYONE,
  policy: SIGNED_IN,
  recommendation: REVIEWERS,
  queue: REVIEWERS,
  case: union(REVIEWERS, OVERSIGHT),
  // Issue 22: finding cases, each scope-checked like case(id).
  cases: union(REVIEWERS, OVERSIGHT),
  // Issue 25: an account's history, narrowed like cases(filter: {reportedAccountId}).
  reportedAccount: union(REVIEWERS, OVERSIGHT),
  // Issue 22: any signed-in caller; each object answers only to whoever may read it (null otherwise).
  node: SIGNED_IN,
  nodes: SIGNED_IN,
  auditLog: LEADS_AND_ADMINS,
  verifyAuditChain: OVERSIGHT,
  ncmecReports: OVERSIGHT,
  lawEnforcementReferrals: OVERSIGHT,
  lawEnforcementReferralFigures: OVERSIGHT,
  transparencyReport: ANALYTICS,
  transparencySeries: ANALYTICS,
  queueHealth: ANALYTICS,
  teamExposure: LEADS_AND_ADMINS,
  enforcementFeed: ['PLATFORM', 'LEAD', 'ADMIN'],
  hashBanks: LEADS_AND_ADMINS,
  matchHashes: LEADS_AND_ADMINS,
  // Mutation
  submitReport: EVERYONE,
  submitAppeal: EVERYONE,
  claimNextCase: REVIEWERS,
  // Issue 22: leads choose any case, appeals reviewers an appeal; other reviewers take the next one.
  claimCase: ['LEAD', 'APPEALS_REVIEWER'],
  releaseCase: REVIEWERS,
  // Issue 25: notes by whoever may read the case; redaction by admins.
  addCaseNote: union(REVIEWERS, OVERSIGHT),
  redactCaseNote: ['ADMIN'],
  // Issue 25: leads give a case to a named reviewer and take it back.
  assignCase: ['LEAD'],
  unassignCase: ['LEAD'],
  moveCase: ['LEAD'],
  // Issue 25: cases linked and unlinked by staff who may work both; a decision applied to linked cases by leads.
  linkCases: REVIEWERS,
  unlinkCases: REVIEWERS,
  applyDecisionToLinkedCases: ['LEAD'],
  // Issue 25: bulk actions on up to 1,000 cases, by leads, each case under its single-case guard.
  bulkReleaseCases: ['LEAD'],
  bulkMoveCases: ['LEAD'],
  bulkCloseCasesAsDuplicate: ['LEAD'],
  // Issue 25: the reviewer holding a case hands it to the leads.
  escalateCase: REVIEWERS,
  renewLease: REVIEWERS,
  submitAssessment: REVIEWERS,
  decideCase: REVIEWERS,
  decideAppeal: REVIEWERS,
  acknowledgeNcmecReport: OVERSIGHT,
  // Issue 19: referrals are progressed by law-enforcement liaisons.
  markReferralSent: ['LAW_ENFORCEMENT_LIAISON'],
  closeReferral: ['LAW_ENFORCEMENT_LIAISON'],
  recordManualCyberTipSubmission: OVERSIGHT,
  withdrawNcmecReport: OVERSIGHT,
  resubmitNcmecReport: OVERSIGHT,
  setReviewerAccess: ['ADMIN'],
  createHashBank: ['ADMIN'],
  updateHashBank: ['ADMIN'],
  importHashBank: ['ADMIN'],
  addBankHash: ['ADMIN'],
  removeBankHash: ['ADMIN'],
  // Subscription
  queueUpdates: REVIEWERS,
  caseUpdated: union(REVIEWERS, OVERSIGHT),
};

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const roots = (['query', 'mutation', 'subscription'] as const).flatMap((kind) => {
  const type = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[kind] as GraphQLObjectType | null;
  return type ? Object.values(type.getFields()).map((field) => ({ kind, field })) : [];
});

/** The smallest valid value of an input type: required input fields only, placeholders for scalars. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, sample(f.type)]),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return randomUUID();
      case 'Int':
        return 1;
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'DateTime':
        return '2026-01-01T00:00:00Z';
      default:
        return 'placeholder';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

function operationFor(kind: string, field: GraphQLField<unknown, unknown>, selectErrors = false) {
  const args = field.args.filter((a) => isNonNullType(a.type));
  const variables = Object.fromEntries(args.map((a) => [a.name, sample(a.type)]));
  const definitions = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : selectErrors ? ' { __typename ... on Error { message code } }' : ' { __typename }';
  const query = `${kind} Matrix${definitions ? `(${definitions})` : ''} { ${field.name}${call ? `(${call})` : ''}${selection} }`;
  return { query, variables };
}

const SCOPE_DENIALS = ['Not authorized', 'Authentication required'];

/** How a mutation refuses a caller without its scope: the member of its result union, and nothing at the top level. */
const DENIAL = (caller: Caller) =>
  caller === 'ANONYMOUS'
    ? { __typename: 'NotAuthenticatedError', message: 'Authentication required', code: 'UNAUTHENTICATED' }
    : { __typename: 'ForbiddenError', message: 'Not authorized', code: 'FORBIDDEN' };

let server: TestServer;
const tokens = new Map<Caller, string | undefined>();

beforeAll(async () => {
  // In-process (yoga.fetch): the rules are the same on every transport (test/live.test.ts covers WebSocket), and the
  // matrix runs against each mutant of the guards (docs/mutation-testing.md).
  server = await startServer({}, undefined, { listen: false });
  tokens.set('ANONYMOUS', undefined);
  for (const role of ROLES) tokens.set(role, await token(`matrix-${role.toLowerCase()}`, [role], `Matrix ${role}`));
});
afterAll(() => server?.close());

/** Did scope-auth refuse the call? Subscriptions go over SSE; a subscription still open after a moment was allowed. */
async function denied(kind: string, field: GraphQLField<unknown, unknown>, caller: Caller): Promise<boolean> {
  const { query, variables } = operationFor(kind, field);
  const bearer = tokens.get(caller);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) };
  if (kind !== 'subscription') {
    const res = await server.gql(query, variables, { token: bearer });
    // A malformed generated operation must not pass for "allowed".
    expect(res.status, JSON.stringify(res.errors)).toBe(200);
    expect(res.errors?.filter((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED') ?? []).toEqual([]);
    const topLevel = (res.errors ?? []).some((e) => SCOPE_DENIALS.includes(e.message) && (e as { path?: string[] }).path?.[0] === field.name);
    // A mutation's denial is a member of its result union (checked on every transport below).
    const member = kind === 'mutation' && ['ForbiddenError', 'NotAuthenticatedError'].includes(res.data?.[field.name]?.__typename);
    if (member) {
      const again = await server.gql(operationFor(kind, field, true).query, variables, { token: bearer });
      return SCOPE_DENIALS.includes(again.data?.[field.name]?.message);
    }
    return topLevel;
  }
  const controller = new AbortController();
  const res = await server.fetch(server.url, { method: 'POST', headers: { ...headers, accept: 'text/event-stream' }, body: JSON.stringify({ query, variables }), signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  // Read for 400 ms at most: a subscription still open then was allowed. (In-process, aborting the request does not
  // end a pending read, so the wait is raced rather than aborted.)
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 400)));
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), open]);
      if (!chunk || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
      if (text.includes('event: next')) break;
    }
  } catch {
    /* aborted: the subscription stayed open */
  } finally {
    clearTimeout(timer);
    controller.abort();
    await reader.cancel().catch(() => {});
  }
  return SCOPE_DENIALS.some((m) => text.includes(`"message":"${m}"`));
}

describe('authorization matrix', () => {
  it('has an entry for every root field, and none for a field that does not exist', () => {
    const names = roots.map((r) => r.field.name);
    expect(names.filter((n) => !(n in MATRIX)), 'root fields without a matrix entry').toEqual([]);
    expect(Object.keys(MATRIX).filter((n) => !names.includes(n)), 'matrix entries for fields that do not exist').toEqual([]);
  });

  for (const { kind, field } of roots) {
    it(`${kind} ${field.name}`, async () => {
      const expected = MATRIX[field.name];
      if (!expected) return; // reported by the test above
      const outcome = await Promise.all(CALLERS.map(async (caller) => [caller, !(await denied(kind, field, caller))] as const));
      const allowed = outcome.filter(([, ok]) => ok).map(([caller]) => caller);
      expect(allowed.sort()).toEqual([...expected].sort());
    });
  }
});

/** One operation over each transport, as a caller: the HTTP body, the single SSE result, the graphql-ws result. */
async function overEveryTransport(server: TestServer, query: string, variables: Record<string, unknown>, caller: Caller) {
  const bearer = tokens.get(caller);
  const http = await server.gql(query, variables, { token: bearer });
  const sse: unknown[] = [];
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  await readSse(res, (event, data) => event === 'next' && sse.push(data));
  const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  try {
    const ws = await new Promise<unknown>((resolve, reject) => {
      let result: unknown;
      client.subscribe({ query, variables }, { next: (r) => (result = r), error: reject, complete: () => resolve(result) });
    });
    return { http: { data: http.data, ...(http.errors ? { errors: http.errors } : {}) }, sse: sse.length === 1 ? sse[0] : sse, ws };
  } finally {
    await client.dispose();
  }
}

describe('one channel per kind of error', () => {
  const mutations = roots.filter((r) => r.kind === 'mutation');

  it('every mutation result union advertises ForbiddenError and NotAuthenticatedError', () => {
    const missing = mutations
      .filter(({ field }) => !isUnionType(getNamedType(field.type)) || !['ForbiddenError', 'NotAuthenticatedError'].every((m) => (getNamedType(field.type) as GraphQLUnionType).getTypes().some((t) => t.name === m)))
      .map(({ field }) => field.name);
    expect(missing).toEqual([]);
  });

  for (const { kind, field } of mutations) {
    const refused = CALLERS.filter((c) => !(MATRIX[field.name] ?? CALLERS).includes(c));
    if (!refused.length) continue;
    it(`mutation ${field.name} refuses ${refused.join(', ')} with a member of its result union, no top-level error`, async () => {
      const { query, variables } = operationFor(kind, field, true);
      for (const caller of refused) {
        const res = await server.gql(query, variables, { token: tokens.get(caller) });
        expect(res.status).toBe(200);
        expect(res.errors, `${field.name} as ${caller}`).toBeUndefined();
        expect(res.data, `${field.name} as ${caller}`).toEqual({ [field.name]: DENIAL(caller) });
      }
    });
  }

  it('HTTP, SSE and graphql-ws answer a refused mutation alike', async () => {
    // The transports themselves: a listening server on the same database (the matrix above runs in-process).
    const listening = await startServer({}, server.database);
    try {
      for (const { kind, field } of mutations) {
        const refused = CALLERS.filter((c) => !(MATRIX[field.name] ?? CALLERS).includes(c));
        const { query, variables } = operationFor(kind, field, true);
        // The anonymous caller and the first signed-in role the mutation refuses.
        for (const caller of [refused.find((c) => c === 'ANONYMOUS'), refused.find((c) => c !== 'ANONYMOUS')].filter((c): c is Caller => !!c)) {
          const { http, sse, ws } = await overEveryTransport(listening, query, variables, caller);
          const expected = { data: { [field.name]: DENIAL(caller) } };
          expect(http, `${field.name} as ${caller} over HTTP`).toEqual(expected);
          expect(sse, `${field.name} as ${caller} over SSE`).toEqual(expected);
          expect(ws, `${field.name} as ${caller} over graphql-ws`).toEqual(expected);
        }
      }
    } finally {
      await listening.close();
    }
  });

  it('a query still refuses with a top-level error: its type advertises no error members', async () => {
    const res = await server.gql('query { auditLog(first: 1) { __typename } }', {}, { token: tokens.get('ANALYST') });
    expect(res.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Not authorized', 'FORBIDDEN']]);
    const anonymous = await server.gql('query { auditLog(first: 1) { __typename } }', {});
    expect(anonymous.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Authentication required', 'UNAUTHENTICATED']]);
  });
});
