// Rate limits for report intake, per client (address, or user for authenticated callers) and for everyone together,
// so a flood from one address is refused while others still get through, and no flood can swamp the database.
// Counters live in Redis when REDIS_URL is set (shared by every instance), in memory otherwise. If Redis fails, an
// in-memory limiter with the same limits stands in (rate-limiter-flexible's insurance limiter).
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from '../services/errors.js';

export interface IntakeLimitOptions {
  perClientPerMinute: number;
  globalPerMinute: number;
  redisUrl?: string | undefined;
  /** Namespaces the Redis keys (REDIS_KEY_PREFIX). */
  keyPrefix: string;
  onRejected?(scope: 'client' | 'global'): void;
}

export interface IntakeLimiter {
  /** Counts one report from `client`; throws RateLimitedError when a limit is reached. */
  consume(client: string): Promise<void>;
  /**
   * Resolves once the shared counters are reachable, or after `timeoutMs` when Redis is away (the in-memory limiter
   * stands in). Without it, reports that arrive before the first connection count in memory and later ones in Redis,
   * and neither count alone reaches the limit.
   */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createIntakeLimiter(options: IntakeLimitOptions): IntakeLimiter {
  let redis: Redis | undefined;
  const make = (points: number, keyPrefix: string): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ points, duration: 60, keyPrefix });
    if (!redis) return memory;
    return new RateLimiterRedis({ storeClient: redis, points, duration: 60, keyPrefix, insuranceLimiter: memory });
  };
  if (options.redisUrl) {
    // No offline queue: while Redis is away a count fails at once and the in-memory limiter answers, without waiting.
    redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => {});
  }
  const perClient = make(options.perClientPerMinute, `${options.keyPrefix}intake:client`);
  const global = make(options.globalPerMinute, `${options.keyPrefix}intake:global`);

  async function take(limiter: RateLimiterAbstract, key: string, scope: 'client' | 'global') {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      options.onRejected?.(scope);
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new RateLimitedError(
        seconds,
        scope === 'client'
          ? `Too many reports from this address; try again in ${seconds} seconds`
          : `The report service is receiving too many reports; try again in ${seconds} seconds`,
      );
    }
  }

  return {
    async consume(client) {
      await take(perClient, client, 'client');
      await take(global, 'all', 'global');
    },
    async ready(timeoutMs) {
      if (!redis || redis.status === 'ready') return;
      const connection = redis;
      let timer: NodeJS.Timeout | undefined;
      let onReady: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        onReady = resolve;
        connection.once('ready', resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      connection.off('ready', onReady!);
    },
    async close() {
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}
