// Prometheus metrics (prom-client), one registry per app so tests and several apps in a process stay apart.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  operations: Histogram<'operation' | 'type' | 'outcome'>;
  activeSubscriptions: Gauge;
  rateLimited: Counter<'scope'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
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
  };
}
