// What a client sees of an error: authentication failures as UNAUTHENTICATED (HTTP 401), domain errors with their code,
// GraphQL errors as they are; anything else is logged (without secrets or report text) and shown as
// INTERNAL_SERVER_ERROR with the request id, never a stack trace.
import { GraphQLError } from 'graphql';
import { AuthenticationError } from './auth/jwt.js';
import { DomainError } from './services/errors.js';
import { errorForLog } from './log-safety.js';
import type { Logger } from './logger.js';
import { currentRequestId } from './request-id.js';

/** A refusal the API answers on purpose (bad input, not allowed, a conflict): part of the contract, not a fault. */
export function isExpectedRefusal(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return original instanceof AuthenticationError || original instanceof DomainError;
}

/** What a log line says of a refusal: its type and code, never its message (which may quote input). */
export function refusalForLog(error: unknown): { type: string; code: string } {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) return { type: original.constructor.name, code: original.code };
  return { type: original instanceof Error ? original.constructor.name : typeof original, code: 'UNAUTHENTICATED' };
}

export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    // A refusal keeps the path and location of the field that refused, so a client can tell which field failed.
    const where = error instanceof GraphQLError ? { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path } : {};
    if (original instanceof AuthenticationError) {
      return new GraphQLError(original.message, { ...where, extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
    if (original instanceof DomainError) return new GraphQLError(original.message, { ...where, extensions: { code: original.code } });
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
    const requestId = currentRequestId();
    logger.error({ error: errorForLog(original), requestId }, 'unexpected error');
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } });
  };
}
