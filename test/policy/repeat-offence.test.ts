// The repeat-offence threshold: platform practice (the policy text says nothing about repeat offences), pure.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  REPEAT_OFFENCE_THRESHOLD,
  isRepeatOffender,
  VIOLATING_ACTIONS,
  priorityReasonText,
  repeatOffenceCategories,
  triage,
  type TriageSignals,
} from '../../src/policy/index.js';

const signals = (over: Partial<TriageSignals>): TriageSignals => ({
  category: 'MINOR_PHYSICAL_ALTERCATION',
  childAtImmediateRisk: false,
  distinctReporters: 1,
  requestedByDepicted: false,
  knownHashMatch: false,
  ...over,
});

describe('repeat offences', () => {
  it('the policy text names no repeat-offence rule, so the threshold is a documented constant of practice', () => {
    const text = readFileSync(new URL('../../src/policy/child-safety-policy.txt', import.meta.url), 'utf8');
    expect(text).not.toMatch(/repeat|strikes?\b|prior violation/i);
    expect(REPEAT_OFFENCE_THRESHOLD).toBe(2);
  });

  it('raises one step at the threshold and not before', () => {
    for (let n = 0; n < REPEAT_OFFENCE_THRESHOLD; n++) {
      expect(isRepeatOffender(n)).toBe(false);
      expect(triage(signals({ priorViolations: n }))).toMatchObject({ priority: 3, priorityReason: null });
    }
    const raised = triage(signals({ priorViolations: REPEAT_OFFENCE_THRESHOLD }));
    expect(raised).toMatchObject({ priority: 2, slaMinutes: 12 * 60, priorityReason: { code: 'REPEAT_OFFENDER', priorViolations: 2, threshold: 2 } });
    expect(priorityReasonText(raised.priorityReason!)).toMatch(/2 earlier cases.*threshold 2/);
    expect(triage(signals({ priorViolations: 7 })).priority).toBe(2);
  });

  it('never above P1, never a reason when nothing moved, and immediate risk stays P0 without the reason', () => {
    expect(triage(signals({ category: 'CHILD_SEXUAL_EXPLOITATION', priorViolations: 5 }))).toMatchObject({ priority: 1, priorityReason: null });
    expect(triage(signals({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', priorViolations: 2 }))).toMatchObject({ priority: 1, priorityReason: { code: 'REPEAT_OFFENDER' } });
    expect(triage(signals({ childAtImmediateRisk: true, priorViolations: 5 }))).toMatchObject({ priority: 0, priorityReason: null });
  });

  it('counts decisions that remove the content or sanction the account; a label or no action is not a violation', () => {
    expect([...VIOLATING_ACTIONS].sort()).toEqual(['ACCOUNT_STRIKE', 'REMOVE_CONTENT', 'SUSPEND_ACCOUNT']);
  });

  it("counts only categories the new case's handlers may see", () => {
    expect(repeatOffenceCategories('MINOR_PHYSICAL_ALTERCATION')).toEqual(['MINOR_PHYSICAL_ALTERCATION']);
    expect(repeatOffenceCategories('CHILD_SEXUAL_EXPLOITATION')).toEqual(['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION']);
    expect(repeatOffenceCategories('PHYSICAL_CHILD_ABUSE_MEDIA')).toEqual(['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION']);
  });
});
