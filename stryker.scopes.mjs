// The mutation-testing scopes (`npm run test:mutation`, docs/mutation-testing.md): what each mutates and the test
// files that run against each mutant. MUTATION_SCOPE picks one; `npm run test:mutation` runs them in turn.
export const SCOPES = {
  // The policy module: pure code, so its own unit and property tests.
  policy: {
    mutate: ['src/policy/**/*.ts', '!src/policy/index.ts'],
    tests: ['test/policy/**/*.test.ts'],
    target: 90,
  },
  // The authorization and workflow guards: who may read or do what, and which steps are legal. Only the guard code
  // is mutated (line ranges, `file:start-end`), and the tests are the in-process ones written for the guards (no
  // listening server, one embedded database per file), so that a run fits on two shared cores.
  guards: {
    mutate: [
      'src/services/access.ts', // the shared case guard: see, hold, lease, release when unqualified
      'src/services/workflow.ts:4-48', // the state machine
      'src/services/claims.ts:34-37', // requireUser
      'src/services/claims.ts:83-178', // claimNextCase, claimCase and its checks: qualification, exposure cap, escalations, appeals
      'src/services/claims.ts:185-201', // assignCase: a lead only, never a held case, the reviewer's qualification, escalation and cap
      'src/services/claims.ts:207-214', // escalateCase: the holder only, a legal step, a reason
      'src/services/claims.ts:233-240', // unassignCase: a lead only, a held case only
      'src/services/claims.ts:255-295', // pickCase: the claimable-case query and the one-statement claim
      'src/services/claims.ts:318-345', // releaseCase, releaseWithin, renewLease
      // The claim statement, claimNextCase's common path: its guard lines and the refusal's ROLLBACK (83), not the rest of the connection handling, the
      // audit-chain SQL and the live event around them (their faults are the audit and subscription tests' to find).
      'src/services/claim-statement.ts:80-80', // the lease length
      'src/services/claim-statement.ts:83-83', // the ROLLBACK of a statement that refuses (its lock on the reviewer's row)
      'src/services/claim-statement.ts:86-105', // the caller's access and exposure as they stand; the categories left under the cap; the queue's qualification; the step
      'src/services/claim-statement.ts:125-125', // the pick: the claimable query with the caller's categories and lead role
      'src/services/claim-statement.ts:156-158', // nothing taken: the unit of work answers why
      'src/services/ncmec.ts:369-376', // acknowledgeNcmecReport: a SUBMITTED report only
      'src/services/ncmec.ts:419-427', // withdrawNcmecReport: never a report NCMEC accepted, never twice
      'src/services/ncmec.ts:448-455', // resubmitNcmecReport: a record needing correction, not one being withdrawn
      'src/services/decisions.ts:50-65', // decideCase: guard, version, assessment
      'src/services/decisions.ts:87-110', // recordDecision: two-person rule, scope, justification (also for linked cases)
      'src/services/appeals.ts:28-67', // submitAppeal: who may appeal what, once, not superseded
      'src/services/appeals.ts:108-125', // decideAppeal: who decides, not the original decider, with the lease
      'src/schema/case.ts:55-62', // the Case type's scopes and its content fields' scopes
      'src/schema/case.ts:141-145', // Case.duplicateOf: null for an original the reader may not see
      'src/schema/case.ts:99-103', // Case.reportedAccountStrikes: the strikes of categories the reader may see, not the case's own
      'src/schema/case.ts:159-173', // Query.case: the id check and the category filter
      'src/schema/builder.ts:16-44', // role groups; the per-category scope maps (readersOf, contentReadersOf); which refusals a field's union advertises
      'src/schema/builder.ts:76-99', // scope-auth: each scope and the refusal errors
      'src/schema/exposure.ts:33-55', // team exposure for auditors, own exposure for reviewing roles
    ],
    tests: ['test/guards/**/*.test.ts', 'test/authorization.test.ts', 'test/claim-case.test.ts'],
    target: 75,
  },
  // A part of `guards` that finishes in under half an hour on the shared machine: the shared case guard (who may see,
  // hold and work on a case), Query.case's filter, and the guard of deciding an appeal.
  'guards-core': {
    mutate: ['src/services/access.ts:14-122', 'src/services/appeals.ts:108-125', 'src/schema/case.ts:159-173'],
    tests: ['test/guards/**/*.test.ts'],
    target: 75,
  },
};

export function mutationScope(name = process.env.MUTATION_SCOPE ?? 'policy') {
  const scope = SCOPES[name];
  if (!scope) throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(SCOPES).join(', ')}; got ${name}`);
  return { name, ...scope };
}
