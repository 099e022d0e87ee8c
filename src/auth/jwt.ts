// Bearer tokens: HS256 JWTs signed with JWT_SECRET carrying sub, name, roles and exp; or, with an identity provider
// configured (src/auth/provider.ts), only that provider's RS256/ES256 tokens.
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import type { IdentityProvider } from './provider.js';
import { ROLES, type Role } from '../policy/index.js';
import type { AuthUser } from '../schema/context.js';

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

const ROLE_SET = new Set<string>(ROLES);
/**
 * The HMAC key of each secret, imported once: given the secret's bytes, jose imports a key for every token it signs or
 * verifies (a WebCrypto import per request).
 */
const keyCache = new Map<string, Promise<CryptoKey>>();
const keyFor = (secret: string) => {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keyCache.set(secret, key);
  }
  return key;
};

/**
 * Tokens this secret verified, by their text, each kept until its `exp`: a reviewer's client sends the same token with
 * every request for hours, and its signature and claims give the same answer every time until it expires. A kept token
 * is answered only while `exp` lies ahead and `nbf` (if any) is past, jose's tests (refused from the second of `exp`);
 * otherwise it is verified again, and jose answers. Only tokens that verified are kept, at most VERIFIED_MAX per secret, the oldest dropped
 * first. What a token grants is decided after this, at every request (the reviewer record, src/context.ts), so a
 * suspension or a withdrawn role applies to a kept token as to a new one. Tokens of an identity provider are not kept:
 * its key set may rotate a key out before its tokens expire.
 */
const VERIFIED_MAX = 10_000;
const verifiedCache = new Map<string, Map<string, Readonly<JWTPayload>>>();

async function verifyWithSecret(jwt: string, secret: string): Promise<Readonly<JWTPayload>> {
  let verified = verifiedCache.get(secret);
  if (!verified) verifiedCache.set(secret, (verified = new Map()));
  const kept = verified.get(jwt);
  const now = Math.floor(Date.now() / 1000);
  if (kept && kept.exp! > now && (kept.nbf === undefined || kept.nbf <= now)) return kept;
  verified.delete(jwt);
  const { payload } = await jwtVerify(jwt, await keyFor(secret), { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  if (Array.isArray(payload.roles)) Object.freeze(payload.roles);
  verified.set(jwt, Object.freeze(payload));
  return payload;
}

/** No header: anonymous (null). A header that is not a valid, unexpired token: AuthenticationError. */
export async function authenticate(
  authorization: string | null | undefined,
  secret: string,
  options: { maxTtlSeconds?: number; provider?: IdentityProvider | undefined } = {},
): Promise<AuthUser | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization.trim());
  if (!match) throw new AuthenticationError('Malformed authorization header; expected "Bearer <JWT>"');
  try {
    const { provider } = options;
    const payload = provider ? await provider.verify(match[1]!) : await verifyWithSecret(match[1]!, secret);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
      throw new AuthenticationError('Token has no valid subject');
    }
    // A leaked token must not stay valid for years: `exp` may lie at most JWT_MAX_TTL ahead (a minute's clock skew allowed).
    if (options.maxTtlSeconds !== undefined && payload.exp! - Date.now() / 1000 > options.maxTtlSeconds + 60) {
      throw new AuthenticationError('Token lifetime exceeds the allowed maximum; request a shorter-lived token');
    }
    const roles = provider
      ? provider.roles(payload)
      : Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is Role => typeof r === 'string' && ROLE_SET.has(r))
        : [];
    const name = typeof payload.name === 'string' && payload.name ? payload.name.slice(0, 200) : payload.sub;
    return { id: payload.sub, name, roles: [...new Set(roles)], expiresAt: payload.exp! * 1000 };
  } catch (error) {
    if (error instanceof AuthenticationError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('Token has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new AuthenticationError('Token was not issued for this service');
    if (error instanceof joseErrors.JWKSTimeout || (error instanceof TypeError && options.provider)) {
      throw new AuthenticationError('Cannot verify the token: the identity provider is unreachable');
    }
    throw new AuthenticationError('Invalid token');
  }
}

export async function mintToken(secret: string, claims: { sub: string; name?: string; roles: Role[] }, expiresIn = '8h'): Promise<string> {
  return new SignJWT({ name: claims.name ?? claims.sub, roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(await keyFor(secret));
}
