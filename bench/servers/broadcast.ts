// The live baseline: a raw `ws` server on node:http that sends one message to every connected client when asked.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { answer, monotonicMs } from '../lib/child.js';

const server = createServer();
const wss = new WebSocketServer({ server });
const sent: number[] = [];
answer({
  clients: () => wss.clients.size,
  sent: () => sent.splice(0),
});
process.on('message', (m: { broadcast?: string }) => {
  if (m?.broadcast === undefined) return;
  // The same payload with a time of its own where the GraphQL event has its commit time. Latency is measured from
  // `sent`, taken as the broadcast starts, on the clock the GraphQL server stamps its publish with.
  const message = m.broadcast.replace('"__SENT_AT__"', JSON.stringify(new Date().toISOString()));
  sent.push(monotonicMs());
  for (const client of wss.clients) client.send(message);
});
server.listen(0, '127.0.0.1', () => process.send!({ ready: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
