// Bearer tokens: HS256 JWTs signed with JWT_SECRET carrying sub, name, roles and exp; or, with an identity provider
// configured (src/auth/provider.ts), only that provider's RS256/ES256 tokens.
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
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
    const payload = provider
      ? await provider.verify(match[1]!)
      : (await jwtVerify(match[1]!, await keyFor(secret), { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] })).payload;
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
