// The policy module loads: its tables and constants are built at import, so an error there would stop every test file
// that imports it before any test runs. Imported here inside the test, such an error fails this test by name.
import { describe, expect, it } from 'vitest';

describe('policy module', () => {
  it('loads, building its form, clause tables and NCMEC contact from the policy text', async () => {
    const policy = await import('../../src/policy/index.js');
    expect(Object.keys(policy.ASSESSMENT_FORM).sort()).toEqual([...policy.CATEGORIES].sort());
    for (const category of policy.CATEGORIES) expect(policy.ASSESSMENT_FORM[category].factors.length, category).toBeGreaterThan(0);
    // The number the policy's NCMEC clause gives, read from its text at load.
    expect(policy.NCMEC_PHONE).toBe('1-800-843-5678');
  });
});
