// The GraphQL schema: each file registers one domain type with its queries, inputs and mutations.
import { builder } from './builder.js';
import './errors.js';
import './node.js';
import './enums.js';
import './viewer.js';
import './report.js';
import './case.js';
import './case-note.js';
import './case-link.js';
import './case-search.js';
import './reported-account.js';
import './bulk-actions.js';
import './queue.js';
import './assessment.js';
import './decision.js';
import './appeal.js';
import './ncmec.js';
import './referral.js';
import './audit.js';
import './policy.js';
import './analytics.js';
import './exposure.js';
import './enforcement.js';
import './strike.js';
import './hash-bank.js';

export const schema = builder.toSchema();
