// Seeded fuzzing from the schema: random root fields with random selections and random (often wrong) variables —
// wrong types, nulls, huge strings, unicode, unknown fields — from random callers. Nothing may answer 500 or raise an
// unexpected (masked) error, and the server must still answer afterwards. FUZZ_SEED and FUZZ_RUNS reproduce a run.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { SCHEMA_PATH } from '../scripts/build-schema.js';
import { ROLES } from '../src/policy/index.js';
import { startServer, token, type TestServer } from './support/harness.js';
import { prng } from './support/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number) => random() < p;

const STRINGS = [
  '',
  'placeholder',
  'content-123',
  '\u0000',
  '😀'.repeat(50),
  '\u202etxet lanoitcerid-ibid',
  "'; DROP TABLE \"Case\"; --",
  '{"$ne": null}',
  '../../etc/passwd',
  'a'.repeat(100_000),
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '2026-13-45T99:99:99Z',
  '2026-01-01T00:00:00Z',
  'f'.repeat(64),
];
// (The test prints the share with each run and requires at least 45 % to reach a resolver; the default seed gave 243 of
// 400 at commit 04c217f, 90 refused by scopes, 67 before execution.)
const WRONG = [null, 0, -1, 2 ** 31, 1.5, true, [], {}, 'x'.repeat(300), { nested: { deep: [1, 2, 3] } }];

/**
 * A value for an input of `type`. Hostile operations get wrong types, unknown enum values and unknown fields; the
 * others are well-typed (though their strings may still be huge, odd unicode or injection attempts), so they pass
 * GraphQL's validation and reach the resolvers, whose own checks are what is being fuzzed.
 */
function value(type: GraphQLInputType, depth = 0, hostile = true): unknown {
  if (hostile && chance(0.08)) return pick(WRONG);
  if (isNonNullType(type)) return value(type.ofType, depth, hostile);
  if (isListType(type)) return Array.from({ length: pick([0, 1, 2, 3]) }, () => value(type.ofType, depth + 1, hostile));
  if (isEnumType(type)) return !hostile || chance(0.9) ? pick(type.getValues()).value : 'NOT_A_VALUE';
  if (isInputObjectType(type)) {
    if (depth > 3) return {};
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || chance(0.5));
    const object: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f.name, value(f.type, depth + 1, hostile)]));
    if (hostile && chance(0.05)) object.unknownField = 'placeholder';
    return object;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return pick([0, 1, 5, 50, 100, 101, -5, 2 ** 31 - 1]);
      case 'Float':
        return pick([0, 0.5, -1, 1e308]);
      case 'Boolean':
        return chance(0.5);
      case 'ID':
        return pick(['00000000-0000-0000-0000-000000000000', crypto.randomUUID(), 'not-a-uuid', '1']);
      default:
        return pick(STRINGS);
    }
  }
  return null;
}

function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type) as GraphQLNamedType;
  if (isLeafType(named)) return '';
  if (isUnionType(named) || isInterfaceType(named)) {
    const members = isUnionType(named) ? named.getTypes() : [];
    const fragments = members.filter(() => chance(0.6)).map((m) => `... on ${m.name} ${selection(m, depth)}`);
    return `{ __typename ${fragments.join(' ')} }`;
  }
  if (!isObjectType(named) || depth > 3) return '{ __typename }';
  const fields = Object.values(named.getFields()).filter(() => chance(0.5));
  const parts = fields.map((f) => {
    const args = f.args.filter((a) => isNonNullType(a.type) || (a.name === 'first' && chance(0.5)));
    const call = args.length ? `(${args.map((a) => `${a.name}: ${JSON.stringify(a.name === 'first' ? 5 : value(a.type))?.replace(/"([^"]+)":/g, '$1:')}`).join(', ')})` : '';
    return `${f.name}${call} ${selection(f.type, depth + 1)}`;
  });
  return `{ __typename ${parts.join(' ')} }`;
}

function operation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, hostile: boolean) {
  const args = field.args.filter((a) => isNonNullType(a.type) || chance(0.5));
  const definitions = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const query = `${kind}${definitions ? `(${definitions})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selection(field.type, 0)} }`;
  const variables = Object.fromEntries(args.filter(() => !hostile || chance(0.95)).map((a) => [a.name, value(a.type, 0, hostile)]));
  return { query, variables };
}

/**
 * How far an operation got: refused before execution (parse, validation, variables: no `data`), refused by the
 * field's scopes (its resolver never ran), or past both into the resolver (data for the field, or a typed error from
 * it).
 */
type Reach = 'rejected' | 'unauthorized' | 'resolver';
function reachOf(field: string, body: { data?: Record<string, unknown> | null; errors?: Array<{ path?: unknown[]; extensions?: { code?: string } }> }): Reach {
  if (body.data === undefined) return 'rejected';
  const own = body.errors?.find((e) => e.path?.length === 1 && e.path[0] === field);
  if (own && ['FORBIDDEN', 'UNAUTHENTICATED'].includes(own.extensions?.code ?? '')) return 'unauthorized';
  // A mutation answers a refused scope with that member of its result union ("Not authorized" or "Authentication
  // required"); a selection without `message` counts any ForbiddenError or NotAuthenticatedError as one.
  const member = body.data?.[field] as { __typename?: string; message?: string } | null | undefined;
  if (member && ['ForbiddenError', 'NotAuthenticatedError'].includes(member.__typename ?? '') && [undefined, 'Not authorized', 'Authentication required'].includes(member.message)) {
    return 'unauthorized';
  }
  if (body.data === null && !own) return 'rejected';
  return 'resolver';
}

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const fields = [
  ...Object.values(schema.getQueryType()!.getFields()).map((f) => ({ kind: 'query' as const, field: f })),
  ...Object.values((schema.getMutationType() as GraphQLObjectType).getFields()).map((f) => ({ kind: 'mutation' as const, field: f })),
];

let server: TestServer;
const tokens: Array<string | undefined> = [undefined];
beforeAll(async () => {
  server = await startServer();
  for (const role of ROLES) tokens.push(await token(`fuzz-${role.toLowerCase()}`, [role]));
  tokens.push(await token('fuzz-all', [...ROLES]));
});
afterAll(() => server?.close());

describe(`fuzzing (seed ${SEED}, ${RUNS} operations)`, () => {
  it('never answers 500 or raises an unexpected error, and the server answers afterwards', async () => {
    const failures: string[] = [];
    const reach: Record<Reach, number> = { rejected: 0, unauthorized: 0, resolver: 0 };
    let hostileOps = 0;
    for (let i = 0; i < RUNS; i++) {
      const { kind, field } = pick(fields);
      // A third of the operations are hostile; half the callers hold every role, so most well-formed operations are
      // allowed and reach their resolver.
      const hostile = chance(1 / 3);
      if (hostile) hostileOps += 1;
      const { query, variables } = operation(kind, field, hostile);
      const bearer = chance(0.5) ? tokens.at(-1) : pick(tokens);
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      try {
        reach[reachOf(field.name, JSON.parse(text))] += 1;
      } catch {
        reach.rejected += 1;
      }
      const unexpected = res.status >= 500 || /INTERNAL_SERVER_ERROR|Unexpected error/.test(text) || /\bat \S+\.(ts|js):\d+/.test(text);
      if (unexpected && failures.length < 5) failures.push(`#${i} ${res.status} ${query.slice(0, 300)} ${JSON.stringify(variables).slice(0, 300)} → ${text.slice(0, 400)}`);
    }
    expect(failures, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    // What the run exercised, reported and bounded: most operations must get past validation and scopes into the
    // resolvers, or the fuzzing tests little beyond GraphQL's own checks.
    console.info(`fuzz: ${RUNS} operations (${hostileOps} hostile): ${reach.resolver} reached a resolver, ${reach.unauthorized} refused by scopes, ${reach.rejected} refused before execution`);
    expect(reach.resolver / RUNS).toBeGreaterThanOrEqual(0.45);
    expect(reach.rejected).toBeGreaterThan(0);
    expect(reach.unauthorized).toBeGreaterThan(0);
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    const me = await server.gql('{ me { id } }', {}, { token: tokens[1] });
    expect(me.data.me.id).toBe('fuzz-reviewer');
  }, 300_000);
});
