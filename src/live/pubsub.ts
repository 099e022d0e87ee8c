// Queue events travel through yoga's pub/sub: in-process by default, through Redis when REDIS_URL is set so an event
// committed on one instance reaches subscribers on every instance.
//
// Redis carries only live events, so losing it must never stop the service: an event that cannot be published is
// dropped, counted and logged (its change is committed and stays readable); live delivery reports itself degraded
// (for /readyz) while either connection is down; ioredis reconnects on its own and re-subscribes every channel; and
// once the subscriber is back, every local queue subscriber gets one RESYNC event, so a client reloads what it missed.
import { createPubSub, type PubSub } from 'graphql-yoga';
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
  /** `in-process` without Redis; `ok` or `degraded` (a Redis connection is down) with it. */
  status(): 'in-process' | 'ok' | 'degraded';
  close(): Promise<void>;
}

export interface LiveOptions {
  /** An event could not be published (Redis is away): the caller counts and logs it. */
  onDropped?(topic: string, error: Error): void;
  /** Redis came back after an outage; `queues` got a RESYNC event. */
  onResync?(queues: string[]): void;
}

type Listener = (event: Event) => void;

export function createLive(redisUrl?: string, options: LiveOptions = {}): Live {
  let connections: Redis[] = [];
  let eventTarget: EventTarget;
  let status: () => 'in-process' | 'ok' | 'degraded' = () => 'in-process';
  if (redisUrl) {
    // Publishing never queues while Redis is away (the event is dropped at once and counted); subscribing waits for
    // the connection however long it takes, and ioredis re-subscribes every channel when it reconnects.
    const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true, autoResubscribe: true });
    connections = [publisher, subscriber];
    for (const c of connections) c.on('error', () => {});
    eventTarget = redisEventTarget(publisher, subscriber, options);
    status = () => (publisher.status === 'ready' && subscriber.status === 'ready' ? 'ok' : 'degraded');
  } else {
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
    status: () => status(),
    async close() {
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** Yoga's event target over Redis pub/sub (as @graphql-yoga/redis-event-target), with every Redis failure handled. */
function redisEventTarget(publisher: Redis, subscriber: Redis, options: LiveOptions): EventTarget {
  const listeners = new Map<string, Set<Listener>>();
  const deliver = (topic: string, detail: unknown) => {
    const callbacks = listeners.get(topic);
    if (!callbacks) return;
    const event = new CustomEvent(topic, { detail });
    for (const callback of callbacks) callback(event);
  };
  subscriber.on('message', (channel: string, message: string) => {
    let detail: unknown;
    try {
      detail = message === '' ? null : JSON.parse(message);
    } catch {
      return;
    }
    deliver(channel, detail);
  });
  // After an outage, events published meanwhile are gone: tell every local queue subscriber to reload.
  let lost = false;
  subscriber.on('close', () => (lost = true));
  subscriber.on('ready', () => {
    if (!lost) return;
    lost = false;
    const at = new Date().toISOString();
    const queues: string[] = [];
    for (const topic of listeners.keys()) {
      if (!topic.startsWith('queue:')) continue;
      const queue = topic.slice('queue:'.length);
      queues.push(queue);
      deliver(topic, { kind: 'RESYNC', queue: queue as QueueName, caseId: '', at } satisfies Partial<QueueEvent>);
    }
    options.onResync?.(queues);
  });
  const ignore = () => {};
  const callbackOf = (listener: EventListenerOrEventListenerObject | null): Listener | null =>
    listener == null ? null : 'handleEvent' in listener ? (e) => listener.handleEvent(e) : listener;
  const wrapped = new WeakMap<object, Listener>();
  return {
    addEventListener(topic: string, listener: EventListenerOrEventListenerObject | null) {
      const callback = callbackOf(listener);
      if (!callback || !listener) return;
      wrapped.set(listener, callback);
      let callbacks = listeners.get(topic);
      if (!callbacks) {
        listeners.set(topic, (callbacks = new Set()));
        subscriber.subscribe(topic).catch(ignore);
      }
      callbacks.add(callback);
    },
    removeEventListener(topic: string, listener: EventListenerOrEventListenerObject | null) {
      const callback = listener && wrapped.get(listener);
      const callbacks = listeners.get(topic);
      if (!callback || !callbacks) return;
      callbacks.delete(callback);
      if (callbacks.size > 0) return;
      listeners.delete(topic);
      subscriber.unsubscribe(topic).catch(ignore);
    },
    dispatchEvent(event: Event) {
      const detail = (event as CustomEvent).detail;
      publisher.publish(event.type, detail === undefined ? '' : JSON.stringify(detail)).catch((error: Error) => options.onDropped?.(event.type, error));
      return true;
    },
  } as EventTarget;
}
