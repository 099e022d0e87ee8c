import type { ZodError } from 'zod';
import { ValidationError } from './errors.js';

/** A zod failure as a typed error naming each field; `root` names the input when the schema is a bare list. */
export const toValidationError = (error: ZodError, root?: string): ValidationError =>
  new ValidationError(error.issues.map((issue) => ({ path: [...(root ? [root] : []), ...issue.path].join('.') || 'input', message: issue.message })));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Record ids are UUIDs: anything else names no record, so it is "not found" rather than a database error. */
export const isUuid = (id: string) => UUID.test(id);
