// Configuration from the environment, validated once at start. A bad value is one clear line naming the variable.
import { z } from 'zod';
import { ROLES } from './policy/index.js';
import { parseSigningKey, parseVerifyKey } from './services/audit-checkpoints.js';
import { parseMediaOrigins } from './console.js';

const DEV_JWT_SECRET = 'development-only-secret-change-me-0123456789';

/** Plain http:// is accepted only for these hosts (a test fake on the same machine). */
export const isLoopbackHost = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);

/** An https:// URL, or http:// on a loopback host. */
const secureUrl = (what: string) =>
  z
    .string()
    .refine((v) => URL.canParse(v), `must be a URL (${what})`)
    .refine((v) => {
      if (!URL.canParse(v)) return true;
      const url = new URL(v);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    }, 'must be an https:// URL (plain http:// only for loopback hosts)');

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
    /** The organisation's identity provider (src/auth/provider.ts): when set, only its RS256/ES256 tokens are accepted. */
    JWT_JWKS_URL: z.string().regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL').optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    JWT_ROLES_CLAIM: z.string().regex(/^[\w:/.-]{1,200}$/, 'must be a claim name (dots reach into nested objects)').default('roles'),
    JWT_ROLES_MAP: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"cs-leads":"LEAD","cs-reviewers":["REVIEWER"]}' });
          return z.NEVER;
        }
      })
      .pipe(
        z
          .record(z.string(), z.union([z.enum(ROLES), z.array(z.enum(ROLES))]), { message: 'must map group names to roles' })
          .transform((map) => Object.fromEntries(Object.entries(map).map(([group, roles]) => [group, Array.isArray(roles) ? roles : [roles]]))),
      )
      .optional(),
    /** How long the provider's keys are cached before they are fetched again (a token with an unknown key id also refetches). */
    JWT_JWKS_CACHE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
    /** Ed25519 key that signs audit checkpoints (src/services/audit-checkpoints.ts); the database never holds it. */
    AUDIT_SIGNING_KEY: z.string().optional(),
    /** Verifies checkpoints in `npm run audit:verify` (the public half; derived from AUDIT_SIGNING_KEY when absent). */
    AUDIT_VERIFY_KEY: z.string().optional(),
    AUDIT_CHECKPOINT_FILE: z.string().min(1).default('./audit-checkpoints.jsonl'),
    AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
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
    /** Origins the reviewer console may load revealed content from (its CSP img-src and media-src); unset, none. */
    CONSOLE_MEDIA_ORIGINS: z
      .string()
      .optional()
      .transform((text, ctx) => {
        try {
          return parseMediaOrigins(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** PDQ hashes within this Hamming distance of a bank hash match (HMA's confident-match threshold is 31). */
    PDQ_MATCH_DISTANCE: z.coerce.number().int().min(0).max(63).default(31),
    // NCMEC's CyberTipline reporting web service (docs/operations.md "CyberTipline"). URL, username and password go together.
    NCMEC_API_URL: secureUrl('NCMEC\'s base URL, e.g. https://exttest.cybertip.org/ispws').optional(),
    NCMEC_USERNAME: z.string().min(1).optional(),
    NCMEC_PASSWORD: z.string().min(1).optional(),
    NCMEC_REPORTER_FIRST_NAME: z.string().min(1).max(100).default('Trust and Safety'),
    NCMEC_REPORTER_LAST_NAME: z.string().min(1).max(100).default('Team'),
    NCMEC_REPORTER_EMAIL: z.email('must be an email address').optional(),
    NCMEC_REPORTER_PHONE: z.string().regex(/^\+?[\d ()-]{5,30}$/, 'must be a phone number').optional(),
    /** The platform's service name, sent as the reported person's ESP service. */
    NCMEC_ESP_SERVICE: z.string().min(1).max(100).default('Platform'),
    /** Where the platform's evidence store serves a content item's file: a URL with {contentId} in it. */
    NCMEC_EVIDENCE_URL: secureUrl('with {contentId}')
      .refine((v) => v.includes('{contentId}'), 'must contain {contentId}')
      .optional(),
    /** One submission attempt (every call to NCMEC and the evidence stream) is abandoned after this long. */
    NCMEC_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(500).max(3_600_000).default(300_000),
  })
  .superRefine((env, ctx) => {
    // The secret keys follow-up tokens and reporter pseudonyms even when tokens come from an identity provider.
    if (env.NODE_ENV === 'production' && (env.JWT_SECRET === DEV_JWT_SECRET || env.JWT_SECRET.length < 32)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'must be set to a secret of at least 32 characters in production (it also keys follow-up tokens, with or without JWT_JWKS_URL)',
      });
    }
    const ncmec = (['NCMEC_API_URL', 'NCMEC_USERNAME', 'NCMEC_PASSWORD'] as const).filter((k) => env[k] === undefined);
    if (ncmec.length > 0 && ncmec.length < 3) {
      ctx.addIssue({ code: 'custom', path: [ncmec[0]!], message: 'must be set too: NCMEC_API_URL, NCMEC_USERNAME and NCMEC_PASSWORD go together' });
    }
    if (env.NCMEC_EVIDENCE_URL && !env.NCMEC_API_URL) {
      ctx.addIssue({ code: 'custom', path: ['NCMEC_EVIDENCE_URL'], message: 'needs NCMEC_API_URL, NCMEC_USERNAME and NCMEC_PASSWORD' });
    }
    for (const [key, parse] of [['AUDIT_SIGNING_KEY', parseSigningKey], ['AUDIT_VERIFY_KEY', parseVerifyKey]] as const) {
      const value = env[key];
      if (value === undefined) continue;
      try {
        parse(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: [key], message: (error as Error).message.replace(/^\w+ /, '') });
      }
    }
    if (env.JWT_JWKS_URL) {
      for (const key of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'must be set with JWT_JWKS_URL' });
      }
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
