// Liveness and readiness probes through yoga's readiness-check plugin, which answers before any request parsing.
// GET /healthz: 200 {"status":"ok"} while the process serves. GET /readyz: 200 {"status":"ready", live, ...} once the
// database is reachable with every migration applied and the hash banks are in memory, otherwise 503
// {"status":"not ready", ...}; `live` says how live delivery is (Redis can be degraded while everything else serves),
// `cybertipline` appears when filing with NCMEC is halted or (in production) not configured — neither takes the
// instance out of service. (Yoga's own healthCheckEndpoint, /health, answers an empty 200 and stays as it is.)
import { useReadinessCheck, type Plugin } from 'graphql-yoga';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

type FetchAPI = { Response: typeof Response };
const json = (fetchAPI: FetchAPI, body: unknown, status: number) =>
  new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export function useHealthz(): Plugin {
  return useReadinessCheck({ endpoint: HEALTH_PATH, check: ({ fetchAPI }) => json(fetchAPI, { status: 'ok' }, 200) });
}

export interface Readiness {
  /** The database answers and every migration is applied. */
  database(): Promise<boolean>;
  /** The hash banks' first load has finished. */
  banksLoaded(): boolean;
  /** Live delivery: 'ok', 'degraded' or 'in-process'. */
  live(): string;
  /** Something an operator must know about the CyberTipline, or null. */
  cybertipline(): Record<string, unknown> | null;
}

export function useReadyz(readiness: Readiness): Plugin {
  return useReadinessCheck({
    endpoint: READY_PATH,
    async check({ fetchAPI }) {
      // Not ready until the hash banks are in memory: a report with a PDQ hash would otherwise wait for the load.
      const ready = readiness.banksLoaded() && (await readiness.database());
      const cybertipline = readiness.cybertipline();
      return json(fetchAPI, { status: ready ? 'ready' : 'not ready', live: readiness.live(), ...(cybertipline ? { cybertipline } : {}) }, ready ? 200 : 503);
    },
  });
}
