// StrykerJS: mutation testing of the policy module and of the authorization and workflow guards
// (docs/mutation-testing.md). Run with `npm run test:mutation` (every scope) or
// `MUTATION_SCOPE=policy npx stryker run`. Not part of CI: a full run takes many minutes on two cores.
import { mutationScope } from './stryker.scopes.mjs';

const scope = mutationScope();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: scope.mutate,
  coverageAnalysis: 'perTest',
  // The machine is shared: one or two test processes at a time (STRYKER_CONCURRENCY to change it).
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${scope.name}.html` },
  jsonReporter: { fileName: `reports/mutation/${scope.name}.json` },
  thresholds: { high: scope.target, low: scope.target - 10, break: null },
  tempDirName: '.stryker-tmp',
  // Incremental: a later run re-tests only the mutants whose code or covering tests changed since the last report
  // (reports/mutation/<scope>-incremental.json, not committed); `--force` re-tests everything.
  incremental: true,
  incrementalFile: `reports/mutation/${scope.name}-incremental.json`,
  ignorePatterns: ['data', 'bench/.results', 'reports', 'coverage'],
};
