// What a client sees of an error: authentication failures as UNAUTHENTICATED (HTTP 401), domain errors with their code,
// GraphQL errors as they are; anything else is logged (without secrets or report text) and shown as
// INTERNAL_SERVER_ERROR with the request id, never a stack trace.
import { GraphQLError } from 'graphql';
import { AuthenticationError } from './auth/jwt.js';
import { DomainError } from './services/errors.js';
import { errorForLog } from './log-safety.js';
import type { Logger } from './logger.js';
import { currentRequestId } from './request-id.js';

export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (original instanceof AuthenticationError) {
      return new GraphQLError(original.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
    if (original instanceof DomainError) return new GraphQLError(original.message, { extensions: { code: original.code } });
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
    const requestId = currentRequestId();
    logger.error({ error: errorForLog(original), requestId }, 'unexpected error');
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } });
  };
}
