// Configuration from the environment, validated once at start. A bad value is one clear line naming the variable.
import { z } from 'zod';

const DEV_JWT_SECRET = 'development-only-secret-change-me-0123456789';

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number({ message: 'must be a port number from 0 to 65535' }).int('must be a whole number').min(0, 'must be from 0 to 65535').max(65535, 'must be from 0 to 65535').default(4000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, 'must be 1-64 letters, digits or : . - _').default('child-safety:'),
    JWT_SECRET: z.string().min(1).default(DEV_JWT_SECRET),
    /** Tokens whose `exp` lies further ahead than this are refused: seconds, or a number with s, m, h or d. */
    JWT_MAX_TTL: z
      .string()
      .regex(/^\d{1,9}[smhd]?$/, 'must be a duration such as 900, 30m, 24h or 7d')
      .default('24h')
      .transform((v) => Number.parseInt(v, 10) * ({ s: 1, m: 60, h: 3600, d: 86400 }[v.at(-1)!] ?? 1))
      .refine((v) => v >= 60, 'must be at least a minute'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LEASE_MINUTES: z.coerce.number().int().min(1).max(240).default(10),
    LEASE_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(15_000),
    DAILY_EXPOSURE_CAP: z.coerce.number().int().min(0).max(1000).default(40),
    INTAKE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
    INTAKE_LIMIT_GLOBAL: z.coerce.number().int().min(1).default(1200),
    /** /metrics on a port of its own (0: any free port), bound to METRICS_HOST; unset, no metrics port. */
    METRICS_PORT: z.coerce.number({ message: 'must be a port number from 0 to 65535' }).int('must be a whole number').min(0, 'must be from 0 to 65535').max(65535, 'must be from 0 to 65535').optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** When set, /metrics needs `Authorization: Bearer <METRICS_TOKEN>`, and is also served on the public port. */
    METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Transparency periods may not start before this day (UTC) nor span more than ANALYTICS_MAX_PERIOD_DAYS. */
    ANALYTICS_EARLIEST: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
      .default('2000-01-01')
      .transform((v) => new Date(`${v}T00:00:00Z`))
      .refine((d) => !Number.isNaN(d.getTime()) && d.getTime() >= 0, 'must be a valid date from 1970-01-01'),
    ANALYTICS_MAX_PERIOD_DAYS: z.coerce.number().int().min(1).max(3660).default(1096),
    /** Analytics' own connections (on a PostgreSQL server) and the longest any of its statements may run. */
    ANALYTICS_POOL_SIZE: z.coerce.number().int().min(1).max(20).default(2),
    ANALYTICS_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(30_000),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** PDQ hashes within this Hamming distance of a bank hash match (HMA's confident-match threshold is 31). */
    PDQ_MATCH_DISTANCE: z.coerce.number().int().min(0).max(63).default(31),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && (env.JWT_SECRET === DEV_JWT_SECRET || env.JWT_SECRET.length < 32)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'must be set to a secret of at least 32 characters in production',
      });
    }
  });

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message is one line naming the offending variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const empty = Object.fromEntries(Object.entries(env).filter(([, v]) => v === ''));
  const result = schema.safeParse({ ...env, ...Object.fromEntries(Object.keys(empty).map((k) => [k, undefined])) });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  return result.data;
}
