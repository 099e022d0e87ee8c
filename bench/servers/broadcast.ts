// The live baseline: a raw `ws` server on node:http that sends one message to every connected client when asked.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { answer } from '../lib/child.js';

const server = createServer();
const wss = new WebSocketServer({ server });
let payload = '';
answer({
  clients: () => wss.clients.size,
});
process.on('message', (m: { broadcast?: string }) => {
  if (m?.broadcast === undefined) return;
  payload = m.broadcast;
  // The payload carries its own send time, as the GraphQL event carries its commit time.
  const message = payload.replace('"__SENT_AT__"', JSON.stringify(new Date().toISOString()));
  for (const client of wss.clients) client.send(message);
});
server.listen(0, '127.0.0.1', () => process.send!({ ready: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
