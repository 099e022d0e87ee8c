// What every service call receives: who acts, the database, the clock, and where after-commit events go.
import type pg from 'pg';
import type { PrismaClient } from '../db/database.js';
import type { Category, QueueName, Role } from '../policy/index.js';
import type { CyberTipline } from './ncmec.js';
import type { PdqBankIndex } from '../matching/bank-index.js';
import type { CaseSnapshot } from './case-snapshot.js';
import type { AnalyticsAccess } from './analytics.js';

export type Actor =
  | { kind: 'USER'; id: string; name: string; roles: Role[] }
  | { kind: 'ANONYMOUS'; clientAddress: string }
  | { kind: 'SYSTEM'; id: string };

/** RESYNC carries no case: live delivery was interrupted (Redis was away), so the subscriber reloads the queue. */
export const QUEUE_EVENT_KINDS = ['ADDED', 'UPDATED', 'CLAIMED', 'RELEASED', 'RESOLVED', 'RESYNC'] as const;
export type QueueEventKind = (typeof QUEUE_EVENT_KINDS)[number];

/** Published after commit to subscribers of the queue and of the case. */
export interface QueueEvent {
  kind: QueueEventKind;
  queue: QueueName;
  caseId: string;
  /** The case's category once the change committed: who may see the event, decided without a read. */
  category: Category;
  at: string;
  /** When the transaction committed (ISO-8601, milliseconds): the start of delivery latency. */
  committedAt?: string;
  /** The case as the change committed it, less content references (src/services/case-snapshot.ts). */
  snapshot?: CaseSnapshot;
  /**
   * How many reviewer-access changes had committed before this change (AuditChainHead.accessGeneration): access read at
   * this generation or later is current for the event. Absent when unknown, and then access is read afresh.
   */
  accessGeneration?: number;
}

export interface EventSink {
  publish(event: QueueEvent): void;
}

export interface ServiceSettings {
  leaseMinutes: number;
  dailyExposureCap: number;
  /** Derives follow-up tokens and reporter keys; never logged or stored. */
  secret: string;
}

export interface ServiceContext {
  prisma: PrismaClient;
  /**
   * The pool under `prisma`, for the few hot paths written as one SQL statement on a driver connection (intake's
   * filing: src/services/intake-statement.ts). Without it those paths go through Prisma as every other unit does.
   */
  pool?: pg.Pool;
  /** Told the access generation each unit committed under, so access changed here counts here at once. */
  accessWatch?: { observe(generation: number): void };
  actor: Actor;
  requestId: string | null;
  now(): Date;
  events: EventSink;
  settings: ServiceSettings;
  /** NCMEC's reporting web service, or null when it is not configured (reports then wait, visibly unsent). */
  ncmec: CyberTipline | null;
  /** The in-memory PDQ index of the hash banks, shared by the instance. */
  hashBanks: PdqBankIndex;
  /** Analytics' own client, limits and admission; without it, analytics uses `prisma` and the default limits. */
  analytics?: AnalyticsAccess;
}

export const userOf = (actor: Actor) => (actor.kind === 'USER' ? actor : null);
