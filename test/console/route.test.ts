// The reviewer console is served by the same server at /console, offline: the page and every module it loads come
// from this server (the repository's console/ folder and installed packages), under a strict Content-Security-Policy.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let origin: string;
beforeAll(async () => {
  server = await startServer();
  origin = new URL(server.url).origin;
});
afterAll(() => server?.close());

/** Static and dynamic import specifiers of an ES module. */
const importsOf = (js: string) => [
  ...[...js.matchAll(/(?:^|[\s;}])(?:import|export)\s*[^'"`;]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]!),
  ...[...js.matchAll(/(?:^|[\s;}])import\s*["']([^"']+)["']/g)].map((m) => m[1]!),
];

describe('/console', () => {
  it('serves the page with a strict CSP: no inline script but the import map, allowed by its hash', async () => {
    const res = await fetch(`${origin}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).not.toContain("'unsafe-inline'");
    expect(directives['script-src']).not.toContain("'unsafe-eval'");
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const html = await res.text();
    const inline = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => m[2]!.trim() !== '');
    expect(inline.map((m) => m[1]!.trim())).toEqual(['type="importmap"']);
    const hash = `'sha256-${createHash('sha256').update(inline[0]![2]!).digest('base64')}'`;
    expect(directives['script-src']).toEqual(["'self'", hash]);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('allows revealed media from no other host unless CONSOLE_MEDIA_ORIGINS names it', async () => {
    const directivesOf = (res: Response) =>
      Object.fromEntries((res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    // Unset: only this origin (no https: wildcard), and the page tells the console so.
    const plain = await fetch(`${origin}/console`);
    expect(directivesOf(plain)['img-src']).toEqual(["'self'"]);
    expect(directivesOf(plain)['media-src']).toEqual(["'self'"]);
    expect(await plain.text()).toContain('<meta name="console-media-origins" content="" />');

    const configured = await startServer({ CONSOLE_MEDIA_ORIGINS: ' https://media.example.test, https://cdn.example.test:8443/ ,' }, server.database);
    try {
      const res = await fetch(new URL('/console', configured.url));
      const directives = directivesOf(res);
      expect(directives['img-src']).toEqual(["'self'", 'https://media.example.test', 'https://cdn.example.test:8443']);
      expect(directives['media-src']).toEqual(["'self'", 'https://media.example.test', 'https://cdn.example.test:8443']);
      expect(directives['connect-src']).toEqual(["'self'"]);
      expect(await res.text()).toContain('<meta name="console-media-origins" content="https://media.example.test https://cdn.example.test:8443" />');
    } finally {
      await configured.close();
    }

    // Anything but bare https origins (plain http only for loopback) is refused at start, naming the variable.
    for (const bad of ['http://media.example.test', 'https:', '*', "https://media.example.test; script-src 'unsafe-inline'", 'https://media.example.test/path', 'https://user@media.example.test', 'ftp://media.example.test']) {
      expect(() => loadConfig({ CONSOLE_MEDIA_ORIGINS: bad }), bad).toThrow(/^Invalid configuration: CONSOLE_MEDIA_ORIGINS /);
    }
    expect(loadConfig({ CONSOLE_MEDIA_ORIGINS: 'http://127.0.0.1:9000' }).CONSOLE_MEDIA_ORIGINS).toEqual(['http://127.0.0.1:9000']);
    expect(loadConfig({}).CONSOLE_MEDIA_ORIGINS).toEqual([]);
  });

  it('every module the page loads, transitively, comes from this server as JavaScript', async () => {
    const html = await (await fetch(`${origin}/console`)).text();
    const map = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(html)![1]!) as { imports: Record<string, string> };
    const resolve = (spec: string, base: string) => (spec in map.imports ? new URL(map.imports[spec]!, origin) : new URL(spec, base));
    const start = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, origin));
    expect(start.map((u) => u.pathname).sort()).toEqual(['/console/assets/console.css', '/console/assets/favicon.svg', '/console/assets/main.js']);
    const seen = new Set<string>();
    const queue = [...start];
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url.href)) continue;
      seen.add(url.href);
      expect(url.origin, url.href).toBe(origin);
      const res = await fetch(url);
      expect(res.status, url.href).toBe(200);
      const body = await res.text();
      if (url.pathname.endsWith('.svg')) {
        expect(res.headers.get('content-type')).toBe('image/svg+xml');
        continue;
      }
      if (url.pathname.endsWith('.css')) {
        expect(res.headers.get('content-type')).toMatch(/^text\/css/);
        expect(body, url.href).not.toMatch(/@import|url\(\s*['"]?https?:/);
        continue;
      }
      expect(res.headers.get('content-type'), url.href).toMatch(/^text\/javascript/);
      for (const spec of importsOf(body)) queue.push(resolve(spec, url.href));
    }
    const paths = [...seen].map((u) => new URL(u).pathname);
    for (const vendor of ['preact.js', 'preact-hooks.js', 'htm.js', 'graphql-ws/client.js']) expect(paths).toContain(`/console/vendor/${vendor}`);
    expect(paths.some((p) => /\/console\/vendor\/graphql-ws\/common-/.test(p))).toBe(true);
  });

  it('anything else under /console is a 404, never a file outside the served folders', async () => {
    for (const path of ['/console/assets/nothing.js', '/console/vendor/preact.mjs', '/console/assets/..%2F..%2Fpackage.json', '/console/vendor/graphql-ws/server-zBhvXJ_Z.js', '/console/other']) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status, path).toBe(404);
    }
    const post = await fetch(`${origin}/console`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(404);
  });

  it('the server\'s root sends a browser to the console; other methods and paths are untouched', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`${origin}/`, { method, redirect: 'manual' });
      expect(res.status, method).toBe(302);
      expect(res.headers.get('location'), method).toBe('/console');
    }
    const withQuery = await fetch(`${origin}/?x=1`, { redirect: 'manual' });
    expect(withQuery.status).toBe(302);
    expect((await fetch(`${origin}/`, { method: 'POST', body: 'x', redirect: 'manual' })).status).not.toBe(302);
    expect((await fetch(`${origin}/elsewhere`, { redirect: 'manual' })).status).toBe(404);
  });

  it('is served in production too, and GraphQL is unaffected', async () => {
    const production = await startServer({ NODE_ENV: 'production' }, server.database);
    try {
      const res = await fetch(new URL('/console', production.url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    } finally {
      await production.close();
    }
    expect((await server.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});
