// The per-category scope maps the Case, Report, CaseNote and CaseLink fields share (src/schema/builder.ts): one map per
// category, the same object every time (scope-auth keeps a map's outcome per request by the map itself), each naming
// its own category, so two categories never share an outcome.
import { describe, expect, it } from 'vitest';
import { contentReadersOf, readersOf } from '../../src/schema/builder.js';
import { CATEGORIES } from '../../src/policy/index.js';

describe('per-category scope maps', () => {
  it('are built once per category and name that category', () => {
    for (const category of CATEGORIES) {
      expect(readersOf(category)).toBe(readersOf(category));
      expect(contentReadersOf(category)).toBe(contentReadersOf(category));
      expect(readersOf(category)).toEqual({ $any: { handlesCategory: category, oversight: true } });
      expect(contentReadersOf(category)).toEqual({ $any: { handlesCategory: category, role: 'LAW_ENFORCEMENT_LIAISON' } });
    }
    expect(new Set(CATEGORIES.map(readersOf)).size).toBe(CATEGORIES.length);
  });
});
