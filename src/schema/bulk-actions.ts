// Bulk actions (leads): release, move or close as duplicate up to 1,000 cases by id or by a `cases` filter, answered
// with a result per case. Each case goes through the single-case step in a transaction of its own
// (src/services/bulk-actions.ts); a retry with the same idempotency key answers the first result again.
import { builder } from './builder.js';
import { CaseFilter } from './case-search.js';
import { PriorityEnum, QueueNameEnum } from './enums.js';
import { COMMON_ERRORS, ErrorInterface, errorValue } from './errors.js';
import { BulkLimitExceededError, IdempotencyConflictError } from '../services/errors.js';
import { BULK_LIMIT, bulkCaseAction, type BulkCaseResult, type BulkResult, type BulkSelection } from '../services/bulk-actions.js';

const BulkCaseOutcomeEnum = builder.enumType('BulkCaseOutcome', {
  values: {
    DONE: { description: 'Changed by this request' },
    UNCHANGED: { description: 'Already so (for instance a retried request): nothing was written' },
    REFUSED: { description: 'Not changed: `error` says why' },
  } as const,
});

const BulkCaseResultRef = builder.objectRef<BulkCaseResult>('BulkCaseResult').implement({
  description: 'What a bulk action did to one case',
  fields: (t) => ({
    caseId: t.id({ description: 'As given (by id) or as matched (by filter)', resolve: (r) => r.caseId }),
    outcome: t.field({ type: BulkCaseOutcomeEnum, resolve: (r) => r.outcome }),
    error: t.field({
      type: ErrorInterface,
      nullable: true,
      description: 'Why the case was refused: the error the single-case mutation answers (a case you may not see is NotFoundError, like a missing one)',
      // As the errors plugin answers a result union's error member: wrapped, so GraphQL does not take it for a failure.
      resolve: (r) => (r.error ? errorValue(r.error) : null),
    }),
  }),
});

const BulkCaseActionSuccess = builder.objectRef<BulkResult>('BulkCaseActionSuccess').implement({
  fields: (t) => ({
    results: t.field({ type: [BulkCaseResultRef], description: 'One per case, in the order given (by id) or newest first (by filter)', resolve: (r) => r.results }),
    doneCount: t.int({ resolve: (r) => r.results.filter((x) => x.outcome === 'DONE').length }),
    unchangedCount: t.int({ resolve: (r) => r.results.filter((x) => x.outcome === 'UNCHANGED').length }),
    refusedCount: t.int({ resolve: (r) => r.results.filter((x) => x.outcome === 'REFUSED').length }),
    replayed: t.boolean({ description: 'The first answer to this idempotency key, returned again: nothing was done now', resolve: (r) => r.replayed }),
  }),
});

builder.objectType(BulkLimitExceededError, {
  name: 'BulkLimitExceededError',
  description: 'The selection holds more cases than one bulk action may change; nothing was changed',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof BulkLimitExceededError,
  fields: (t) => ({ limit: t.exposeInt('limit') }),
});

const BulkCaseTarget = builder.inputType('BulkCaseTarget', {
  fields: (t) => ({
    id: t.id({ required: true }),
    expectedVersion: t.int({ description: 'When given, the case is refused (VersionConflictError) unless it is at this version' }),
  }),
});

const BulkCaseSelectionInput = builder.inputType('BulkCaseSelection', {
  description: `Exactly one of: cases by id, or every case a \`cases\` filter matches (as the request starts). At most ${BULK_LIMIT} cases`,
  fields: (t) => ({
    cases: t.field({ type: [BulkCaseTarget] }),
    filter: t.field({ type: CaseFilter }),
  }),
});

const KEY_DESCRIPTION = 'Your own key for this request (8 to 128 letters, digits or ._:-): a retry with it answers the first result again; with another request, IdempotencyConflictError';

type SelectionArg = { cases?: Array<{ id: string | number; expectedVersion?: number | null }> | null; filter?: Record<string, unknown> | null };
const selectionOf = (s: SelectionArg): BulkSelection => ({
  cases: s.cases?.map((c) => ({ id: String(c.id), expectedVersion: c.expectedVersion })) ?? null,
  filter: s.filter ? { ...s.filter, assigneeId: s.filter.assigneeId == null ? null : String(s.filter.assigneeId) } : null,
});

const errors = (union: string) => ({ types: [...COMMON_ERRORS, BulkLimitExceededError, IdempotencyConflictError], directResult: true as const, union: { name: union } });

const BulkReleaseCasesInput = builder.inputType('BulkReleaseCasesInput', {
  fields: (t) => ({
    select: t.field({ type: BulkCaseSelectionInput, required: true }),
    idempotencyKey: t.string({ description: KEY_DESCRIPTION }),
  }),
});

builder.mutationField('bulkReleaseCases', (t) =>
  t.field({
    type: BulkCaseActionSuccess,
    authScopes: { role: 'LEAD' },
    description: 'Hand the selected held cases back to their queues (leads), as releaseCase does each; a case nobody holds is UNCHANGED',
    errors: errors('BulkReleaseCasesResult'),
    args: { input: t.arg({ type: BulkReleaseCasesInput, required: true }) },
    resolve: (_root, { input }, ctx) => bulkCaseAction(ctx.services, { kind: 'RELEASE' }, selectionOf(input.select), input.idempotencyKey),
  }),
);

const BulkMoveCasesInput = builder.inputType('BulkMoveCasesInput', {
  fields: (t) => ({
    select: t.field({ type: BulkCaseSelectionInput, required: true }),
    queue: t.field({ type: QueueNameEnum }),
    priority: t.field({ type: PriorityEnum, description: 'A new priority also sets the SLA it carries, from the case’s creation' }),
    reason: t.string({ required: true }),
    idempotencyKey: t.string({ description: KEY_DESCRIPTION }),
  }),
});

builder.mutationField('bulkMoveCases', (t) =>
  t.field({
    type: BulkCaseActionSuccess,
    authScopes: { role: 'LEAD' },
    description:
      'Move or re-prioritise the selected open or held cases, with a reason kept in the audit log (leads), as moveCase does each; a case already there is UNCHANGED',
    errors: errors('BulkMoveCasesResult'),
    args: { input: t.arg({ type: BulkMoveCasesInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      bulkCaseAction(ctx.services, { kind: 'MOVE', queue: input.queue, priority: input.priority, reason: input.reason }, selectionOf(input.select), input.idempotencyKey),
  }),
);

const BulkCloseCasesAsDuplicateInput = builder.inputType('BulkCloseCasesAsDuplicateInput', {
  fields: (t) => ({
    select: t.field({ type: BulkCaseSelectionInput, required: true }),
    duplicateOfId: t.id({ required: true, description: 'The case that stands for the selected ones' }),
    idempotencyKey: t.string({ description: KEY_DESCRIPTION }),
  }),
});

builder.mutationField('bulkCloseCasesAsDuplicate', (t) =>
  t.field({
    type: BulkCaseActionSuccess,
    authScopes: { role: 'LEAD' },
    description:
      'Close the selected open or held cases as duplicates of a named case, which stands for them (Case.duplicateOf), ending any lease (leads). A case already closed as its duplicate is UNCHANGED',
    errors: errors('BulkCloseCasesAsDuplicateResult'),
    args: { input: t.arg({ type: BulkCloseCasesAsDuplicateInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      bulkCaseAction(ctx.services, { kind: 'CLOSE_AS_DUPLICATE', duplicateOfId: String(input.duplicateOfId) }, selectionOf(input.select), input.idempotencyKey),
  }),
);
