// Compiled execution (src/plugins/compiled-execution.ts) on a small yoga: each operation of a document runs as named,
// errors keep where they arose as graphql-js reports it, and a subscription streams and ends as under graphql-js.
import { describe, expect, it } from 'vitest';
import { createSchema, createYoga } from 'graphql-yoga';
import { useCompiledExecution } from '../src/plugins/compiled-execution.js';

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Query { a: String b: String fails: String compiled: Boolean }
    type Subscription { ticks(count: Int!): Int! }
  `,
  resolvers: {
    Query: {
      a: () => 'A',
      b: () => 'B',
      // graphql-jit calls resolvers from the function it compiled with `new Function`, which the stack names.
      compiled: () => /eval at compileQuery/.test(new Error().stack ?? ''),
      fails: () => {
        throw new Error('placeholder failure');
      },
    },
    Subscription: {
      ticks: {
        async *subscribe(_: unknown, { count }: { count: number }) {
          for (let i = 1; i <= count; i++) yield { ticks: i };
        },
      },
    },
  },
});
const yoga = createYoga({ schema, plugins: [useCompiledExecution()], logging: false, maskedErrors: false });

async function post(body: unknown) {
  const res = await yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; locations?: unknown; path?: unknown }> };
}

describe('compiled execution', () => {
  it('runs queries compiled', async () => {
    expect(await post({ query: '{ compiled }' })).toEqual({ data: { compiled: true } });
  });

  it('runs the operation named, for each operation of one document', async () => {
    const query = 'query A { a } query B { b }';
    expect(await post({ query, operationName: 'A' })).toEqual({ data: { a: 'A' } });
    expect(await post({ query, operationName: 'B' })).toEqual({ data: { b: 'B' } });
    expect(await post({ query, operationName: 'A' })).toEqual({ data: { a: 'A' } });
  });

  it('keeps the path and the location of the field that failed', async () => {
    const res = await post({ query: 'query {\n  a\n  failed: fails\n}' });
    expect(res.data).toEqual({ a: 'A', failed: null });
    expect(res.errors).toEqual([{ message: 'placeholder failure', path: ['failed'], locations: [{ line: 3, column: 3 }] }]);
  });

  // graphql-jit 0.8.9 hands a subscription field the operation's variables as its arguments: compiled, both of these
  // would stream nothing (count undefined). The plugin leaves subscriptions to graphql-js.
  it.each([
    ['a literal argument', 'subscription { ticks(count: 3) }', {}],
    ['a variable of another name', 'subscription Ticks($n: Int!) { ticks(count: $n) }', { n: 3 }],
  ])('streams a subscription with %s over SSE to its end', async (_, query, variables) => {
    const res = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    const events = [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!));
    expect(events.filter((e) => e.data)).toEqual([{ data: { ticks: 1 } }, { data: { ticks: 2 } }, { data: { ticks: 3 } }]);
  });
});
