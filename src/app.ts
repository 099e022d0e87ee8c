// The server, composed: graphql-yoga on node:http with its plugins (src/plugins/), the context factory (src/context.ts),
// graphql-ws on the same port and path through yoga's envelop (src/live/graphql-ws.ts), probes as yoga plugins, the
// HTTP handler that bounds bodies and logs requests (src/http.ts), background jobs, and graceful shutdown.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import type { Live } from './live/pubsub.js';
import { createObservedLive } from './live/observed.js';
import { LiveFanout } from './live/fanout.js';
import { attachGraphqlWs, closeGraphqlWs } from './live/graphql-ws.js';
import { createIdentityProvider } from './auth/provider.js';
import { schema } from './schema/index.js';
import type { GraphQLContext } from './schema/context.js';
import type { Actor, ServiceContext } from './services/context.js';
import { createCyberTipline, unsentNcmecReports, type CyberTipline } from './services/ncmec.js';
import { ReviewerRecords, readAccess } from './services/reviewers.js';
import { startJobs, type Jobs } from './jobs/index.js';
import { parseSigningKey, startCheckpointWriter, type CheckpointWriter } from './services/audit-checkpoints.js';
import { createIntakeLimiter } from './limits/intake.js';
import { createMetrics, type Metrics } from './metrics.js';
import { analyticsAccess, queueHealth } from './services/analytics.js';
import { renderGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { useConsole } from './console.js';
import { PdqBankIndex } from './matching/bank-index.js';
import { watchBankNotices } from './matching/bank-notices.js';
import { inputGuards } from './input-guards.js';
import { metricsEndpoint } from './metrics-http.js';
import { yogaLogArgs } from './log-safety.js';
import { clientAddressOf, createContextFactory, type ServerContext } from './context.js';
import { createMaskError, isExpectedRefusal, refusalForLog } from './mask-error.js';
import { createHttpHandler, MAX_BODY_BYTES } from './http.js';
import { useOperationMetrics } from './plugins/operation-metrics.js';
import { useEndStreamsAtTokenExpiry } from './plugins/token-expiry.js';
import { useRetryAfter } from './plugins/retry-after.js';
import { useQueryLimits } from './plugins/query-limits.js';
import { useNoIntrospection } from './plugins/no-introspection.js';
import { useHealthz, useReadyz } from './plugins/probes.js';
import { useCompiledExecution } from './plugins/compiled-execution.js';

export { MAX_BODY_BYTES };
export type { ServerContext };

export interface AppOptions {
  config: Config;
  logger?: Logger;
  /** Reuse an open database (tests); otherwise one is opened from the config and closed on stop. */
  database?: Database;
  /** Overrides the CyberTipline built from the configuration (null: none). */
  ncmec?: CyberTipline | null;
  now?: () => Date;
  /**
   * Executes queries and mutations compiled by graphql-jit (src/plugins/compiled-execution.ts) instead of graphql-js's
   * interpreter. Off unless true, and not configuration: the benchmark's servers turn it on to measure both in one run.
   * BENCHMARKS.md says why it is off: under it a page's DataLoader batches split with the page's size
   * (test/queries.test.ts), and it measured no faster here.
   */
  compiledExecution?: boolean;
}

export interface App {
  db: Database;
  live: Live;
  jobs: Jobs;
  /** Present when AUDIT_SIGNING_KEY is set. */
  checkpoints: CheckpointWriter | undefined;
  metrics: Metrics;
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  server: Server;
  serviceContext(actor: Actor, requestId?: string | null): ServiceContext;
  /** Where /metrics is served on its own port (METRICS_PORT), once started; null without one. */
  metricsUrl(): string | null;
  start(port?: number, host?: string): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const production = config.NODE_ENV === 'production';
  const now = options.now ?? (() => new Date());
  const db = options.database ?? (await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }));
  const metrics = createMetrics();
  const live = createObservedLive(config.REDIS_URL, metrics, logger);
  metrics.queueSource = () => queueHealth(db.prisma, now());
  const intakeLimiter = createIntakeLimiter({
    perClientPerMinute: config.INTAKE_LIMIT_PER_ADDRESS,
    globalPerMinute: config.INTAKE_LIMIT_GLOBAL,
    redisUrl: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    onRejected: (scope) => metrics.rateLimited.inc({ scope }),
  });
  await intakeLimiter.ready(2_000);
  const hashBanks = new PdqBankIndex(db.prisma, config.PDQ_MATCH_DISTANCE, {
    logger,
    broadcast: () => live.pubsub.publish('hashBanks', { at: new Date().toISOString() }),
  });
  metrics.hashIndexSource = () => hashBanks.stats();
  const bankNotices = watchBankNotices(live, hashBanks);
  const ncmec = options.ncmec !== undefined ? options.ncmec : createCyberTipline(config, logger);
  if (!ncmec && production) {
    logger.warn(
      'WARNING: no CyberTipline configured (NCMEC_API_URL, NCMEC_USERNAME, NCMEC_PASSWORD). Required NCMEC reports are NOT being sent; ' +
        'they wait AWAITING_SUBMISSION (metric ncmec_unsent_reports) until configured or filed by hand (docs/operations.md "CyberTipline").',
    );
  }
  metrics.ncmecSource = async () => {
    const unsent = await unsentNcmecReports(db);
    return { configured: ncmec !== null, halted: ncmec?.halted != null, unsent: unsent.count, oldestUnsentSince: unsent.oldestCreatedAt };
  };
  const identityProvider = config.JWT_JWKS_URL
    ? createIdentityProvider({
        jwksUrl: config.JWT_JWKS_URL,
        issuer: config.JWT_ISSUER!,
        audience: config.JWT_AUDIENCE!,
        rolesClaim: config.JWT_ROLES_CLAIM,
        rolesMap: config.JWT_ROLES_MAP,
        cacheSeconds: config.JWT_JWKS_CACHE_SECONDS,
      })
    : undefined;
  const settings = {
    leaseMinutes: config.LEASE_MINUTES,
    dailyExposureCap: config.DAILY_EXPOSURE_CAP,
    secret: config.JWT_SECRET,
  };
  // Analytics gets its own small pool with a statement timeout (on a server) and admits ANALYTICS_POOL_SIZE requests at
  // once, so an analyst's long period never takes the connections intake and reviewers need.
  const analyticsPool = db.sidePool({ size: config.ANALYTICS_POOL_SIZE, statementTimeoutMs: config.ANALYTICS_STATEMENT_TIMEOUT_MS });
  const analytics = analyticsAccess(analyticsPool.prisma, { earliest: config.ANALYTICS_EARLIEST, maxPeriodDays: config.ANALYTICS_MAX_PERIOD_DAYS }, analyticsPool.separate ? config.ANALYTICS_POOL_SIZE : 1);
  const reviewers = new ReviewerRecords(db.prisma, db.accessWatch);
  const serviceContext = (actor: Actor, requestId: string | null = null): ServiceContext => ({
    prisma: db.prisma,
    pool: db.pool,
    accessWatch: db.accessWatch,
    actor,
    requestId,
    now,
    events: live.sink,
    settings,
    ncmec,
    hashBanks,
    analytics,
  });

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: production ? false : { title: 'Child safety cases' },
    renderGraphiQL,
    batching: false,
    multipart: false,
    logging: {
      debug: (...args) => logger.debug({ yoga: args.map(String) }),
      info: (...args) => logger.info({ yoga: args.map(String) }),
      warn: (...args) => logger.warn({ yoga: yogaLogArgs(args) }),
      // Yoga reports every error it masked; a refusal the API answers on purpose is not a fault (createMaskError logs
      // the unexpected ones itself, without report text), so it is a debug line with its type and code, no stack.
      error: (...args) =>
        args.length > 0 && args.every(isExpectedRefusal)
          ? logger.debug({ refusals: args.map(refusalForLog) }, 'refused')
          : logger.error({ yoga: yogaLogArgs(args) }),
    },
    maskedErrors: { maskError: createMaskError(logger) },
    plugins: [
      useHealthz(),
      useReadyz({
        banksLoaded: bankNotices.loaded,
        database: () => db.ready(),
        live: () => live.status(),
        cybertipline() {
          const halt = ncmec?.halted;
          if (halt) return { status: 'halted', responseCode: halt.code, since: halt.since };
          return !ncmec && production ? { status: 'not configured' } : null;
        },
      }),
      ...(production ? [] : [useGraphiQLAssets()]),
      useConsole({ mediaOrigins: config.CONSOLE_MEDIA_ORIGINS }),
      useCSRFPrevention({ requestHeaders: ['x-graphql-csrf', 'apollo-require-preflight'] }),
      ...useQueryLimits(),
      ...(production ? [useNoIntrospection()] : []),
      inputGuards(),
      useEndStreamsAtTokenExpiry(),
      useOperationMetrics(metrics),
      useRetryAfter(),
      ...(options.compiledExecution === true ? [useCompiledExecution()] : []),
    ],
    context: createContextFactory({ config, db, live, metrics, identityProvider, intakeLimiter, serviceContext, reviewers }),
  });

  const addressOf = clientAddressOf(config.TRUST_PROXY_HOPS);
  const serveMetrics = metricsEndpoint(metrics, config.METRICS_TOKEN, logger);
  const server = createServer(
    createHttpHandler({ yoga, logger, clientAddressOf: addressOf, metrics: config.METRICS_TOKEN ? serveMetrics : null }),
  );
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const metricsServer = config.METRICS_PORT === undefined ? null : createServer((req, res) => void serveMetrics(req, res));
  const fanout = new LiveFanout({ readAccess: (ids) => readAccess(db.prisma, ids), activeSubscriptions: metrics.activeSubscriptions });
  const wsServer = attachGraphqlWs({ server, path: '/graphql', maxPayload: MAX_BODY_BYTES, yoga, fanout, clientAddressOf: addressOf });

  const jobs = startJobs((id) => serviceContext({ kind: 'SYSTEM', id }), config.LEASE_SWEEP_MS, logger);
  // Signed checkpoints of the audit chain head, outside the database (src/services/audit-checkpoints.ts).
  let checkpoints: CheckpointWriter | undefined;
  if (config.AUDIT_SIGNING_KEY) {
    checkpoints = await startCheckpointWriter({
      prisma: db.prisma,
      key: parseSigningKey(config.AUDIT_SIGNING_KEY),
      file: config.AUDIT_CHECKPOINT_FILE,
      intervalMs: config.AUDIT_CHECKPOINT_INTERVAL_MS,
      logger,
    });
  } else if (production) {
    logger.warn('AUDIT_SIGNING_KEY is not set: the audit chain has no signed checkpoints outside the database');
  }

  return {
    db,
    live,
    jobs,
    checkpoints,
    metrics,
    yoga,
    server,
    serviceContext,
    metricsUrl() {
      const address = metricsServer?.address() as AddressInfo | null | undefined;
      return address ? `http://${config.METRICS_HOST.includes(':') ? `[${config.METRICS_HOST}]` : config.METRICS_HOST}:${address.port}/metrics` : null;
    },
    async start(port = config.PORT, host = config.HOST) {
      await listen(server, port, host);
      const address = server.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      if (metricsServer) {
        await listen(metricsServer, config.METRICS_PORT!, config.METRICS_HOST).catch(async (error: unknown) => {
          await new Promise((resolve) => server.close(resolve));
          throw error;
        });
      }
      return { port: address.port, url: `http://${shown}:${address.port}/graphql` };
    },
    async stop() {
      await jobs.stop();
      await bankNotices.stop();
      await hashBanks.settled();
      await closeGraphqlWs(wsServer);
      if (metricsServer?.listening) {
        metricsServer.closeAllConnections();
        await new Promise((resolve) => metricsServer.close(resolve));
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 5_000);
      await closed;
      clearTimeout(force);
      await checkpoints?.stop();
      await live.close();
      await intakeLimiter.close();
      await analyticsPool.close();
      if (!options.database) await db.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
