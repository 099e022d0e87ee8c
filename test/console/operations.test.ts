// Every operation the console sends is valid against the schema the server prints (schema.graphql), so a schema
// change that breaks the console fails here, not in a reviewer's browser.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain browser ES module without type declarations
import * as operations from '../../console/operations.js';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const entries = Object.entries(operations as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');

describe('console operations', () => {
  it('finds them', () => {
    expect(entries.map(([name]) => name)).toEqual(expect.arrayContaining(['ME', 'QUEUE', 'QUEUE_UPDATES', 'CLAIM_NEXT', 'CLAIM_CASE', 'CASE', 'POLICY', 'DECIDE']));
  });

  it.each(entries)('%s is valid against schema.graphql', (_name, source) => {
    const errors = validate(schema, parse(source));
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});
