import type { ZodError } from 'zod';
import { ValidationError } from './errors.js';

/** A zod failure as a typed error naming each field. */
export const toValidationError = (error: ZodError): ValidationError =>
  new ValidationError(error.issues.map((issue) => ({ path: issue.path.join('.') || 'input', message: issue.message })));
