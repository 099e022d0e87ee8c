// The real server for benchmarks, configured from the environment like `npm start`, with nothing switched off. Asked
// over IPC: a count of SQL statements sent, when each case's live event was published (on the monotonic clock every
// process on the machine shares), and to fill the database with waiting cases for the claim scenario.
// BENCH_EXECUTION=jit executes queries and mutations compiled (src/plugins/compiled-execution.ts, off in the shipped
// server), so one run measures both; it is the benchmark's switch, not a configuration setting.
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { answer, monotonicMs } from '../lib/child.js';
import { seedClaimable } from '../lib/claimable.js';

let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const execution = process.env.BENCH_EXECUTION || 'graphql-js';
if (execution !== 'jit' && execution !== 'graphql-js') throw new Error(`BENCH_EXECUTION is jit or graphql-js, not ${execution}`);
const app = await buildApp({ config: loadConfig(), compiledExecution: execution === 'jit' });
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
  seedClaimable: ({ cases, reviewers }: { cases: number; reviewers: Array<{ id: string; name: string }> }) => seedClaimable(app.db.pool, cases, reviewers),
  subscriptions: async () => (await app.metrics.activeSubscriptions.get()).values[0]?.value ?? 0,
});
process.send!({ ready: port });
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
