// The console mirrors a few of the server's rules to decide what to show before asking (which queues to open, which
// values the forms offer). Each mirror is checked against the server's own code, so the two cannot drift apart.
import { describe, expect, it } from 'vitest';
import { AGE_ASSESSMENTS, ENFORCEMENT_ACTIONS, QUEUE_NAMES, ROLES, canHandleCategory, canWorkQueue, type Role } from '../../src/policy/index.js';
// @ts-expect-error: a plain browser ES module without type declarations
import { ACTIONS, AGES, CASE_CHOOSERS, CATEGORIES, handlesCategory, workableQueues } from '../../console/format.js';
import { CASE_CHOOSERS as SERVER_CASE_CHOOSERS } from '../../src/services/claims.js';

const subsets = <T>(items: readonly T[]): T[][] => items.reduce<T[][]>((all, item) => [...all, ...all.map((s) => [...s, item])], [[]]);

describe('console rules', () => {
  it('opens exactly the queues the server lets each combination of roles work', () => {
    const combinations = subsets(ROLES);
    expect(combinations).toHaveLength(2 ** ROLES.length);
    for (const roles of combinations) {
      const expected = QUEUE_NAMES.filter((q) => canWorkQueue(roles as Role[], q));
      expect([...(workableQueues(roles) as string[])].sort(), roles.join(',') || 'no role').toEqual([...expected].sort());
    }
  });

  it('offers every age assessment and enforcement action the schema has, and nothing else', () => {
    expect([...(AGES as string[])].sort()).toEqual([...AGE_ASSESSMENTS].sort());
    expect([...(ACTIONS as string[])].sort()).toEqual([...ENFORCEMENT_ACTIONS].sort());
  });

  it('offers a chosen-case claim to exactly the roles claimCase accepts', () => {
    expect([...(CASE_CHOOSERS as string[])].sort()).toEqual([...SERVER_CASE_CHOOSERS].sort());
  });

  it('asks for a case’s content exactly where the server lets each combination of roles handle its category', () => {
    for (const roles of subsets(ROLES)) {
      for (const category of CATEGORIES as Parameters<typeof canHandleCategory>[1][]) {
        expect(handlesCategory(roles, category), `${roles.join(',') || 'no role'} ${category}`).toBe(canHandleCategory(roles as Role[], category));
      }
    }
  });
});
