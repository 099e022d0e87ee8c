// decideCase's own checks, called directly on one embedded database (as test/guards/services.test.ts does): the input
// schema, the assessment it decides against, the category the decision is taken under, and a decision applied from a
// linked case that needs a lead other than its assessor. Each test kills a mutant the `guards` scope left alive
// (docs/mutation-testing.md, "Measured").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from '../support/harness.js';
import { idOf, refused, serviceActors } from './support.js';
import type { Category } from '../../src/policy/index.js';
import type { ServiceContext } from '../../src/services/context.js';
import { submitReport } from '../../src/services/intake.js';
import { submitAssessment, type AssessmentInput } from '../../src/services/assessments.js';
import { decideCase } from '../../src/services/decisions.js';
import { applyDecisionToLinkedCases, linkCases } from '../../src/services/case-links.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, undefined, { listen: false });
});
afterAll(() => server?.close());

const prisma = () => server.app.db.prisma;
const { user, anonymous, caseOf, hold } = serviceActors(() => server);


async function fileCase(category: Category, extra: Record<string, unknown> = {}) {
  const r = await submitReport(anonymous(), { contentId: `content-${hex(6)}`, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}`, ...extra });
  return r.report.caseId;
}


async function assess(ctx: ServiceContext, caseId: string, factors: Omit<AssessmentInput, 'caseId'>) {
  const { assessment } = await submitAssessment(ctx, { caseId, ...factors } as AssessmentInput);
  return { version: (await caseOf(caseId)).version, assessmentId: assessment.id };
}

const ALTERCATION_REMOVE = { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'CONFIRMED_MINOR', context: 'ABUSIVE', excessivelyGraphic: true } as const;
const ALTERCATION_ADULT = { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'ADULT' } as const;
const CSE_MINOR = { category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'REAL', promotesExploitation: false } as const;

describe('deciding (src/services/decisions.ts): input, assessment, category', () => {
  it('refuses input the schema refuses with a ValidationError naming the field, and writes nothing', async () => {
    const reviewer = await user('schema-reviewer', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(caseId, reviewer);
    const { version } = await assess(reviewer, caseId, ALTERCATION_REMOVE);
    const before = await caseOf(caseId);
    const audits = await prisma().auditEvent.count({ where: { caseId } });
    await refused(decideCase(reviewer, { caseId: 'not-a-case-id', expectedVersion: version, actions: ['REMOVE_CONTENT'] }), 'ValidationError', /caseId: must be a case id/);
    await refused(decideCase(reviewer, { caseId, expectedVersion: version, actions: [] }), 'ValidationError', /actions: name at least one action, or NO_ACTION/);
    await refused(decideCase(reviewer, { caseId, expectedVersion: version, actions: ['NO_ACTION', 'REMOVE_CONTENT'] }), 'ValidationError', /actions: NO_ACTION cannot be combined with other actions/);
    expect(await prisma().decision.count({ where: { caseId } })).toBe(0);
    expect(await prisma().auditEvent.count({ where: { caseId } })).toBe(audits);
    expect(await caseOf(caseId)).toEqual(before);
  });

  it('decides against the latest assessment when the case was assessed twice', async () => {
    const reviewer = await user('reassess-reviewer', ['REVIEWER']);
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION');
    await hold(caseId, reviewer);
    // First assessed as an adult (out of scope: only NO_ACTION), then again as a minor (REMOVE_CONTENT recommended).
    await assess(reviewer, caseId, ALTERCATION_ADULT);
    const { version, assessmentId } = await assess(reviewer, caseId, ALTERCATION_REMOVE);
    // Following the second recommendation needs no justification; under the first it would be refused.
    const { decision } = await decideCase(reviewer, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'] });
    expect(decision).toMatchObject({ assessmentId, actions: ['REMOVE_CONTENT'], deviatesFromRecommendation: false });
  });

  it('the justification refusal names every recommended action, comma-separated', async () => {
    const specialist = await user('names-specialist', ['CHILD_SAFETY_SPECIALIST']);
    const caseId = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(caseId, specialist);
    const { version } = await assess(specialist, caseId, CSE_MINOR);
    const e = await refused(decideCase(specialist, { caseId, expectedVersion: version, actions: ['REMOVE_CONTENT'] }), 'ValidationError');
    expect(e.message).toBe('Invalid input: justification: a written justification is required to deviate from the recommendation (REMOVE_CONTENT, SUSPEND_ACCOUNT)');
  });

  it('a decision is taken under the category the case was assessed as, not one a later report raised it to', async () => {
    const lead = await user('category-lead', ['LEAD']);
    const contentId = `content-${hex(6)}`;
    const caseId = await fileCase('MINOR_PHYSICAL_ALTERCATION', { contentId });
    await hold(caseId, lead);
    // Assessed as an altercation of undetermined age (a lead decides it), then a report raises the case to exploitation.
    await assess(lead, caseId, { category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'UNDETERMINED', context: 'ABUSIVE', excessivelyGraphic: true });
    expect(await fileCase('CHILD_SEXUAL_EXPLOITATION', { contentId })).toBe(caseId);
    const raised = await caseOf(caseId);
    expect(raised).toMatchObject({ category: 'CHILD_SEXUAL_EXPLOITATION', assigneeId: idOf(lead), status: 'IN_REVIEW' });
    const { decision } = await decideCase(lead, { caseId, expectedVersion: raised.version, actions: ['REMOVE_CONTENT'], justification: 'placeholder justification' });
    // Removing an altercation found to show a minor is not a finding of exploitation: no CyberTipline record.
    expect(JSON.stringify(decision.statementOfReasons)).not.toMatch(/child sexual exploitation/);
    expect(await prisma().ncmecReport.count({ where: { caseId } })).toBe(0);
  });

  it('a decision applied from a linked case by the lead who assessed the exploitation it declines is refused, not escalated', async () => {
    const assessor = await user('linked-assessor', ['LEAD']);
    const other = await user('linked-other', ['LEAD']);
    const source = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    const target = await fileCase('CHILD_SEXUAL_EXPLOITATION');
    await hold(source, assessor);
    await assess(assessor, source, CSE_MINOR);
    await linkCases(assessor, source, target, 'placeholder reason');
    // Another lead declines enforcement on it (the two-person rule lets them: they did not assess it).
    await hold(source, other);
    await decideCase(other, { caseId: source, expectedVersion: (await caseOf(source)).version, actions: ['NO_ACTION'], justification: 'placeholder justification' });
    const before = await caseOf(target);
    const applied = await applyDecisionToLinkedCases(assessor, { caseId: source });
    expect(applied.results).toHaveLength(1);
    expect(applied.results[0]!.decisionId).toBeNull();
    expect(applied.results[0]!.error?.constructor.name).toBe('EscalationRequiredError');
    expect(applied.results[0]!.error?.message).toMatch(/\(one other than who assessed it\); the case was left as it was$/);
    expect(await caseOf(target)).toEqual(before);
  });
});
