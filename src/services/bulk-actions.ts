// Bulk actions (leads): release, move or close as duplicate up to BULK_LIMIT cases, chosen by id or by a `cases`
// filter. Each case goes through the single-case step (the same guard, audit event and live events as one at a time),
// in a transaction of its own, so a refusal or a bad id is that case's result and never aborts the rest. A final unit
// records what the request did as one audit event, which is also what a retry with the same idempotency key answers.
import { createHash, randomUUID } from 'node:crypto';
import type { Case } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import {
  BulkLimitExceededError,
  DomainError,
  ExposureCapReachedError,
  ForbiddenError,
  IdempotencyConflictError,
  InvalidTransitionError,
  NotAuthenticatedError,
  NotFoundError,
  NotQualifiedError,
  ValidationError,
  VersionConflictError,
  type FieldIssue,
} from './errors.js';
import { currentRoles } from './access.js';
import { releaseWithin, requireUser } from './claims.js';
import { checkedMove, moveWithin, type MoveInput } from './moves.js';
import { assertDuplicateTarget, closeAsDuplicateWithin } from './duplicates.js';
import { CASE_ORDER, caseSearchWhere, type CaseFilter } from './case-search.js';
import { canonicalJson } from './canonical-json.js';
import { NoChange, inTransaction, type Unit } from './transaction.js';
import type { Role } from '../policy/index.js';

/** The most cases one bulk request may change. */
export const BULK_LIMIT = 1000;

export type BulkAction = { kind: 'RELEASE' } | ({ kind: 'MOVE' } & MoveInput) | { kind: 'CLOSE_AS_DUPLICATE'; duplicateOfId: string };

export interface BulkTarget {
  id: string;
  /** When given, the case is refused (VersionConflictError) unless it is at this version. */
  expectedVersion?: number | null;
}

/** Exactly one of: cases by id, or every case a `cases` filter matches (evaluated once, as the request starts). */
export interface BulkSelection {
  cases?: BulkTarget[] | null;
  filter?: CaseFilter | null;
}

/** DONE: changed now. UNCHANGED: already so (e.g. a retry), nothing written. REFUSED: `error` says why. */
export type BulkOutcome = 'DONE' | 'UNCHANGED' | 'REFUSED';

export interface BulkCaseResult {
  caseId: string;
  outcome: BulkOutcome;
  error: DomainError | null;
}

export interface BulkResult {
  results: BulkCaseResult[];
  /** The answer of an earlier request with the same idempotency key, returned again; nothing was done now. */
  replayed: boolean;
}

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

export async function bulkCaseAction(ctx: ServiceContext, action: BulkAction, selection: BulkSelection, idempotencyKey?: string | null): Promise<BulkResult> {
  const user = requireUser(ctx);
  const move = action.kind === 'MOVE' ? checkedMove(action) : null;
  const issues: FieldIssue[] = [];
  if ((selection.cases == null) === (selection.filter == null)) issues.push({ path: 'select', message: 'give either cases or a filter' });
  if (selection.cases && selection.cases.length === 0) issues.push({ path: 'select.cases', message: 'name at least one case' });
  if (idempotencyKey != null && !KEY.test(idempotencyKey)) issues.push({ path: 'idempotencyKey', message: 'must be 8 to 128 letters, digits or ._:-' });
  if (issues.length) throw new ValidationError(issues);
  if (selection.cases && selection.cases.length > BULK_LIMIT) throw new BulkLimitExceededError(BULK_LIMIT);

  // The key is the caller's own: two leads may use the same one. It is stored hashed, with a hash of the request.
  const keyId = idempotencyKey ? sha256(`${user.id}\u0000${idempotencyKey}`) : null;
  const requestHash = sha256(canonicalJson({ action: move ? { kind: 'MOVE', ...move } : action, selection: normalised(selection) }));
  // The caller's access as it stands now (a withdrawn role counts), before a replay answers anything.
  const roles = await ctx.prisma.$transaction((tx) => currentRoles(tx, user));
  if (!roles.includes('LEAD')) throw new ForbiddenError('This step needs one of: LEAD');
  if (keyId) {
    const earlier = await replay(ctx, keyId, requestHash);
    if (earlier) return earlier;
  }

  const targets = await select(ctx, roles, selection, action);
  const step = (unit: Unit, target: BulkTarget): Promise<Case | null> => {
    switch (action.kind) {
      case 'RELEASE':
        return releaseWithin(ctx, unit, target.id, { whenFree: 'skip', expectedVersion: target.expectedVersion });
      case 'MOVE':
        return moveWithin(ctx, unit, target.id, move!, target.expectedVersion);
      case 'CLOSE_AS_DUPLICATE':
        return closeAsDuplicateWithin(ctx, unit, target.id, action.duplicateOfId, target.expectedVersion);
    }
  };
  const results: BulkCaseResult[] = [];
  for (const target of targets) {
    try {
      const changed = await inTransaction(ctx, async (unit) => {
        const updated = await step(unit, target);
        if (!updated) throw new NoChange(null);
        return updated;
      });
      results.push({ caseId: target.id, outcome: changed ? 'DONE' : 'UNCHANGED', error: null });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({ caseId: target.id, outcome: 'REFUSED', error });
    }
  }

  await inTransaction(ctx, async (unit) => {
    unit.audit({
      action: 'case.bulk_action',
      entityType: 'BulkCaseAction',
      entityId: keyId ?? randomUUID(),
      changes: {
        kind: action.kind,
        selectedBy: selection.cases ? 'cases' : 'filter',
        requestHash,
        done: results.filter((r) => r.outcome === 'DONE').length,
        unchanged: results.filter((r) => r.outcome === 'UNCHANGED').length,
        refused: results.filter((r) => r.outcome === 'REFUSED').length,
        results: results.map(stored),
      },
    });
  });
  return { results, replayed: false };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The selection as it is hashed: ids in order, versions only where given, the filter's dates as ISO strings. */
function normalised(selection: BulkSelection): unknown {
  if (selection.cases) return { cases: selection.cases.map((c) => (c.expectedVersion == null ? [c.id] : [c.id, c.expectedVersion])) };
  return { filter: JSON.parse(JSON.stringify(selection.filter ?? {}, (_k, v: unknown) => (v === undefined ? null : v))) };
}

/**
 * The cases to act on, each once in the order given (by id), or newest first (by filter) at the version matched. The
 * filter is narrowed to what the caller may see, exactly as `cases(filter)`, with the caller's access as it stands
 * now; more than BULK_LIMIT matches is refused before anything changes.
 */
async function select(ctx: ServiceContext, roles: Role[], selection: BulkSelection, action: BulkAction): Promise<BulkTarget[]> {
  if (action.kind === 'CLOSE_AS_DUPLICATE') await assertDuplicateTarget(ctx, roles, action.duplicateOfId);
  if (selection.cases) {
    const seen = new Set<string>();
    return selection.cases.filter((c) => !seen.has(c.id) && seen.add(c.id));
  }
  const rows = await ctx.prisma.case.findMany({ where: caseSearchWhere(roles, selection.filter), orderBy: CASE_ORDER, take: BULK_LIMIT + 1, select: { id: true, version: true } });
  if (rows.length > BULK_LIMIT) throw new BulkLimitExceededError(BULK_LIMIT);
  // Each case as the filter matched it: one changed since (claimed, moved, decided) is refused with
  // VersionConflictError rather than acted on in a state the filter did not choose.
  return rows.map((r) => ({ id: r.id, expectedVersion: r.version }));
}

interface StoredResult {
  caseId: string;
  outcome: BulkOutcome;
  code?: string;
  message?: string;
  currentVersion?: number;
  qualification?: Role;
  cap?: number;
  fields?: FieldIssue[];
}

/** A result as the audit event keeps it: the refusal's code, message and typed fields. */
function stored(r: BulkCaseResult): StoredResult {
  if (!r.error) return { caseId: r.caseId, outcome: r.outcome };
  const e = r.error as DomainError & Partial<{ currentVersion: number; qualification: Role; cap: number; fields: FieldIssue[] }>;
  return {
    caseId: r.caseId,
    outcome: r.outcome,
    code: e.code,
    message: e.message,
    ...(e.currentVersion !== undefined ? { currentVersion: e.currentVersion } : {}),
    ...(e.qualification !== undefined ? { qualification: e.qualification } : {}),
    ...(e.cap !== undefined ? { cap: e.cap } : {}),
    ...(e.fields !== undefined ? { fields: e.fields } : {}),
  };
}

/** The typed refusal a stored result describes, with its message as first answered. */
function revived(s: StoredResult): DomainError {
  const error = ((): DomainError => {
    switch (s.code) {
      case 'VALIDATION_FAILED':
        return new ValidationError(s.fields ?? []);
      case 'NOT_FOUND':
        return new NotFoundError('Case');
      case 'VERSION_CONFLICT':
        return new VersionConflictError(s.currentVersion ?? 0);
      case 'NOT_QUALIFIED':
        return new NotQualifiedError(s.qualification ?? 'LEAD', '');
      case 'EXPOSURE_CAP_REACHED':
        return new ExposureCapReachedError(s.cap ?? 0);
      case 'FORBIDDEN':
        return new ForbiddenError('');
      case 'UNAUTHENTICATED':
        return new NotAuthenticatedError();
      default:
        return new InvalidTransitionError('');
    }
  })();
  error.message = s.message ?? error.message;
  return error;
}

/** The first answer to this caller's key, if any; the same key with another request is refused. */
async function replay(ctx: ServiceContext, keyId: string, requestHash: string): Promise<BulkResult | null> {
  const event = await ctx.prisma.auditEvent.findFirst({ where: { entityType: 'BulkCaseAction', entityId: keyId }, orderBy: { seq: 'asc' }, select: { changes: true } });
  if (!event) return null;
  const changes = event.changes as unknown as { requestHash: string; results: StoredResult[] };
  if (changes.requestHash !== requestHash) throw new IdempotencyConflictError('This idempotency key was already used for a different bulk action');
  return { results: changes.results.map((s) => ({ caseId: s.caseId, outcome: s.outcome, error: s.code ? revived(s) : null })), replayed: true };
}
