// Who may read /metrics: nobody on the public port by default; a port of its own on loopback; a bearer token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { freshDatabase, hex, startServer, type TestDatabase, type TestServer } from './support/harness.js';

const publicMetrics = (server: TestServer, headers: Record<string, string> = {}) => fetch(server.url.replace('/graphql', '/metrics'), { headers });

describe('/metrics access', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database?.drop());

  it('is not served on the public port by default', async () => {
    const server = await startServer({}, database);
    try {
      const res = await publicMetrics(server);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/queue_open_cases|queue_cases_breaching_sla/);
      expect(server.app.metricsUrl()).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('METRICS_PORT serves it on a port of its own, bound to 127.0.0.1 by default; the public port still refuses it', async () => {
    const server = await startServer({ METRICS_PORT: '0' }, database);
    try {
      const url = server.app.metricsUrl()!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(url).port).not.toBe(new URL(server.url).port);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^queue_open_cases\{queue="MINOR_PHYSICAL_ALTERCATION"\} \d+$/m);
      // Nothing else lives on the metrics port.
      expect((await fetch(url.replace('/metrics', '/graphql'))).status).toBe(404);
      expect((await publicMetrics(server)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('METRICS_TOKEN requires the bearer token, on the public port and on the metrics port', async () => {
    const secret = hex(24);
    const server = await startServer({ METRICS_PORT: '0', METRICS_TOKEN: secret }, database);
    try {
      for (const url of [server.url.replace('/graphql', '/metrics'), server.app.metricsUrl()!]) {
        expect((await fetch(url)).status).toBe(401);
        expect((await fetch(url, { headers: { authorization: `Bearer ${hex(24)}` } })).status).toBe(401);
        expect((await fetch(url, { headers: { authorization: secret } })).status).toBe(401);
        const ok = await fetch(url, { headers: { authorization: `Bearer ${secret}` } });
        expect(ok.status).toBe(200);
        expect(await ok.text()).toMatch(/^graphql_active_subscriptions \d+$/m);
      }
    } finally {
      await server.close();
    }
  });

  it('validates the settings', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 32 characters/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
    expect(loadConfig({}).METRICS_HOST).toBe('127.0.0.1');
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
  });
});
