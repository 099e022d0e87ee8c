// What a refusal looks like at the top level: a domain error keeps the path and location of the field that refused
// (a client can tell which field of a query failed), and an expected refusal is not logged as an error with a stack.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { startServer, token, type TestServer } from './support/harness.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

describe('top-level refusals', () => {
  let server: TestServer;
  const log = capture();
  beforeAll(async () => {
    server = await startServer({}, undefined, { logger: log.logger });
  });
  afterAll(async () => server?.close());

  it('a domain error names the field that refused, by path and location', async () => {
    const lead = await token('shape-lead', ['LEAD']);
    const res = await server.gql(`query { history: cases(first: 1000) { totalCount } }`, {}, { token: lead });
    const error = res.errors?.[0] as { message: string; path?: unknown[]; locations?: unknown[]; extensions?: Record<string, unknown> };
    expect(error.extensions?.code).toBe('VALIDATION_FAILED');
    expect(error.path).toEqual(['history']);
    expect(error.locations).toEqual([{ line: 1, column: 9 }]);
  });

  it('an expected refusal is not logged at error level, and no log line carries a stack trace', async () => {
    const before = log.lines.length;
    const lead = await token('shape-lead-2', ['LEAD']);
    await server.gql(`query { cases(first: 1000) { totalCount } }`, {}, { token: lead });
    await server.gql(`query { cases(first: 1) { totalCount } }`);
    const lines = log.lines.slice(before).map((l) => JSON.parse(l) as { level: number; msg?: string });
    expect(lines.filter((l) => l.level >= 50), JSON.stringify(lines)).toEqual([]);
    expect(log.lines.slice(before).join('')).not.toMatch(/\n\s+at |\\n\s+at /);
  });
});
