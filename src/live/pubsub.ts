// Queue events travel through yoga's pub/sub: in-process by default, through Redis when REDIS_URL is set so an event
// committed on one instance reaches subscribers on every instance.
import { createPubSub, type PubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import { setMaxListeners } from 'node:events';
import type { QueueName } from '../policy/index.js';
import type { EventSink, QueueEvent } from '../services/context.js';

export type LiveTopics = {
  queue: [queue: QueueName, event: QueueEvent];
  case: [caseId: string, event: QueueEvent];
  /** A hash bank changed: every instance's index catches up (src/matching/bank-index.ts). */
  hashBanks: [notice: { at: string }];
};
export type LivePubSub = PubSub<LiveTopics>;

export interface Live {
  pubsub: LivePubSub;
  sink: EventSink;
  close(): Promise<void>;
}

export function createLive(redisUrl?: string): Live {
  let connections: Redis[] = [];
  let eventTarget;
  if (redisUrl) {
    const options = { lazyConnect: false, maxRetriesPerRequest: 3, enableOfflineQueue: true };
    const publishClient = new Redis(redisUrl, options);
    const subscribeClient = new Redis(redisUrl, options);
    connections = [publishClient, subscribeClient];
    for (const c of connections) c.on('error', () => {});
    eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  }
  if (!eventTarget) {
    // In process: one listener per subscription, so lift Node's default warning at ten listeners.
    const local = new EventTarget();
    setMaxListeners(0, local);
    eventTarget = local;
  }
  const pubsub = createPubSub<LiveTopics>({ eventTarget: eventTarget as never });
  return {
    pubsub,
    sink: {
      publish(event) {
        pubsub.publish('queue', event.queue, event);
        pubsub.publish('case', event.caseId, event);
      },
    },
    async close() {
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
