// HTTP load with autocannon: a warm-up, then several timed runs, every response body checked. A run with any error,
// non-2xx answer or failed body check is invalid and stops the benchmark.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  /** Builds the JSON body of each request (called per request, so bodies can differ). */
  body: () => unknown;
  /** Returns a reason when a response body is wrong. */
  check: (body: any) => string | null;
  headers?: Record<string, string>;
  /** Headers built per request (e.g. a different reviewer's token each time), over `headers`. */
  requestHeaders?: () => Record<string, string>;
  connections: number;
  seconds: number;
  repetitions: number;
  warmupSeconds: number;
}

export interface LoadResult {
  /** Median over the repetitions. */
  rps: number;
  p50: number;
  p99: number;
  runs: number[];
  requests: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function once(options: LoadOptions, seconds: number) {
  const failures: string[] = [];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({
          ...request,
          ...(options.requestHeaders ? { headers: { ...request.headers, ...options.requestHeaders() } } : {}),
          body: JSON.stringify(options.body()),
        }),
        onResponse: (status: number, body: string) => {
          let problem: string | null = null;
          try {
            problem = status === 200 ? options.check(JSON.parse(body)) : `HTTP ${status}`;
          } catch {
            problem = 'unparseable body';
          }
          if (problem && failures.length < 5) failures.push(`${problem}: ${body.slice(0, 300)}`);
          else if (problem) failures.push('');
        },
      },
    ],
  });
  const errors = result.errors + result.timeouts + result.non2xx + failures.length;
  if (errors) throw new Error(`invalid run against ${options.url}: ${errors} errors; first: ${failures.filter(Boolean).join(' | ') || 'socket errors or timeouts'}`);
  return result;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await once(options, options.warmupSeconds);
  const runs: autocannon.Result[] = [];
  for (let i = 0; i < options.repetitions; i++) runs.push(await once(options, options.seconds));
  return {
    rps: median(runs.map((r) => r.requests.average)),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: median(runs.map((r) => r.latency.p99)),
    runs: runs.map((r) => Math.round(r.requests.average)),
    requests: runs.reduce((sum, r) => sum + r.requests.total, 0),
  };
}

export { median };
