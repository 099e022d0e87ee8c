// GraphiQL works offline: the page and every asset it references come from this server, from installed packages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

/** The src and href attributes of a page, and the same-origin paths its scripts name as quoted strings. */
function references(html: string): string[] {
  const attributes = [...html.matchAll(/\s(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
  return attributes.filter((ref) => !ref.startsWith('data:'));
}

describe('GraphiQL', () => {
  it('serves the page and every asset it references from this server, all 200', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs|githubusercontent/);

    const origin = new URL(server.url).origin;
    const refs = references(html);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    const seen = new Set<string>();
    const queue = refs.map((ref) => new URL(ref, server.url));
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url.href)) continue;
      seen.add(url.href);
      expect(url.origin, `${url.href} is not same-origin`).toBe(origin);
      const res = await fetch(url);
      expect(res.status, url.href).toBe(200);
      const body = await res.text();
      expect(body.length, url.href).toBeGreaterThan(0);
      // The small scripts name further assets (the editor's workers) by path: load those too.
      if (/javascript/.test(res.headers.get('content-type') ?? '') && body.length < 20_000) {
        for (const m of body.matchAll(/["'](\/graphiql\/[^"']+)["']/g)) queue.push(new URL(m[1]!, server.url));
      }
    }
    const paths = [...seen].map((u) => new URL(u).pathname);
    expect(paths.some((p) => /graphiql\.js$/.test(p))).toBe(true);
    expect(paths.some((p) => /graphiql\.css$/.test(p))).toBe(true);
    expect(paths.filter((p) => /worker/.test(p)).length).toBe(3);
  });

  it('an unknown asset is a 404, and GraphQL over POST is unaffected', async () => {
    expect((await fetch(new URL('/graphiql/nothing.js', server.url))).status).toBe(404);
    const res = await server.gql('{ __typename }');
    expect(res.data).toEqual({ __typename: 'Query' });
  });

  it('is off in production', async () => {
    const production = await startServer({ NODE_ENV: 'production' }, server.database);
    try {
      const page = await fetch(production.url, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/graphiql/i);
      expect((await fetch(new URL('/graphiql/graphiql.js', production.url))).status).toBe(404);
    } finally {
      await production.app.stop();
    }
  });
});
