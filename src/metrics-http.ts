// Who may scrape /metrics. Queue sizes and SLA breaches are operational facts, not for the public: by default they are
// served on no port at all. METRICS_PORT serves them on a port of their own, bound to METRICS_HOST (127.0.0.1 unless
// set); METRICS_TOKEN requires `Authorization: Bearer <token>` wherever they are served, and is the only way to have
// them on the public port.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { errorForLog } from './log-safety.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function metricsEndpoint(metrics: Metrics, token: string | undefined, logger: Logger) {
  const expected = token ? digest(token) : null;
  const authorized = (req: IncomingMessage) => {
    if (!expected) return true;
    const match = /^Bearer\s+(\S+)$/.exec(String(req.headers.authorization ?? ''));
    return !!match && timingSafeEqual(digest(match[1]!), expected);
  };
  return async function serveMetrics(req: IncomingMessage, res: ServerResponse) {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    if ((req.url ?? '/').split('?')[0] !== '/metrics') return send(404, '{"status":"not found"}');
    if (req.method !== 'GET') return send(405, '{"status":"method not allowed"}', { allow: 'GET' });
    if (!authorized(req)) return send(401, '{"status":"unauthorized"}', { 'www-authenticate': 'Bearer' });
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
    } catch (error) {
      logger.error({ error: errorForLog(error) }, 'metrics collection failed');
      send(503, '{"status":"metrics unavailable"}');
    }
  };
}
