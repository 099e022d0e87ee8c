// Tokens from the organisation's identity provider: RS256/ES256 JWTs verified against its JWKS URL (jose's remote key
// set caches the keys, refetches them when the cache ages out or a token names an unknown key id, and so follows the
// provider's rotations), with issuer and audience checked. Roles come from a configurable claim, optionally through a
// map from the provider's group names to the roles here; anything unmapped grants nothing.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, type Role } from '../policy/index.js';

export interface IdentityProviderOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The claim holding roles or groups; dots reach into nested objects (e.g. `realm_access.roles`). */
  rolesClaim: string;
  /** Group name → roles. Without a map, claim values that are role names are the roles. */
  rolesMap?: Record<string, Role[]> | undefined;
  cacheSeconds: number;
}

export interface IdentityProvider {
  verify(jwt: string): Promise<JWTPayload>;
  roles(payload: JWTPayload): Role[];
}

const ROLE_SET = new Set<string>(ROLES);

export function createIdentityProvider(options: IdentityProviderOptions): IdentityProvider {
  const cacheMs = options.cacheSeconds * 1000;
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: cacheMs,
    // An unknown key id refetches at most this often, so forged key ids cannot hammer the provider.
    cooldownDuration: Math.min(30_000, cacheMs),
    timeoutDuration: 5_000,
  });
  const path = options.rolesClaim.split('.');
  return {
    async verify(jwt) {
      const { payload } = await jwtVerify(jwt, keys, {
        algorithms: ['RS256', 'ES256'],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['sub', 'exp'],
      });
      return payload;
    },
    roles(payload) {
      let value: unknown = payload;
      for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      // Providers send either a list or one space-separated string (like OAuth's `scope`).
      const names = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/\s+/) : [];
      const roles = options.rolesMap
        ? names.flatMap((name) => (Object.hasOwn(options.rolesMap!, name) ? options.rolesMap![name]! : []))
        : names.filter((name): name is Role => ROLE_SET.has(name));
      return [...new Set(roles)];
    },
  };
}
