// Identity from the organisation's provider: RS256/ES256 tokens verified against a JWKS URL served by a real local HTTP
// server of this test's own, with issuer and audience checked, keys cached and picked up again when the provider
// rotates them, and roles read from a configurable claim through a group → role map.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { loadConfig } from '../src/config.js';
import { startServer, token as hsToken, type TestServer } from './support/harness.js';

const ISSUER = 'https://id.example.test/tenant-1';
const AUDIENCE = 'child-safety-cases';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** The provider's key-set endpoint: serves whichever keys are published now, and counts the fetches. */
class JwksServer {
  published: SigningKey[] = [];
  fetches = 0;
  private server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    this.fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: this.published.map((k) => k.jwk) }));
  });
  url = '';
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function providerToken(key: SigningKey, claims: Record<string, unknown>, options: { issuer?: string; audience?: string; sub?: string; expires?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject(options.sub ?? 'idp-user-1')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '10m')
    .sign(key.privateKey);
}

const ME = '{ me { id name roles } }';

describe('identity provider (JWKS)', () => {
  const jwks = new JwksServer();
  let server: TestServer;
  let rsa: SigningKey;
  let ec: SigningKey;

  beforeAll(async () => {
    rsa = await signingKey('rsa-1', 'RS256');
    ec = await signingKey('ec-1', 'ES256');
    jwks.published = [rsa, ec];
    await jwks.start();
    server = await startServer({
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLES_CLAIM: 'groups',
      JWT_ROLES_MAP: JSON.stringify({ 'cs-leads': 'LEAD', 'cs-specialists': ['REVIEWER', 'CHILD_SAFETY_SPECIALIST'] }),
      JWT_JWKS_CACHE_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await server?.close();
    await jwks.stop();
  });

  it('accepts RS256 and ES256 tokens from the provider, roles mapped from the groups claim', async () => {
    const lead = await server.gql(ME, {}, { token: await providerToken(rsa, { name: 'Lead One', groups: ['cs-leads', 'everyone'] }) });
    expect(lead.errors).toBeUndefined();
    expect(lead.data.me).toEqual({ id: 'idp-user-1', name: 'Lead One', roles: ['LEAD'] });
    const specialist = await server.gql(ME, {}, { token: await providerToken(ec, { groups: ['cs-specialists'] }, { sub: 'idp-user-2' }) });
    expect(specialist.errors).toBeUndefined();
    expect(specialist.data.me.roles.sort()).toEqual(['CHILD_SAFETY_SPECIALIST', 'REVIEWER']);
  });

  it('an unmapped group, or a role name the provider put in the claim, grants nothing', async () => {
    const res = await server.gql(ME, {}, { token: await providerToken(rsa, { groups: ['everyone', 'ADMIN'] }, { sub: 'idp-user-3' }) });
    expect(res.errors).toBeUndefined();
    expect(res.data.me.roles).toEqual([]);
  });

  it('caches the key set rather than fetching it per request', async () => {
    const before = jwks.fetches;
    const t = await providerToken(rsa, { groups: ['cs-leads'] });
    await Promise.all(Array.from({ length: 5 }, () => server.gql(ME, {}, { token: t })));
    expect(jwks.fetches - before).toBeLessThanOrEqual(1);
  });

  it('refuses a token from the wrong issuer, for another audience, or signed by a key the provider never published', async () => {
    const wrongIssuer = await server.gql(ME, {}, { token: await providerToken(rsa, { groups: ['cs-leads'] }, { issuer: 'https://evil.example.test/' }) });
    expect(wrongIssuer.status).toBe(401);
    expect(wrongIssuer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrongIssuer.data?.me ?? null).toBeNull();

    const wrongAudience = await server.gql(ME, {}, { token: await providerToken(rsa, { groups: ['cs-leads'] }, { audience: 'another-app' }) });
    expect(wrongAudience.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const stranger = await signingKey('rsa-1', 'RS256'); // same kid, different key
    const forged = await server.gql(ME, {}, { token: await providerToken(stranger, { groups: ['cs-leads'] }) });
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses shared-secret (HS256) tokens once a provider is configured', async () => {
    const res = await server.gql(ME, {}, { token: await hsToken('hs-user', ['ADMIN']) });
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('follows a key rotation: the new key is fetched and accepted, the retired key is refused', async () => {
    const next = await signingKey('rsa-2', 'RS256');
    jwks.published = [next, ec];
    await new Promise((r) => setTimeout(r, 1_200)); // the cache's age limit (JWT_JWKS_CACHE_SECONDS=1)
    const before = jwks.fetches;
    const rotated = await server.gql(ME, {}, { token: await providerToken(next, { groups: ['cs-leads'] }) });
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data.me.roles).toEqual(['LEAD']);
    expect(jwks.fetches).toBeGreaterThan(before);
    await new Promise((r) => setTimeout(r, 1_200));
    const retired = await server.gql(ME, {}, { token: await providerToken(rsa, { groups: ['cs-leads'] }) });
    expect(retired.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('the same rules apply over graphql-ws', async () => {
    const { createClient } = await import('graphql-ws');
    const { WebSocket } = await import('ws');
    const ask = async (authorization: string) => {
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization }, retryAttempts: 0, lazy: true });
      try {
        return await new Promise<{ data?: any; errors?: any[] }>((resolve, reject) => {
          let result: { data?: any; errors?: any[] } = {};
          client.subscribe({ query: ME }, { next: (r) => (result = r as never), error: (e) => (Array.isArray(e) ? resolve({ errors: e }) : reject(e)), complete: () => resolve(result) });
        });
      } finally {
        await client.dispose();
      }
    };
    const ok = await ask(`Bearer ${await providerToken(ec, { groups: ['cs-leads'] })}`);
    expect(ok.data?.me?.roles).toEqual(['LEAD']);
    const bad = await ask(`Bearer ${await providerToken(ec, { groups: ['cs-leads'] }, { issuer: 'https://evil.example.test/' })}`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('configuration', () => {
  const strong = 'a-production-secret-of-more-than-32-characters';
  it('production refuses to start with neither a JWKS URL nor a strong secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET|JWT_JWKS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong }).JWT_SECRET).toBe(strong);
    const provider = { JWT_JWKS_URL: 'https://id.example.test/jwks.json', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };
    expect(loadConfig({ NODE_ENV: 'production', ...provider, JWT_SECRET: strong }).JWT_JWKS_URL).toBe(provider.JWT_JWKS_URL);
    // With a provider, the secret still keys follow-up tokens and reporter pseudonyms, so it must still be strong.
    expect(() => loadConfig({ NODE_ENV: 'production', ...provider })).toThrow(/JWT_SECRET/);
  });
  it('a JWKS URL needs an issuer and an audience, and a roles map must name real roles', () => {
    const base = { JWT_JWKS_URL: 'https://id.example.test/jwks.json' };
    expect(() => loadConfig({ ...base, JWT_AUDIENCE: AUDIENCE })).toThrow(/JWT_ISSUER/);
    expect(() => loadConfig({ ...base, JWT_ISSUER: ISSUER })).toThrow(/JWT_AUDIENCE/);
    expect(() => loadConfig({ ...base, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_ROLES_MAP: '{"g":"EMPEROR"}' })).toThrow(/JWT_ROLES_MAP/);
    expect(() => loadConfig({ ...base, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_ROLES_MAP: 'not json' })).toThrow(/JWT_ROLES_MAP/);
    expect(() => loadConfig({ JWT_JWKS_URL: 'ftp://x' })).toThrow(/JWT_JWKS_URL/);
    const ok = loadConfig({ ...base, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_ROLES_MAP: '{"g":"LEAD"}' });
    expect(ok.JWT_ROLES_MAP).toEqual({ g: ['LEAD'] });
  });
});
