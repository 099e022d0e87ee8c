// npm run bench [-- --quick] [--only http,analytics,live,hashes] [--no-write]
// Runs every scenario against a baseline measured in the same run, prints the ratios and (in full mode) writes the
// results into BENCHMARKS.md between the results markers, keeping the analysis around them.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { httpScenarios, type Profile } from './http.js';
import { Results } from './lib/results.js';
import { analyticsScenarios } from './analytics.js';
import { liveScenarios } from './live.js';
import { hashScenarios } from './hashes.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const quick = values.quick!;
const only = values.only?.split(',').map((s) => s.trim());
const wanted = (name: string) => !only || only.includes(name);

const profile: Profile = quick
  ? { seconds: 2, repetitions: 1, warmupSeconds: 1, connections: 10 }
  : { seconds: 10, repetitions: 3, warmupSeconds: 3, connections: 10 };

const results = new Results();
const started = performance.now();
const sections: Array<[string, () => Promise<void>]> = [
  ['http', () => httpScenarios(profile, results, ['embedded', 'server'])],
  ['live', () => liveScenarios(quick, results)],
  // Before analytics: PDQ lookups are memory-bound, and the server is still busy for a while after a million cases.
  ['hashes', () => hashScenarios(quick, results, ['server', 'embedded'])],
  ['analytics', () => analyticsScenarios(quick, results, ['server', 'embedded'])],
];

for (const [name, run] of sections) {
  if (!wanted(name)) continue;
  console.log(`\n${name}`);
  await run();
}
console.log(`\nfinished in ${Math.round((performance.now() - started) / 1000)} s`);

if (!quick && !values['no-write'] && !only) {
  const file = new URL('../BENCHMARKS.md', import.meta.url);
  const current = readFileSync(file, 'utf8');
  const [head, rest] = current.split('<!-- results:start -->');
  const tail = rest?.split('<!-- results:end -->')[1];
  if (head === undefined || tail === undefined) throw new Error('BENCHMARKS.md has lost its results markers');
  writeFileSync(file, `${head}<!-- results:start -->\n${results.markdown('full')}\n<!-- results:end -->${tail}`);
  console.log('wrote BENCHMARKS.md');
}
process.exit(0);
