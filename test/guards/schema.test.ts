// The schema the guards hang on. It is built when `src/schema/index.ts` is imported, so an error there stops every
// test file that imports it before its first test runs; imported here inside the test, such an error fails this test
// by name. A request that names no case is refused before any resolver runs.
import { describe, expect, it } from 'vitest';
import { parse, validate } from 'graphql';

describe('schema', () => {
  it('loads, and Query.case takes exactly one required id: a request without one is refused at validation', async () => {
    const { schema } = await import('../../src/schema/index.js');
    const field = schema.getQueryType()?.getFields().case;
    expect(field, 'Query.case').toBeDefined();
    expect(String(field!.type)).toBe('Case');
    expect(field!.args.map((a) => [a.name, String(a.type)])).toEqual([['id', 'ID!']]);

    const missing = validate(schema, parse('{ case { id } }')).map((e) => e.message);
    expect(missing).toEqual(['Field "case" argument "id" of type "ID!" is required, but it was not provided.']);
    expect(validate(schema, parse('query($id: ID!) { case(id: $id) { id category } }'))).toEqual([]);
  });
});
