// Bearer tokens signed with JWT_SECRET (src/auth/jwt.ts): what is accepted and what is refused, and that a token
// accepted before is refused once it expires, and under another secret.
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authenticate, mintToken } from '../src/auth/jwt.js';

const SECRET = 'token-secret-0123456789-0123456789-abcdef';
const OTHER = 'other-secret-0123456789-0123456789-abcdef';
const bearer = (jwt: string) => `Bearer ${jwt}`;

afterEach(() => {
  vi.useRealTimers();
});

describe('authenticate', () => {
  it('accepts a token signed with the secret, again and again, with its subject, name, roles and expiry', async () => {
    const jwt = await mintToken(SECRET, { sub: 'reviewer-1', name: 'Reviewer one', roles: ['REVIEWER'] }, '1h');
    for (let i = 0; i < 3; i++) {
      const user = await authenticate(bearer(jwt), SECRET);
      expect(user).toMatchObject({ id: 'reviewer-1', name: 'Reviewer one', roles: ['REVIEWER'] });
      expect(user!.expiresAt).toBeGreaterThan(Date.now());
    }
  });

  it('refuses a token whose signature or payload was changed, or that another secret signed', async () => {
    const jwt = await mintToken(SECRET, { sub: 'reviewer-2', roles: ['REVIEWER'] }, '1h');
    await authenticate(bearer(jwt), SECRET);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(authenticate(bearer(`${header}.${payload}.${flipped}`), SECRET)).rejects.toThrow('Invalid token');
    const lead = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['LEAD'] })).toString('base64url');
    await expect(authenticate(bearer(`${header}.${lead}.${signature}`), SECRET)).rejects.toThrow('Invalid token');
    // Accepted under its own secret a moment ago; under another, refused.
    await expect(authenticate(bearer(jwt), OTHER)).rejects.toThrow('Invalid token');
    const forged = await mintToken(OTHER, { sub: 'reviewer-2', roles: ['LEAD'] }, '1h');
    await expect(authenticate(bearer(forged), SECRET)).rejects.toThrow('Invalid token');
  });

  it('refuses a token without an expiry, and one that is not yet valid', async () => {
    const key = new TextEncoder().encode(SECRET);
    const noExpiry = await new SignJWT({ roles: ['REVIEWER'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('reviewer-3').sign(key);
    await expect(authenticate(bearer(noExpiry), SECRET)).rejects.toThrow('Token was not issued for this service');
    const later = await new SignJWT({ roles: ['REVIEWER'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('reviewer-3').setNotBefore('1h').setExpirationTime('2h').sign(key);
    await expect(authenticate(bearer(later), SECRET)).rejects.toThrow('Token was not issued for this service');
  });

  it('refuses a token accepted before, from the second it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-29T12:00:00.000Z'));
    const jwt = await mintToken(SECRET, { sub: 'reviewer-4', roles: ['REVIEWER'] }, '60s');
    expect((await authenticate(bearer(jwt), SECRET))?.id).toBe('reviewer-4');
    vi.setSystemTime(new Date('2026-11-29T12:00:59.999Z'));
    expect((await authenticate(bearer(jwt), SECRET))?.id).toBe('reviewer-4');
    vi.setSystemTime(new Date('2026-11-29T12:01:00.000Z'));
    await expect(authenticate(bearer(jwt), SECRET)).rejects.toThrow('Token has expired');
    await expect(authenticate(bearer(jwt), SECRET)).rejects.toThrow('Token has expired');
  });

  it('refuses a token accepted before while the clock stands before its nbf (set back), as at first sight', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-29T12:00:00.000Z'));
    const key = new TextEncoder().encode(SECRET);
    const jwt = await new SignJWT({ roles: ['REVIEWER'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('reviewer-6').setNotBefore('10s').setExpirationTime('1h').sign(key);
    await expect(authenticate(bearer(jwt), SECRET)).rejects.toThrow('Token was not issued for this service');
    vi.setSystemTime(new Date('2026-11-29T12:00:10.000Z'));
    expect((await authenticate(bearer(jwt), SECRET))?.id).toBe('reviewer-6');
    vi.setSystemTime(new Date('2026-11-29T12:00:05.000Z'));
    await expect(authenticate(bearer(jwt), SECRET)).rejects.toThrow('Token was not issued for this service');
  });

  it('refuses a token accepted before once its lifetime exceeds the maximum asked for', async () => {
    const jwt = await mintToken(SECRET, { sub: 'reviewer-5', roles: ['REVIEWER'] }, '2h');
    expect((await authenticate(bearer(jwt), SECRET, { maxTtlSeconds: 3 * 3600 }))?.id).toBe('reviewer-5');
    await expect(authenticate(bearer(jwt), SECRET, { maxTtlSeconds: 3600 })).rejects.toThrow('Token lifetime exceeds the allowed maximum');
  });
});
