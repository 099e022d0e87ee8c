// The real server for benchmarks, configured from the environment like `npm start`, with nothing switched off. Asked
// over IPC: a count of SQL statements sent, and when each case's live event was published (on the monotonic clock
// every process on the machine shares).
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { answer, monotonicMs } from '../lib/child.js';

let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const app = await buildApp({ config: loadConfig() });
const { port } = await app.start(0, '127.0.0.1');
// Services publish through this one sink right after their transaction commits (src/services/transaction.ts).
const published: Array<[caseId: string, at: number]> = [];
const sink = app.live.sink;
const publish = sink.publish.bind(sink);
sink.publish = (event) => {
  published.push([event.caseId, monotonicMs()]);
  publish(event);
};
answer({
  statements: () => statements,
  published: () => published.splice(0),
  memory: () => process.memoryUsage().rss,
  subscriptions: async () => (await app.metrics.activeSubscriptions.get()).values[0]?.value ?? 0,
});
process.send!({ ready: port });
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
