// The server: graphql-yoga on node:http, graphql-ws on the same port and path through yoga's envelop (so every
// plugin applies to WebSocket operations too), health and readiness probes, background jobs, graceful shutdown.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type DefinitionNode, type OperationDefinitionNode } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import { createLive, type Live } from './live/pubsub.js';
import { LiveFanout, writeNext } from './live/fanout.js';
import { closeAtExpiry, untilExpiry } from './live/expiry.js';
import { AuthenticationError, authenticate } from './auth/jwt.js';
import { createIdentityProvider } from './auth/provider.js';
import { schema } from './schema/index.js';
import { createLoaders, type GraphQLContext } from './schema/context.js';
import type { Actor, ServiceContext } from './services/context.js';
import { DomainError } from './services/errors.js';
import { createCyberTipline, unsentNcmecReports, type CyberTipline } from './services/ncmec.js';
import { effectiveRoles, ensureReviewer, readAccess } from './services/reviewers.js';
import { startJobs, type Jobs } from './jobs/index.js';
import { parseSigningKey, startCheckpointWriter, type CheckpointWriter } from './services/audit-checkpoints.js';
import { createIntakeLimiter } from './limits/intake.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Counter } from 'prom-client';
import { analyticsAccess, queueHealth } from './services/analytics.js';
import { renderGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { useConsole } from './console.js';
import { RateLimitedError } from './services/errors.js';
import { PdqBankIndex } from './matching/bank-index.js';
import { inputGuards } from './input-guards.js';
import { metricsEndpoint } from './metrics-http.js';
import { errorForLog, yogaLogArgs } from './log-safety.js';

export const MAX_BODY_BYTES = 256 * 1024;

export interface AppOptions {
  config: Config;
  logger?: Logger;
  /** Reuse an open database (tests); otherwise one is opened from the config and closed on stop. */
  database?: Database;
  /** Overrides the CyberTipline built from the configuration (null: none). */
  ncmec?: CyberTipline | null;
  now?: () => Date;
  /** For `bench/` only: measure intake without the audit chain. */
  skipAuditForBenchmark?: boolean;
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

interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  connectionParams?: Record<string, unknown>;
  clientAddress?: string;
  /** What resolvers tell the HTTP layer: a rate-limited intake becomes a 429 with Retry-After. */
  transport?: { retryAfterSeconds?: number };
}

type Enveloped = { execute: (args: unknown) => never; subscribe: (args: unknown) => never };

const requestStore = new AsyncLocalStorage<{ requestId: string }>();

export async function buildApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const production = config.NODE_ENV === 'production';
  const now = options.now ?? (() => new Date());
  const db = options.database ?? (await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }));
  const metrics = createMetrics();
  // Redis outages: events that cannot be published are counted and logged (at most every 10 s); delivery resumes alone.
  const droppedEvents = new Counter({ name: 'live_events_dropped_total', help: 'Live events not published because Redis was unreachable', registers: [metrics.registry] });
  let droppedSinceLog = 0;
  let lastDropLog = 0;
  const live = createLive(config.REDIS_URL, {
    onDropped(topic, error) {
      droppedEvents.inc();
      droppedSinceLog += 1;
      if (Date.now() - lastDropLog < 10_000) return;
      lastDropLog = Date.now();
      logger.warn({ dropped: droppedSinceLog, topic: topic.split(':')[0], reason: error.message }, 'live events dropped: Redis is unreachable');
      droppedSinceLog = 0;
    },
    onResync: (queues) => logger.info({ queues: queues.length }, 'Redis is back: live subscribers told to resync'),
  });
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
        'they wait AWAITING_SUBMISSION (metric ncmec_unsent_reports) until configured or filed by hand (README "CyberTipline").',
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
    skipAuditForBenchmark: options.skipAuditForBenchmark === true,
  };
  // Analytics gets its own small pool with a statement timeout (on a server) and admits ANALYTICS_POOL_SIZE requests at
  // once, so an analyst's long period never takes the connections intake and reviewers need.
  const analyticsPool = db.sidePool({ size: config.ANALYTICS_POOL_SIZE, statementTimeoutMs: config.ANALYTICS_STATEMENT_TIMEOUT_MS });
  const analytics = analyticsAccess(analyticsPool.prisma, { earliest: config.ANALYTICS_EARLIEST, maxPeriodDays: config.ANALYTICS_MAX_PERIOD_DAYS }, analyticsPool.separate ? config.ANALYTICS_POOL_SIZE : 1);
  const serviceContext = (actor: Actor, requestId: string | null = null): ServiceContext => ({
    prisma: db.prisma,
    actor,
    requestId,
    now,
    events: live.sink,
    settings,
    ncmec,
    hashBanks,
    analytics,
  });

  // Request count and latency per operation, for /metrics.
  const operationMetrics: Plugin = {
    onExecute({ args }) {
      const started = performance.now();
      const operation = args.document.definitions.find(
        (d: DefinitionNode): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!args.operationName || d.name?.value === args.operationName),
      );
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && !!result.errors?.length;
          metrics.operations.observe(
            { operation: metrics.operationLabel(operation?.name?.value), type: operation?.operation ?? 'unknown', outcome: failed ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };

  // A subscription's results end when its token expires (over WebSocket the connection closes instead, below).
  const endStreamsAtTokenExpiry: Plugin = {
    onSubscribe({ args }) {
      const expiresAt = (args.contextValue as unknown as Partial<GraphQLContext>).user?.expiresAt;
      if (expiresAt === undefined) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) setResult(untilExpiry(result, expiresAt));
        },
      };
    },
  };

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
      error: (...args) => logger.error({ yoga: yogaLogArgs(args) }),
    },
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof AuthenticationError) {
          return new GraphQLError(original.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        }
        if (original instanceof DomainError) return new GraphQLError(original.message, { extensions: { code: original.code } });
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        const requestId = requestStore.getStore()?.requestId;
        logger.error({ error: errorForLog(original), requestId }, 'unexpected error');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } });
      },
    },
    plugins: [
      ...(production ? [] : [useGraphiQLAssets()]),
      useConsole({ mediaOrigins: config.CONSOLE_MEDIA_ORIGINS }),
      useCSRFPrevention({ requestHeaders: ['x-graphql-csrf', 'apollo-require-preflight'] }),
      // Limits sized so every client operation passes; messages say which limit, never its value.
      EnvelopArmorPlugin({
        maxDepth: { n: 12, exposeLimits: false, ignoreIntrospection: true, errorMessage: 'Query is nested too deeply.' },
        maxAliases: { n: 15, exposeLimits: false, errorMessage: 'Query uses too many aliases.' },
        maxDirectives: { n: 20, exposeLimits: false, errorMessage: 'Query uses too many directives.' },
        maxTokens: { n: 2000, exposeLimits: false, errorMessage: 'Query is too long.' },
        costLimit: { maxCost: 5000, exposeLimits: false, ignoreIntrospection: true, errorMessage: 'Query is too expensive.' },
        blockFieldSuggestion: { enabled: true },
      }),
      // In production no operation may introspect the schema, whatever its transport: the rule is added at validation,
      // which HTTP, SSE and graphql-ws all pass through (yoga's own plugin marks HTTP requests only).
      ...(production ? [{ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) } satisfies Plugin] : []),
      inputGuards(),
      endStreamsAtTokenExpiry,
      operationMetrics,
      {
        onResponse({ serverContext, response, setResponse, fetchAPI }) {
          const seconds = (serverContext as ServerContext).transport?.retryAfterSeconds;
          if (!seconds) return;
          const headers = new fetchAPI.Headers(response.headers);
          headers.set('retry-after', String(seconds));
          setResponse(new fetchAPI.Response(response.body, { status: 429, headers }));
        },
      },
    ],
    context: async ({ request, req, connectionParams, clientAddress, transport }): Promise<GraphQLContext> => {
      const requestId = requestStore.getStore()?.requestId ?? randomUUID();
      const fromParams = connectionParams?.authorization;
      if (fromParams !== undefined && fromParams !== null && typeof fromParams !== 'string') {
        throw new AuthenticationError('Malformed authorization; connectionParams.authorization must be the string "Bearer <JWT>"');
      }
      const header = fromParams ?? request?.headers.get('authorization');
      const token = await authenticate(header, config.JWT_SECRET, { maxTtlSeconds: config.JWT_MAX_TTL, provider: identityProvider });
      let user = token;
      if (token) {
        // Access an admin withdrew applies at once, however long the token is still valid.
        const access = await ensureReviewer(db.prisma, token);
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
    },
  });

  /** The socket's peer, or with TRUST_PROXY_HOPS set, the address that many proxies back in X-Forwarded-For. */
  function clientAddressOf(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? 'unknown';
    if (!config.TRUST_PROXY_HOPS) return peer;
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return forwarded[forwarded.length - config.TRUST_PROXY_HOPS] ?? forwarded[0] ?? peer;
  }

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handle(req, res));
  const serveMetrics = metricsEndpoint(metrics, config.METRICS_TOKEN, logger);
  const metricsServer = config.METRICS_PORT === undefined ? null : createServer((req, res) => void serveMetrics(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    // On the public port only behind METRICS_TOKEN (src/metrics-http.ts).
    if (path === '/metrics' && config.METRICS_TOKEN) return serveMetrics(req, res);
    if (path === '/readyz') {
      // Not ready until the hash banks are in memory: a report with a PDQ hash would otherwise wait for the load.
      const ready = bankNotices.loaded() && (await db.ready());
      // Live delivery through Redis can be degraded while the instance serves everything else. A CyberTipline problem does not take the instance out of service, but /readyz names it (README "CyberTipline").
      const halt = ncmec?.halted;
      const cybertipline = halt
        ? { cybertipline: { status: 'halted', responseCode: halt.code, since: halt.since } }
        : !ncmec && production
          ? { cybertipline: { status: 'not configured' } }
          : {};
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', live: live.status(), ...cybertipline });
    }
    // Node's parser holds a body to its Content-Length, so checking the header bounds the body. Chunked bodies
    // (no length) are refused rather than buffered without limit.
    if (req.method === 'POST' && req.headers['content-length'] === undefined) {
      return json(res, 411, { errors: [{ message: 'Content-Length required' }] });
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      return json(res, 413, { errors: [{ message: 'Request body too large' }] });
    }
    const requestId = /^[\w-]{8,64}$/.test(String(req.headers['x-request-id'] ?? '')) ? String(req.headers['x-request-id']) : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    await requestStore.run({ requestId }, () => yoga.handle(req, res, { req, res, clientAddress: clientAddressOf(req), transport: {} }));
    logger.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
  }

  const fanout = new LiveFanout({ readAccess: (ids) => readAccess(db.prisma, ids), activeSubscriptions: metrics.activeSubscriptions });
  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: MAX_BODY_BYTES });
  useServer<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket }>(
    {
      // onSubscribe puts yoga's enveloped execute/subscribe in rootValue, so every plugin wraps them.
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      // Subscribers with the same operation, variables and roles share one execution per event (src/live/fanout.ts).
      subscribe: (args) => {
        const root = args.rootValue as Enveloped & { query: string; id: string; socket: WebSocket };
        const context = args.contextValue as GraphQLContext;
        if (!context.user) return root.subscribe(args);
        const roles = [...context.user.roles].sort();
        const key = JSON.stringify([root.query, args.operationName ?? null, args.variableValues ?? null, roles]);
        const user = { id: 'live-group', name: 'Shared live execution', roles };
        // The group serializes each result once; each member's `next` message goes out on its own socket at once.
        const send = (payload: string) => writeNext(root.socket, root.id, payload);
        return fanout.subscribe(key, { userId: context.user.id, roles: context.user.roles, send }, (sharedLive) =>
          root.subscribe({ ...args, contextValue: { ...context, user, sharedLive } satisfies GraphQLContext }),
        );
      },
      onSubscribe: async (ctx, id, payload) => {
        const requestId = randomUUID();
        return requestStore.run({ requestId }, async () => {
          const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: payload,
            connectionParams: ctx.connectionParams ?? {},
            clientAddress: clientAddressOf(ctx.extra.request),
          } as never);
          let document;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error')];
          }
          const errors = validate(envelopedSchema, document);
          if (errors.length) return errors;
          let contextValue;
          try {
            contextValue = await contextFactory();
          } catch (error) {
            // Refuse this operation with a clear error, without closing the socket's other operations. Yoga has already
            // passed the failure through maskError, so a GraphQLError here is safe to show.
            return [error instanceof GraphQLError ? error : new GraphQLError('Could not authenticate', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
          const expiresAt = (contextValue as GraphQLContext).user?.expiresAt;
          if (expiresAt !== undefined) closeAtExpiry(ctx.extra.socket, expiresAt);
          return {
            schema: envelopedSchema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue,
            rootValue: { execute, subscribe, query: payload.query, id, socket: ctx.extra.socket },
          };
        });
      },
    },
    wsServer,
  );

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
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      if (metricsServer) {
        await new Promise<void>((resolve, reject) => {
          metricsServer.once('error', reject);
          metricsServer.listen(config.METRICS_PORT, config.METRICS_HOST, () => {
            metricsServer.off('error', reject);
            resolve();
          });
        }).catch(async (error: unknown) => {
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
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
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

/** Loads the banks at start, then refreshes the index whenever any instance announces a bank change. */
function watchBankNotices(live: Live, index: PdqBankIndex) {
  const notices = live.pubsub.subscribe('hashBanks');
  const done = (async () => {
    for await (const _notice of notices) index.notify();
  })();
  index.notify();
  let loaded = false;
  void index.settled().then(() => (loaded = true));
  return {
    /** The first load has finished (or failed and was logged; the next match retries it). */
    loaded: () => loaded,
    async stop() {
      await notices.return?.();
      await done;
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
