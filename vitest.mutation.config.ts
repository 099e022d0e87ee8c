// The vitest configuration Stryker runs (stryker.config.mjs): the project's own, limited to the test files of one
// mutation scope so each mutant runs only the tests written for the code it changes.
//
// Two settings keep a mutant's run short on a shared machine, without changing what is checked:
// - POLICY_PROPERTY_RUNS caps the fast-check runs per policy property (1,000–2,000 in a plain run; 250 here). The
//   generators build valid cases only, so every run reaches the property's assertions.
// - Smaller test files run first. Stryker stops at the first failing test, and a mutant of a table or constant
//   (a "static" mutant, which runs every test of the scope) is usually caught by a short file before the property
//   tests start.
import { statSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';
import { mutationScope } from './stryker.scopes.mjs';

class SmallestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => statSync(a.moduleId).size - statSync(b.moduleId).size || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: mutationScope().tests,
    env: { ...base.test?.env, POLICY_PROPERTY_RUNS: '250' },
    sequence: { ...base.test?.sequence, sequencer: SmallestFirst },
  },
});
