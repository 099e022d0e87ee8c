import type { ZodError } from 'zod';
import { ValidationError } from './errors.js';

/** A zod failure as a typed error naming each field. */
export const toValidationError = (error: ZodError): ValidationError =>
  new ValidationError(error.issues.map((issue) => ({ path: issue.path.join('.') || 'input', message: issue.message })));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Record ids are UUIDs: anything else names no record, so it is "not found" rather than a database error. */
export const isUuid = (id: string) => UUID.test(id);
