// Bearer tokens: HS256 JWTs signed with JWT_SECRET carrying sub, name, roles and exp.
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ROLES, type Role } from '../policy/index.js';
import type { AuthUser } from '../schema/context.js';

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

const ROLE_SET = new Set<string>(ROLES);
const keyCache = new Map<string, Uint8Array>();
const keyFor = (secret: string) => {
  let key = keyCache.get(secret);
  if (!key) keyCache.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
};

/** No header: anonymous (null). A header that is not a valid, unexpired token: AuthenticationError. */
export async function authenticate(authorization: string | null | undefined, secret: string, options: { maxTtlSeconds?: number } = {}): Promise<AuthUser | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization.trim());
  if (!match) throw new AuthenticationError('Malformed authorization header; expected "Bearer <JWT>"');
  try {
    const { payload } = await jwtVerify(match[1]!, keyFor(secret), { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
      throw new AuthenticationError('Token has no valid subject');
    }
    // A leaked token must not stay valid for years: `exp` may lie at most JWT_MAX_TTL ahead (a minute's clock skew allowed).
    if (options.maxTtlSeconds !== undefined && payload.exp! - Date.now() / 1000 > options.maxTtlSeconds + 60) {
      throw new AuthenticationError('Token lifetime exceeds the allowed maximum; request a shorter-lived token');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => typeof r === 'string' && ROLE_SET.has(r)) : [];
    const name = typeof payload.name === 'string' && payload.name ? payload.name.slice(0, 200) : payload.sub;
    return { id: payload.sub, name, roles: [...new Set(roles)] };
  } catch (error) {
    if (error instanceof AuthenticationError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('Token has expired');
    throw new AuthenticationError('Invalid token');
  }
}

export async function mintToken(secret: string, claims: { sub: string; name?: string; roles: Role[] }, expiresIn = '8h'): Promise<string> {
  return new SignJWT({ name: claims.name ?? claims.sub, roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(keyFor(secret));
}
