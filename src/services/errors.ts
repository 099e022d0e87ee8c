// Typed domain errors. The GraphQL layer turns each into a member of the mutation's result union; anything else is
// masked as an internal error with a request id.
import type { EscalationReason, Role } from '../policy/index.js';

export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly fields: FieldIssue[]) {
    super(`Invalid input: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(what: string) {
    super(`${what} was not found`);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class NotAuthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Sign in to do this') {
    super(message);
  }
}

/** The case changed since the caller read it (optimistic concurrency). */
export class VersionConflictError extends DomainError {
  readonly code = 'VERSION_CONFLICT';
  constructor(readonly currentVersion: number) {
    super(`The case has changed since you loaded it (now at version ${currentVersion}); reload and try again`);
  }
}

/** The workflow does not allow this step from the case's current state. */
export class InvalidTransitionError extends DomainError {
  readonly code = 'INVALID_TRANSITION';
}

export class IdempotencyConflictError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(message = 'This idempotency key was already used for a different report') {
    super(message);
  }
}

/** A bulk action's selection holds more cases than one request may change; nothing was changed. */
export class BulkLimitExceededError extends DomainError {
  readonly code = 'BULK_LIMIT_EXCEEDED';
  constructor(readonly limit: number) {
    super(`The selection holds more than ${limit} cases: narrow it; nothing was changed`);
  }
}

export class NoCaseAvailableError extends DomainError {
  readonly code = 'QUEUE_EMPTY';
  constructor(queue: string) {
    super(`No case is waiting in ${queue}`);
  }
}

/** The caller lacks the qualification (role) this step needs, which the refusal names. */
export class NotQualifiedError extends DomainError {
  readonly code = 'NOT_QUALIFIED';
  constructor(
    readonly qualification: Role,
    message: string,
  ) {
    super(message);
  }
}

export class ExposureCapReachedError extends DomainError {
  readonly code = 'EXPOSURE_CAP_REACHED';
  constructor(readonly cap: number) {
    super(
      `You have reviewed ${cap} exploitation or abuse-media cases today, the daily limit. ` +
        'Take a break; other queues remain open to you.',
    );
  }
}

const ESCALATION_MESSAGES: Record<EscalationReason, string> = {
  AGE_UNDETERMINED: 'The age of the person depicted could not be determined: a lead must decide this case',
  DECLINED_ENFORCEMENT_ON_EXPLOITATION:
    'Declining enforcement on a case assessed as child sexual exploitation is a two-person decision: a lead must decide this case',
};

/**
 * A lead must take this decision. The refusal of a decision on the case itself sends the case to the leads
 * (Case.escalation); the refusal of one applied from a linked case leaves it as it was.
 */
export class EscalationRequiredError extends DomainError {
  readonly code = 'ESCALATION_REQUIRED';
  constructor(
    readonly reason: EscalationReason = 'AGE_UNDETERMINED',
    returnedToQueue = true,
  ) {
    super(returnedToQueue ? `${ESCALATION_MESSAGES[reason]}; it has been returned to the queue for a lead` : `${ESCALATION_MESSAGES[reason]} (one other than who assessed it); the case was left as it was`);
  }
}

export class AppealNotAllowedError extends DomainError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many reports from this address; try again in ${retryAfterSeconds} seconds`,
  ) {
    super(message);
  }
}
