// The public port's HTTP handler: bounds request bodies before yoga reads them, gives each request an id (echoed as
// x-request-id), logs one line per request, and serves /metrics there only behind METRICS_TOKEN (src/metrics-http.ts).
// The probes (/healthz, /readyz) are yoga plugins (src/plugins/probes.ts), answered before the body checks and unlogged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { ServerContext } from './context.js';
import type { Logger } from './logger.js';
import type { GraphQLContext } from './schema/context.js';
import { HEALTH_PATH, READY_PATH } from './plugins/probes.js';
import { requestIdFrom, requestStore } from './request-id.js';

export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpHandlerOptions {
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  logger: Logger;
  clientAddressOf(req: IncomingMessage): string;
  /** Serves /metrics on this port when METRICS_TOKEN is set; null otherwise. */
  metrics: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null;
}

export function createHttpHandler({ yoga, logger, clientAddressOf, metrics }: HttpHandlerOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH || path === READY_PATH) return yoga.handle(req, res, { req, res });
    if (path === '/metrics' && metrics) return metrics(req, res);
    // Node's parser holds a body to its Content-Length, so checking the header bounds the body. Chunked bodies
    // (no length) are refused rather than buffered without limit.
    if (req.method === 'POST' && req.headers['content-length'] === undefined) {
      return json(res, 411, { errors: [{ message: 'Content-Length required' }] });
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      return json(res, 413, { errors: [{ message: 'Request body too large' }] });
    }
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    await requestStore.run({ requestId }, () => yoga.handle(req, res, { req, res, clientAddress: clientAddressOf(req), transport: {} }));
    logger.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
