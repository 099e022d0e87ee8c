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
  NotQualifiedError,
  RateLimitedError,
  ValidationError,
  VersionConflictError,
  type FieldIssue,
} from '../services/errors.js';
import { wrapErrorIfMatches } from '@pothos/plugin-errors';
import { builder } from './builder.js';
import { RoleEnum } from './enums.js';

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

/**
 * A domain error as a field's value rather than as a resolver's outcome (GraphQL treats any returned `Error` as a
 * failure of the field): wrapped as the errors plugin wraps a result union's error member, so the error types below
 * resolve it. Used by fields that answer one error per item (bulk actions, decisions applied to linked cases).
 */
export const errorValue = (error: DomainError): DomainError =>
  wrapErrorIfMatches(error, [DomainError as unknown as new (...args: never[]) => DomainError]) as DomainError;

/** The object type of a domain error that carries nothing beyond `message` and `code`. */
function errorType(cls: new (...args: never[]) => DomainError, name: string) {
  builder.objectType(cls as new (...args: unknown[]) => DomainError, { name, interfaces: [ErrorInterface], isTypeOf: (value) => value instanceof cls, fields: () => ({}) });
}

errorType(NotFoundError, 'NotFoundError');
errorType(ForbiddenError, 'ForbiddenError');
errorType(NotAuthenticatedError, 'NotAuthenticatedError');
errorType(InvalidTransitionError, 'InvalidTransitionError');
errorType(IdempotencyConflictError, 'IdempotencyConflictError');
errorType(NoCaseAvailableError, 'NoCaseAvailableError');
errorType(EscalationRequiredError, 'EscalationRequiredError');
errorType(AppealNotAllowedError, 'AppealNotAllowedError');

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ fields: t.field({ type: [FieldIssueRef], resolve: (e) => e.fields }) }),
});
builder.objectType(VersionConflictError, {
  name: 'VersionConflictError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof VersionConflictError,
  fields: (t) => ({ currentVersion: t.exposeInt('currentVersion') }),
});
builder.objectType(ExposureCapReachedError, {
  name: 'ExposureCapReachedError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ExposureCapReachedError,
  fields: (t) => ({ cap: t.exposeInt('cap') }),
});
builder.objectType(NotQualifiedError, {
  name: 'NotQualifiedError',
  description: 'The step needs a qualification (role) the caller does not hold now; `qualification` names it',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotQualifiedError,
  fields: (t) => ({ qualification: t.field({ type: RoleEnum, resolve: (e) => e.qualification }) }),
});
builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

/** Error types any mutation may return. */
export const COMMON_ERRORS = [ValidationError, NotFoundError, ForbiddenError, NotAuthenticatedError, InvalidTransitionError];
