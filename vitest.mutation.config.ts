// The vitest configuration Stryker runs (stryker.config.mjs): the project's own, limited to the test files of one
// mutation scope so each mutant runs only the tests written for the code it changes.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { mutationScope } from './stryker.scopes.mjs';

export default defineConfig({ ...base, test: { ...base.test, include: mutationScope().tests } });
