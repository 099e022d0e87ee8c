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
    expect(duplicateClosureRefusal({ category: 'MINOR_PHYSICAL_ALTERCATION', childAtImmediateRisk: false }, { category: 'PHYSICAL_CHILD_ABUSE_MEDIA' })).toBe(
      'A case may be closed as a duplicate only of a case in the same category (this one is MINOR_PHYSICAL_ALTERCATION, that one PHYSICAL_CHILD_ABUSE_MEDIA)',
    );
  });
});
