// The loaded-columns plugin (src/schema/loaded-columns.ts): a field of a Prisma object that reads only columns answers
// from the row when the row holds them, and otherwise plugin-prisma still reads them; the field's scopes run first
// either way.
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import PrismaPlugin from '@pothos/plugin-prisma';
import { execute, parse, type GraphQLSchema } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import LoadedColumnsPlugin from '../src/schema/loaded-columns.js';
import type PrismaTypes from '../src/generated/pothos-types.js';
import { getDatamodel } from '../src/generated/pothos-types.js';
import type { PrismaClient } from '../src/db/database.js';
import { freshDatabase, hex, type TestDatabase } from './support/harness.js';

interface Context { prisma: PrismaClient; auditor: boolean }

let database: TestDatabase;
let schema: GraphQLSchema;
let statements = 0;
const originalQuery = pg.Client.prototype.query;
const id = `reviewer-${hex(4)}`;

beforeAll(async () => {
  database = await freshDatabase();
  await database.db.prisma.reviewer.create({ data: { id, name: 'Stored name', roles: ['REVIEWER'] } });
  const builder = new SchemaBuilder<{ Context: Context; PrismaTypes: PrismaTypes; AuthScopes: { auditor: boolean }; DefaultFieldNullability: false }>({
    plugins: [ScopeAuthPlugin, LoadedColumnsPlugin, PrismaPlugin],
    defaultFieldNullability: false,
    scopeAuth: { treatErrorsAsUnauthorized: true, authScopes: (ctx) => ({ auditor: ctx.auditor }) },
    prisma: { client: (ctx) => ctx.prisma, dmmf: getDatamodel(), onUnusedQuery: null },
  });
  const Reviewer = builder.prismaObject('Reviewer', {
    select: { id: true },
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      roles: t.exposeStringList('roles', { authScopes: { auditor: true } }),
      // A field that reads two columns through its own resolver.
      summary: t.string({ select: { name: true, roles: true }, resolve: (r) => `${r.name}: ${r.roles.join(', ')}` }),
    }),
  });
  builder.queryType({
    fields: (t) => ({
      // Read with the planned query: the row holds what the selection asks for.
      planned: t.prismaField({ type: 'Reviewer', resolve: (query, _root, _args, ctx) => ctx.prisma.reviewer.findUniqueOrThrow({ ...query, where: { id } }) }),
      // A row that holds its id alone: every other column is read by plugin-prisma.
      bare: t.field({ type: Reviewer, resolve: () => ({ id }) as never }),
      // A row holding a column whose value is undefined is no answer either: plugin-prisma reads it.
      undefinedName: t.field({ type: Reviewer, resolve: () => ({ id, name: undefined }) as never }),
      // A row holding one of the two columns a field reads.
      nameOnly: t.field({ type: Reviewer, resolve: () => ({ id, name: 'Stored name' }) as never }),
    }),
  });
  schema = builder.toSchema();
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements += 1;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
});
afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await database?.drop();
});

async function run(source: string, auditor = false) {
  statements = 0;
  const result = await execute({ schema, document: parse(source), contextValue: { prisma: database.db.prisma, auditor } });
  return { ...result, statements };
}

describe('an exposed column', () => {
  it('answers from the row its planned query loaded, with that one query', async () => {
    const { data, errors, statements: n } = await run('{ planned { id name } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({ planned: { id, name: 'Stored name' } });
    expect(n).toBe(1);
  });

  it('is read from the database when the row lacks it, or holds it as undefined', async () => {
    for (const field of ['bare', 'undefinedName']) {
      const { data, errors, statements: n } = await run(`{ ${field} { id name } }`);
      expect(errors).toBeUndefined();
      expect(data).toEqual({ [field]: { id, name: 'Stored name' } });
      expect(n).toBe(1);
    }
  });

  it('read with others by a field of its own resolver, answers from the row when it holds them all, else is read', async () => {
    const planned = await run('{ planned { summary } }');
    expect(planned.errors).toBeUndefined();
    expect(planned.data).toEqual({ planned: { summary: 'Stored name: REVIEWER' } });
    expect(planned.statements).toBe(1);
    const partial = await run('{ nameOnly { summary } }');
    expect(partial.errors).toBeUndefined();
    expect(partial.data).toEqual({ nameOnly: { summary: 'Stored name: REVIEWER' } });
    expect(partial.statements).toBe(1);
  });

  it('is refused by its scope although the row holds it, and answered when the scope passes', async () => {
    const refused = await run('{ planned { id roles } }');
    expect(refused.data).toBeNull();
    expect(refused.errors?.map((e) => e.message)).toEqual(['Not authorized to resolve Reviewer.roles']);
    const allowed = await run('{ planned { id roles } }', true);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data).toEqual({ planned: { id, roles: ['REVIEWER'] } });
  });
});
