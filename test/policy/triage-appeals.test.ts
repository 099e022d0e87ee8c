import { describe, expect, it } from 'vitest';
import {
  SLA_MINUTES,
  appealRefusal,
  appealableUntil,
  canHandleCategory,
  canWorkQueue,
  intakeGuidance,
  mayDecideAppeal,
  overturnEffect,
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

describe('triage', () => {
  it('immediate risk is P0 in the immediate-risk queue with an SLA in minutes', () => {
    const t = triage(signals({ category: 'PHYSICAL_CHILD_ABUSE_MEDIA', childAtImmediateRisk: true }));
    expect(t).toMatchObject({ priority: 0, queue: 'IMMEDIATE_RISK', qualification: 'CHILD_SAFETY_SPECIALIST' });
    expect(t.slaMinutes).toBeLessThan(60);
  });
  it('exploitation is P1 for specialists; a known hash makes any category at most P1', () => {
    expect(triage(signals({ category: 'CHILD_SEXUAL_EXPLOITATION' }))).toMatchObject({ priority: 1, queue: 'CHILD_SEXUAL_EXPLOITATION', qualification: 'CHILD_SAFETY_SPECIALIST' });
    expect(triage(signals({ knownHashMatch: true })).priority).toBe(1);
  });
  it('more distinct reporters and a request by the depicted minor raise priority, never above P1', () => {
    const p = (o: Partial<TriageSignals>) => triage(signals(o)).priority;
    expect(p({})).toBe(3);
    expect(p({ distinctReporters: 3 })).toBe(2);
    expect(p({ distinctReporters: 10 })).toBe(1);
    expect(p({ requestedByDepicted: true })).toBe(2);
    expect(p({ requestedByDepicted: true, distinctReporters: 50 })).toBe(1);
    expect(SLA_MINUTES[p({ distinctReporters: 3 })]).toBeLessThan(SLA_MINUTES[3]!);
  });
  it('queues and categories need the right qualification', () => {
    expect(canWorkQueue(['REVIEWER'], 'CHILD_SEXUAL_EXPLOITATION')).toBe(false);
    expect(canWorkQueue(['CHILD_SAFETY_SPECIALIST'], 'CHILD_SEXUAL_EXPLOITATION')).toBe(true);
    expect(canWorkQueue(['REVIEWER'], 'MINOR_PHYSICAL_ALTERCATION')).toBe(true);
    expect(canWorkQueue(['REVIEWER'], 'APPEALS')).toBe(false);
    expect(canWorkQueue(['LEAD'], 'IMMEDIATE_RISK')).toBe(true);
    expect(canWorkQueue(['ANALYST', 'ADMIN'], 'MINOR_PHYSICAL_ALTERCATION')).toBe(false);
    expect(canHandleCategory(['APPEALS_REVIEWER'], 'PHYSICAL_CHILD_ABUSE_MEDIA')).toBe(false);
  });
});

describe('appeal rules', () => {
  const decidedAt = new Date('2026-01-31T12:00:00Z');
  const until = appealableUntil(decidedAt);
  it('the window is at least six months', () => {
    expect(until.getTime() - decidedAt.getTime()).toBeGreaterThanOrEqual(181 * 86_400_000);
    expect(until.toISOString()).toBe('2026-07-31T12:00:00.000Z');
  });
  const base = { appealableUntil: until, now: new Date('2026-03-01T00:00:00Z'), priorAppeals: 0, decisionReversed: false };
  it('the affected account appeals enforcement; a notifier appeals any decision on their notice', () => {
    expect(appealRefusal({ ...base, appellantKind: 'AFFECTED_ACCOUNT', decisionActions: ['REMOVE_CONTENT'] })).toBeNull();
    expect(appealRefusal({ ...base, appellantKind: 'AFFECTED_ACCOUNT', decisionActions: ['NO_ACTION'] })?.code).toBe('NOT_APPEALABLE');
    expect(appealRefusal({ ...base, appellantKind: 'NOTIFIER', decisionActions: ['NO_ACTION'] })).toBeNull();
    // A notifier may appeal any decision on their notice, a label instead of removal included (DSA Art. 20).
    expect(appealRefusal({ ...base, appellantKind: 'NOTIFIER', decisionActions: ['REMOVE_CONTENT'] })).toBeNull();
    expect(appealRefusal({ ...base, appellantKind: 'NOTIFIER', decisionActions: ['SENSITIVE_MEDIA_LABEL'] })).toBeNull();
  });
  it('closed windows and second appeals are refused', () => {
    expect(appealRefusal({ ...base, now: new Date('2026-08-01T00:00:00Z'), appellantKind: 'AFFECTED_ACCOUNT', decisionActions: ['REMOVE_CONTENT'] })?.code).toBe('WINDOW_CLOSED');
    expect(appealRefusal({ ...base, priorAppeals: 1, appellantKind: 'AFFECTED_ACCOUNT', decisionActions: ['REMOVE_CONTENT'] })?.code).toBe('ALREADY_APPEALED');
  });
  it('a successful appeal lifts enforcement for the account, and reopens the case for a notifier', () => {
    expect(overturnEffect(['REMOVE_CONTENT'], 'AFFECTED_ACCOUNT')).toBe('REVERSE_ENFORCEMENT');
    expect(overturnEffect(['SENSITIVE_MEDIA_LABEL'], 'NOTIFIER')).toBe('REOPEN_CASE');
    expect(overturnEffect(['NO_ACTION'], 'NOTIFIER')).toBe('REOPEN_CASE');
  });
  it('the original decider may not decide the appeal', () => {
    expect(mayDecideAppeal('u1', 'u1')).toBe(false);
    expect(mayDecideAppeal('u1', 'u2')).toBe(true);
  });
});

describe('intake guidance', () => {
  it('immediate risk: contact law enforcement, with NCMEC contacts', () => {
    const g = intakeGuidance('MINOR_PHYSICAL_ALTERCATION', true);
    expect(g.message).toContain('reach out to your local law enforcement');
    expect(g.ncmecPhone).toBe('1-800-843-5678');
  });
  it('exploitation: the warning not to engage with the content', () => {
    const g = intakeGuidance('CHILD_SEXUAL_EXPLOITATION', false);
    expect(g.message).toMatch(/do not like, reply to, quote-post, screenshot/);
    expect(g.ncmecCyberTiplineUrl).toMatch(/^https:\/\//);
  });
  it('other reports get no NCMEC contacts', () => {
    expect(intakeGuidance('PHYSICAL_CHILD_ABUSE_MEDIA', false).ncmecPhone).toBeNull();
  });
});
