// The mutation-testing scopes (`npm run test:mutation`, docs/mutation-testing.md): what each mutates and the test
// files that run against each mutant. MUTATION_SCOPE picks one; `npm run test:mutation` runs them in turn.
export const SCOPES = {
  // The policy module: pure code, so its own unit and property tests.
  policy: {
    mutate: ['src/policy/**/*.ts', '!src/policy/index.ts'],
    tests: ['test/policy/**/*.test.ts'],
    target: 90,
  },
  // The authorization and workflow guards: who may read or do what, and which steps are legal.
  guards: {
    mutate: [
      'src/services/workflow.ts',
      'src/services/appeals.ts',
      'src/services/claims.ts',
      'src/services/decisions.ts',
      'src/schema/case.ts',
      'src/schema/builder.ts',
      'src/schema/context.ts',
      'src/schema/exposure.ts',
    ],
    tests: ['test/guards/**/*.test.ts', 'test/authorization.test.ts', 'test/workflow.test.ts', 'test/claims.test.ts', 'test/claim-case.test.ts'],
    target: 75,
  },
};

export function mutationScope(name = process.env.MUTATION_SCOPE ?? 'policy') {
  const scope = SCOPES[name];
  if (!scope) throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(SCOPES).join(', ')}; got ${name}`);
  return { name, ...scope };
}
