// npm run seed — a small, neutral demo data set: reports in every queue, one case taken through to a decision.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { submitReport } from '../src/services/intake.js';
import { claimNextCase } from '../src/services/claims.js';
import { submitAssessment } from '../src/services/assessments.js';
import { decideCase } from '../src/services/decisions.js';
import { ensureReviewer } from '../src/services/reviewers.js';
import type { Actor, ServiceContext } from '../src/services/context.js';
import type { Category } from '../src/policy/index.js';
import { openConfiguredDatabase } from './open-db.js';
import { PdqBankIndex } from '../src/matching/bank-index.js';

const config = loadConfig();
const db = await openConfiguredDatabase({ command: 'npm run seed' });
const ctx = (actor: Actor): ServiceContext => ({
  prisma: db.prisma,
  actor,
  requestId: 'seed',
  now: () => new Date(),
  events: { publish: () => {} },
  settings: { leaseMinutes: config.LEASE_MINUTES, dailyExposureCap: config.DAILY_EXPOSURE_CAP, secret: config.JWT_SECRET },
  ncmec: null,
  hashBanks: new PdqBankIndex(db.prisma, config.PDQ_MATCH_DISTANCE),
});
const anonymous = ctx({ kind: 'ANONYMOUS', clientAddress: 'seed' });
const hash = () => randomBytes(32).toString('hex');
const demo: Array<{ category: Category; risk?: boolean; relation?: 'DEPICTED_MINOR' }> = [
  { category: 'CHILD_SEXUAL_EXPLOITATION' },
  { category: 'CHILD_SEXUAL_EXPLOITATION' },
  { category: 'PHYSICAL_CHILD_ABUSE_MEDIA' },
  { category: 'PHYSICAL_CHILD_ABUSE_MEDIA', risk: true },
  { category: 'MINOR_PHYSICAL_ALTERCATION' },
  { category: 'MINOR_PHYSICAL_ALTERCATION', relation: 'DEPICTED_MINOR' },
];
try {
  for (const [i, d] of demo.entries()) {
    await submitReport(anonymous, {
      contentId: `content-demo-${randomBytes(3).toString('hex')}-${i}`,
      contentUrl: `https://platform.example/content/demo-${i}`,
      mediaHashes: [{ algorithm: 'SHA256', value: hash() }],
      reportedAccountId: `account-demo-${i}`,
      category: d.category,
      description: 'placeholder description',
      childAtImmediateRisk: d.risk ?? false,
      reporterRelation: d.relation ?? 'OTHER',
    });
  }
  const reviewer = { kind: 'USER' as const, id: 'demo-reviewer', name: 'Demo Reviewer', roles: ['REVIEWER' as const] };
  await ensureReviewer(db.prisma, reviewer);
  const asReviewer = ctx(reviewer);
  const { case: claimed } = await claimNextCase(asReviewer, 'MINOR_PHYSICAL_ALTERCATION');
  await submitAssessment(asReviewer, { caseId: claimed.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'NON_ABUSIVE', excessivelyGraphic: false });
  const current = await db.prisma.case.findUniqueOrThrow({ where: { id: claimed.id } });
  const { decision } = await decideCase(asReviewer, { caseId: current.id, expectedVersion: current.version, actions: claimed.requestedByDepicted ? ['REMOVE_CONTENT'] : ['SENSITIVE_MEDIA_LABEL'] });
  console.log(`Seeded ${demo.length} reports; case ${claimed.id} decided (${decision.actions.join(', ')}).`);
  console.log('Tokens for GraphiQL: npm run token -- --role CHILD_SAFETY_SPECIALIST --sub demo-specialist');
} finally {
  await db.close();
}
