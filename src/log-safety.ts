// What an unexpected error may put in a log line. Error messages can carry input: Prisma's repeat the query and its
// arguments (content ids, text), PostgreSQL's quote the offending value, GraphQL's quote the document. So a log line
// gets the error's type, its code (Prisma's Pxxxx or PostgreSQL's SQLSTATE) and where it was thrown, never a message.
import { GraphQLError } from 'graphql';

export interface LoggedError {
  type: string;
  code?: string;
  /** Stack frames only ("at file:line"), without the message the stack starts with. */
  at?: string[];
}

export function errorForLog(error: unknown): LoggedError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (!(original instanceof Error)) return { type: typeof original };
  const code = (original as { code?: unknown }).code;
  const at = original.stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 12)
    .map((line) => line.trim());
  return {
    type: original.constructor?.name || original.name,
    ...(typeof code === 'string' && /^[\w.-]{1,32}$/.test(code) ? { code } : {}),
    ...(at?.length ? { at } : {}),
  };
}

/** Yoga's own log arguments: errors reduced as above, strings (which may quote the document) left out. */
export const yogaLogArgs = (args: unknown[]) => args.map((arg) => (arg instanceof Error ? errorForLog(arg) : typeof arg === 'string' ? '[omitted]' : typeof arg));
