// Values derived from the server secret: follow-up tokens (recomputable, so an idempotent replay returns the same
// token while the database keeps only its hash) and pseudonymous reporter keys for counting distinct reporters.
import { createHash, createHmac } from 'node:crypto';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

export const followUpTokenFor = (secret: string, reportId: string): string =>
  createHmac('sha256', secret).update(`follow-up-token:${reportId}`).digest('base64url');

export const reporterKeyFor = (secret: string, identity: string): string =>
  createHmac('sha256', secret).update(`reporter:${identity}`).digest('hex');
