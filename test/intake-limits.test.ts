// The intake limiter when Redis fails: an in-memory limiter with the same limits stands in, so a flood is still refused
// and nothing else breaks. Redis's failure is real: a Redis endpoint where nothing listens, and (in the Redis pass) a
// real Redis behind a TCP relay that this test cuts.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIntakeLimiter } from '../src/limits/intake.js';
import { RateLimitedError } from '../src/services/errors.js';

const prefix = () => `test-${randomBytes(4).toString('hex')}:`;

/** Consumes until refused (at most `max` times); returns how many were let through and the refusal. */
async function flood(consume: () => Promise<void>, max: number) {
  let passed = 0;
  for (let i = 0; i < max; i++) {
    try {
      await consume();
      passed += 1;
    } catch (error) {
      return { passed, error };
    }
  }
  return { passed, error: undefined };
}

/** A free loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('intake limits when Redis fails', () => {
  it('with Redis unreachable, the in-memory limiter applies the same per-client and global limits', async () => {
    const rejected: string[] = [];
    const limiter = createIntakeLimiter({
      perClientPerMinute: 3,
      globalPerMinute: 5,
      redisUrl: `redis://127.0.0.1:${await deadPort()}`,
      keyPrefix: prefix(),
      onRejected: (scope) => rejected.push(scope),
    });
    try {
      const a = await flood(() => limiter.consume('address:192.0.2.1'), 10);
      expect(a.passed).toBe(3);
      expect(a.error).toBeInstanceOf(RateLimitedError);
      expect((a.error as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      // Another address gets through until everyone together reaches the global limit (5: 3 counted above + 2).
      const b = await flood(() => limiter.consume('address:192.0.2.2'), 10);
      expect(b.passed).toBe(2);
      expect(b.error).toBeInstanceOf(RateLimitedError);
      expect((b.error as Error).message).toMatch(/too many reports/i);
      expect(rejected).toEqual(['client', 'global']);
    } finally {
      await limiter.close();
    }
  }, 60_000);

  it.runIf(process.env.REDIS_URL)('counts in Redis while it answers, and keeps limiting after the connection to Redis is cut', async () => {
    const target = new URL(process.env.REDIS_URL!);
    const sockets = new Set<Socket>();
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const { port } = relay.address() as { port: number };
    const keyPrefix = prefix();
    const limiter = createIntakeLimiter({ perClientPerMinute: 4, globalPerMinute: 1000, redisUrl: `redis://127.0.0.1:${port}`, keyPrefix });
    await limiter.ready(5_000);
    try {
      await limiter.consume('address:198.51.100.1');
      await limiter.consume('address:198.51.100.1');
      // The counts are in Redis.
      const { Redis } = await import('ioredis');
      const direct = new Redis(process.env.REDIS_URL!);
      try {
        expect(await direct.keys(`${keyPrefix}*`)).not.toHaveLength(0);
      } finally {
        direct.disconnect();
      }
      // Redis goes away: the relay stops and every connection through it is cut.
      await new Promise<void>((r) => {
        relay.close(() => r());
        for (const s of sockets) s.destroy();
      });
      // The stand-in limiter counts afresh in memory, with the same limit: 4 more pass, the 5th is refused.
      const after = await flood(() => limiter.consume('address:198.51.100.1'), 10);
      expect(after.passed).toBe(4);
      expect(after.error).toBeInstanceOf(RateLimitedError);
    } finally {
      await limiter.close();
      relay.close();
    }
  }, 60_000);
});
