// What may be closed as a duplicate (src/policy/decision.ts): the policy's rule, checked over every pair of categories.
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORIES_WITH_LEGAL_OBLIGATIONS, duplicateClosureRefusal } from '../../src/policy/index.js';

describe('duplicateClosureRefusal', () => {
  it('allows only the same category, never a category with legal obligations, never a child at immediate risk', () => {
    expect(CATEGORIES_WITH_LEGAL_OBLIGATIONS).toEqual(['CHILD_SEXUAL_EXPLOITATION']);
    for (const category of CATEGORIES) {
      for (const original of CATEGORIES) {
        const allowed = category === original && !CATEGORIES_WITH_LEGAL_OBLIGATIONS.includes(category);
        expect(duplicateClosureRefusal({ category, childAtImmediateRisk: false }, { category: original }) === null, `${category} of ${original}`).toBe(allowed);
        expect(duplicateClosureRefusal({ category, childAtImmediateRisk: true }, { category: original }), `${category} at risk of ${original}`).toMatch(/must be decided/);
      }
    }
  });
});
