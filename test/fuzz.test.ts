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
const WRONG = [null, 0, -1, 2 ** 31, 1.5, true, [], {}, 'x'.repeat(300), { nested: { deep: [1, 2, 3] } }];

function value(type: GraphQLInputType, depth = 0): unknown {
  if (chance(0.08)) return pick(WRONG);
  if (isNonNullType(type)) return value(type.ofType, depth);
  if (isListType(type)) return Array.from({ length: pick([0, 1, 2, 3]) }, () => value(type.ofType, depth + 1));
  if (isEnumType(type)) return chance(0.9) ? pick(type.getValues()).value : 'NOT_A_VALUE';
  if (isInputObjectType(type)) {
    if (depth > 3) return {};
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || chance(0.5));
    const object: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f.name, value(f.type, depth + 1)]));
    if (chance(0.05)) object.unknownField = 'placeholder';
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

function operation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) {
  const args = field.args.filter((a) => isNonNullType(a.type) || chance(0.5));
  const definitions = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const query = `${kind}${definitions ? `(${definitions})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selection(field.type, 0)} }`;
  const variables = Object.fromEntries(args.filter(() => chance(0.95)).map((a) => [a.name, value(a.type)]));
  return { query, variables };
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
    for (let i = 0; i < RUNS; i++) {
      const { kind, field } = pick(fields);
      const { query, variables } = operation(kind, field);
      const bearer = pick(tokens);
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      const unexpected = res.status >= 500 || /INTERNAL_SERVER_ERROR|Unexpected error/.test(text) || /\bat \S+\.(ts|js):\d+/.test(text);
      if (unexpected && failures.length < 5) failures.push(`#${i} ${res.status} ${query.slice(0, 300)} ${JSON.stringify(variables).slice(0, 300)} → ${text.slice(0, 400)}`);
    }
    expect(failures, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    const me = await server.gql('{ me { id } }', {}, { token: tokens[1] });
    expect(me.data.me.id).toBe('fuzz-reviewer');
  }, 300_000);
});
