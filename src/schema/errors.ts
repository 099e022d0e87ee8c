// The `Error` interface and one object type per domain error; mutation results are unions of success and these.
import {
  AppealNotAllowedError,
  DomainError,
  EscalationRequiredError,
  ExposureCapReachedError,
  ForbiddenError,
  IdempotencyConflictError,
  InvalidTransitionError,
  NoCaseAvailableError,
  NotAuthenticatedError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
  VersionConflictError,
  type FieldIssue,
} from '../services/errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'A problem the client can act on. Every mutation result is a union of its success type and these.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

type ErrorClass = new (...args: never[]) => DomainError;

/** Registers a GraphQL object type for a domain error class, implementing `Error`. */
function errorType(cls: ErrorClass, name: string, extra: Record<string, (e: DomainError) => unknown> = {}, extraTypes: Record<string, 'Int' | [typeof FieldIssueRef]> = {}) {
  builder.objectType(cls as new (...args: unknown[]) => DomainError, {
    name,
    interfaces: [ErrorInterface],
    isTypeOf: (value: unknown) => value instanceof cls,
    fields: (t) =>
      Object.fromEntries(
        Object.entries(extra).map(([field, resolve]) => [field, t.field({ type: extraTypes[field] as 'Int', resolve: (e) => resolve(e) as number })]),
      ),
  });
}

errorType(ValidationError, 'ValidationError', { fields: (e) => (e as ValidationError).fields }, { fields: [FieldIssueRef] });
errorType(NotFoundError, 'NotFoundError');
errorType(ForbiddenError, 'ForbiddenError');
errorType(NotAuthenticatedError, 'NotAuthenticatedError');
errorType(VersionConflictError, 'VersionConflictError', { currentVersion: (e) => (e as VersionConflictError).currentVersion }, { currentVersion: 'Int' });
errorType(InvalidTransitionError, 'InvalidTransitionError');
errorType(IdempotencyConflictError, 'IdempotencyConflictError');
errorType(NoCaseAvailableError, 'NoCaseAvailableError');
errorType(ExposureCapReachedError, 'ExposureCapReachedError', { cap: (e) => (e as ExposureCapReachedError).cap }, { cap: 'Int' });
errorType(EscalationRequiredError, 'EscalationRequiredError');
errorType(AppealNotAllowedError, 'AppealNotAllowedError');
errorType(RateLimitedError, 'RateLimitedError', { retryAfterSeconds: (e) => (e as RateLimitedError).retryAfterSeconds }, { retryAfterSeconds: 'Int' });

/** Error types any mutation may return. */
export const COMMON_ERRORS = [ValidationError, NotFoundError, ForbiddenError, NotAuthenticatedError, InvalidTransitionError];
