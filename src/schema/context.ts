// The per-request GraphQL context. Built by the server for HTTP and WebSocket operations alike.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../db/database.js';
import type { AuditEvent } from '../generated/prisma/client.js';
import type { Category, Role } from '../policy/index.js';
import type { Actor, ServiceContext } from '../services/context.js';
import type { LivePubSub } from '../live/pubsub.js';
import type { Metrics } from '../metrics.js';
import type { SharedLive } from '../live/fanout.js';

export interface AuthUser {
  id: string;
  name: string;
  roles: Role[];
  /** When the bearer token expires (ms since the epoch): live streams opened with it end then (src/live/expiry.ts). */
  expiresAt?: number;
}

export interface GraphQLContext {
  prisma: PrismaClient;
  user: AuthUser | null;
  actor: Actor;
  requestId: string;
  /** The service context for this request: same actor, request id and database. */
  services: ServiceContext;
  pubsub: LivePubSub;
  loaders: Loaders;
  metrics: Metrics;
  /** Counts one report against the intake rate limits for this caller; throws RateLimitedError. */
  limitIntake(): Promise<void>;
  /**
   * Set on the context of a subscription executed once for a group of WebSocket subscribers (src/live/fanout.ts):
   * the group checks each member's access, so the subscription itself does not.
   */
  sharedLive?: SharedLive;
}

export interface Loaders {
  reviewerName: DataLoader<string, string | null>;
  auditTrail: DataLoader<string, AuditEvent[]>;
  /** The category of each case asked about (null when none): what an audit event naming another case needs. */
  caseCategory: DataLoader<string, Category | null>;
}

/** Fresh per request (and per subscription event), so nothing stale outlives the operation that loaded it. */
export function createLoaders(prisma: PrismaClient): Loaders {
  return {
    reviewerName: new DataLoader(async (ids) => {
      const rows = await prisma.reviewer.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
      const names = new Map(rows.map((r) => [r.id, r.name]));
      return ids.map((id) => names.get(id) ?? null);
    }),
    auditTrail: new DataLoader(async (caseIds) => {
      const events = await prisma.auditEvent.findMany({ where: { caseId: { in: [...caseIds] } }, orderBy: { seq: 'asc' } });
      const byCase = new Map<string, AuditEvent[]>(caseIds.map((id) => [id, []]));
      for (const event of events) byCase.get(event.caseId!)?.push(event);
      return caseIds.map((id) => byCase.get(id)!);
    }),
    caseCategory: new DataLoader(async (caseIds) => {
      const rows = await prisma.case.findMany({ where: { id: { in: [...caseIds] } }, select: { id: true, category: true } });
      const categories = new Map(rows.map((r) => [r.id, r.category]));
      return caseIds.map((id) => categories.get(id) ?? null);
    }),
  };
}
