// The context factory: who is calling (bearer token from the Authorization header, or graphql-ws connectionParams),
// with the access an admin withdrew applied at once; the anonymous caller's address; and the per-request services.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Live } from './live/pubsub.js';
import type { Metrics } from './metrics.js';
import { AuthenticationError, authenticate } from './auth/jwt.js';
import type { IdentityProvider } from './auth/provider.js';
import { createLoaders, type GraphQLContext } from './schema/context.js';
import type { Actor, ServiceContext } from './services/context.js';
import { RateLimitedError } from './services/errors.js';
import { effectiveRoles, type ReviewerRecords } from './services/reviewers.js';
import type { IntakeLimiter } from './limits/intake.js';
import { currentRequestId } from './request-id.js';

/** What the transports (node:http, graphql-ws) pass to yoga with each request or operation. */
export interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  connectionParams?: Record<string, unknown>;
  clientAddress?: string;
  /** What resolvers tell the HTTP layer: a rate-limited intake becomes a 429 with Retry-After (src/plugins/retry-after.ts). */
  transport?: { retryAfterSeconds?: number };
}

export interface ContextDependencies {
  config: Pick<Config, 'JWT_SECRET' | 'JWT_MAX_TTL'>;
  db: Database;
  live: Live;
  metrics: Metrics;
  identityProvider: IdentityProvider | undefined;
  intakeLimiter: IntakeLimiter;
  serviceContext(actor: Actor, requestId: string | null): ServiceContext;
  /** Reviewer records, read once per access generation. */
  reviewers: ReviewerRecords;
}

export function createContextFactory(deps: ContextDependencies) {
  const { config, db, live, metrics, identityProvider, intakeLimiter, serviceContext, reviewers } = deps;
  return async ({ request, req, connectionParams, clientAddress, transport }: YogaInitialContext & ServerContext): Promise<GraphQLContext> => {
    const requestId = currentRequestId() ?? randomUUID();
    const fromParams = connectionParams?.authorization;
    if (fromParams !== undefined && fromParams !== null && typeof fromParams !== 'string') {
      throw new AuthenticationError('Malformed authorization; connectionParams.authorization must be the string "Bearer <JWT>"');
    }
    const header = fromParams ?? request?.headers.get('authorization');
    const token = await authenticate(header, config.JWT_SECRET, { maxTtlSeconds: config.JWT_MAX_TTL, provider: identityProvider });
    let user = token;
    if (token) {
      // Access an admin withdrew applies at once, however long the token is still valid.
      const access = await reviewers.ensure(token);
      if (access.suspended) throw new AuthenticationError('Your access has been suspended');
      user = { ...token, roles: effectiveRoles(token.roles, access) };
    }
    const actor: Actor = user
      ? { kind: 'USER', ...user }
      : { kind: 'ANONYMOUS', clientAddress: clientAddress ?? req?.socket.remoteAddress ?? 'unknown' };
    const limitIntake = async () => {
      try {
        await intakeLimiter.consume(user ? `user:${user.id}` : `address:${(actor as { clientAddress: string }).clientAddress}`);
      } catch (error) {
        if (error instanceof RateLimitedError && transport) transport.retryAfterSeconds = error.retryAfterSeconds;
        throw error;
      }
    };
    return { prisma: db.prisma, user, actor, requestId, services: serviceContext(actor, requestId), pubsub: live.pubsub, loaders: createLoaders(db.prisma), metrics, limitIntake };
  };
}

/** The socket's peer, or with TRUST_PROXY_HOPS set, the address that many proxies back in X-Forwarded-For. */
export function clientAddressOf(trustProxyHops: number | undefined) {
  return (req: IncomingMessage): string => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    if (!trustProxyHops) return peer;
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return forwarded[forwarded.length - trustProxyHops] ?? forwarded[0] ?? peer;
  };
}
