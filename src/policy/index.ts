// The Child Safety policy as code: pure, deterministic, versioned. No I/O, no clock, no database, no GraphQL.
// Everything that decides what the policy says calls into this module; nothing else re-implements it.
export * from './vocabulary.js';
export * from './clauses.js';
export * from './assessment.js';
export * from './recommend.js';
export * from './triage.js';
export * from './appeals.js';
export * from './statement.js';
export * from './version.js';
export * from './table.js';
export * from './ladder.js';
export * from './decision.js';
