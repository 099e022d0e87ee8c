// Live events with Redis outages made visible: events that cannot be published are counted
// (live_events_dropped_total) and logged at most every 10 s; delivery resumes alone and subscribers are told to resync.
import { Counter } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { createLive, type Live } from './pubsub.js';

export function createObservedLive(redisUrl: string | undefined, metrics: Metrics, logger: Logger): Live {
  const droppedEvents = new Counter({ name: 'live_events_dropped_total', help: 'Live events not published because Redis was unreachable', registers: [metrics.registry] });
  let droppedSinceLog = 0;
  let lastDropLog = 0;
  return createLive(redisUrl, {
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
}
