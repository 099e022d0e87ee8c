// Prometheus metrics (prom-client), one registry per app so tests and several apps in a process stay apart.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueFigures {
  queue: string;
  open: number;
  oldestOpenSince: Date | null;
  breachingSla: number;
}

export interface NcmecFigures {
  configured: boolean;
  /** Sending stopped because NCMEC refused the credentials. */
  halted: boolean;
  /** Records NCMEC has not accepted (and not withdrawn), and when the oldest was created. */
  unsent: number;
  oldestUnsentSince: Date | null;
}

export interface Metrics {
  registry: Registry;
  operations: Histogram<'operation' | 'type' | 'outcome'>;
  activeSubscriptions: Gauge;
  rateLimited: Counter<'scope'>;
  /** Where queue depth comes from at scrape time. */
  queueSource?: () => Promise<QueueFigures[]>;
  /** The instance's in-memory PDQ index of the hash banks. */
  hashIndexSource?: () => { banks: number; hashes: number; bytes: number };
  /** CyberTipline figures at scrape time (docs/operations.md "CyberTipline"). */
  ncmecSource?: () => Promise<NcmecFigures>;
  /** A bounded operation label: named operations up to a limit, then "other". */
  operationLabel(name: string | null | undefined): string;
}

const MAX_OPERATION_LABELS = 200;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const seen = new Set<string>();
  const metrics: Metrics = {
    registry,
    operations: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operations by name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    activeSubscriptions: new Gauge({ name: 'graphql_active_subscriptions', help: 'Subscriptions open now', registers: [registry] }),
    rateLimited: new Counter({ name: 'intake_rate_limited_total', help: 'Reports refused by the intake rate limits', labelNames: ['scope'], registers: [registry] }),
    operationLabel(name) {
      if (!name || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'anonymous';
      if (seen.has(name)) return name;
      if (seen.size >= MAX_OPERATION_LABELS) return 'other';
      seen.add(name);
      return name;
    },
  };
  // The registry collects every metric concurrently, so the three queue gauges share one read per scrape: the first
  // to ask starts it, the others await the same promise, and the next scrape starts afresh.
  let reading: Promise<QueueFigures[]> | null = null;
  const queueFigures = () =>
    (reading ??= (metrics.queueSource ? metrics.queueSource() : Promise.resolve([])).finally(() => setImmediate(() => (reading = null))));
  const queueGauge = (name: string, help: string, value: (q: QueueFigures) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        for (const q of await queueFigures()) this.set({ queue: q.queue }, value(q));
      },
    });
  queueGauge('queue_open_cases', 'Cases waiting in each queue', (q) => q.open);
  queueGauge('queue_oldest_open_case_age_seconds', 'Age of the oldest waiting case in each queue', (q) =>
    q.oldestOpenSince ? (Date.now() - q.oldestOpenSince.getTime()) / 1000 : 0,
  );
  queueGauge('queue_cases_breaching_sla', 'Waiting cases past their SLA due time', (q) => q.breachingSla);
  const indexGauge = (name: string, help: string, value: (s: { hashes: number; bytes: number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(metrics.hashIndexSource?.() ?? { hashes: 0, bytes: 0 }));
      },
    });
  indexGauge('hash_index_pdq_hashes', 'PDQ bank hashes in this instance’s in-memory index', (s) => s.hashes);
  indexGauge('hash_index_bytes', 'Memory held by this instance’s PDQ index', (s) => s.bytes);
  let ncmecReading: Promise<NcmecFigures | null> | null = null;
  const ncmecFigures = () =>
    (ncmecReading ??= (metrics.ncmecSource ? metrics.ncmecSource() : Promise.resolve(null)).finally(() => setImmediate(() => (ncmecReading = null))));
  const ncmecGauge = (name: string, help: string, value: (f: NcmecFigures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const figures = await ncmecFigures();
        if (figures) this.set(value(figures));
      },
    });
  ncmecGauge('ncmec_unsent_reports', 'CyberTipline records NCMEC has not accepted yet (not withdrawn)', (f) => f.unsent);
  ncmecGauge('ncmec_oldest_unsent_report_age_seconds', 'Age of the oldest CyberTipline record NCMEC has not accepted', (f) =>
    f.oldestUnsentSince ? (Date.now() - f.oldestUnsentSince.getTime()) / 1000 : 0,
  );
  ncmecGauge('ncmec_configured', '1 when the CyberTipline reporting API is configured', (f) => (f.configured ? 1 : 0));
  ncmecGauge('ncmec_submission_halted', '1 while sending is stopped because NCMEC refused the credentials (2000/3100)', (f) => (f.halted ? 1 : 0));
  return metrics;
}
