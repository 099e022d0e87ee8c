// Every operation the console sends is valid against the schema the server prints (schema.graphql), so a schema
// change that breaks the console fails here, not in a reviewer's browser.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain browser ES module without type declarations
import * as operations from '../../console/operations.js';
// @ts-expect-error: a plain browser ES module without type declarations
import * as format from '../../console/format.js';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const entries = Object.entries(operations as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');

describe('console operations', () => {
  it('finds them', () => {
    expect(entries.map(([name]) => name)).toEqual(expect.arrayContaining(['ME', 'QUEUE', 'QUEUE_UPDATES', 'CLAIM_NEXT', 'CLAIM_CASE', 'CASE', 'CASES', 'POLICY', 'DECIDE']));
  });

  it.each(entries)('%s is valid against schema.graphql', (_name, source) => {
    const errors = validate(schema, parse(source));
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('the case history offers every status, category and queue the schema has, and nothing else', () => {
    const values = (name: string) => (schema.getType(name) as import('graphql').GraphQLEnumType).getValues().map((v) => v.name).sort();
    expect([...format.STATUSES].sort()).toEqual(values('CaseStatus'));
    expect([...format.CATEGORIES].sort()).toEqual(values('ChildSafetyCategory'));
    expect([...format.QUEUES].sort()).toEqual(values('QueueName'));
  });
});
