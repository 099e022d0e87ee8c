// The module's contract with the rest of the code: pure imports, verbatim quotes, a version that moves with the
// matrix, docs generated from the code.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLAUSES, POLICY_VERSION, TABLE_FINGERPRINTS } from '../../src/policy/index.js';
import { README_PATH, renderReadme, tableFingerprint } from '../../scripts/policy-table.js';

const policyDir = fileURLToPath(new URL('../../src/policy/', import.meta.url));
/** SHA-256 of the policy text as published, vendored once into src/policy; an edit to the copy fails the test. */
const PUBLISHED_POLICY_SHA256 = '95abd04b56ab446f9cec41a67ec02b1605a0ed257822487d71545307c66a7e51';

describe('policy module', () => {
  it('imports nothing but its own files: no Prisma, GraphQL, network, file system or clock', () => {
    const files = readdirSync(policyDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(join(policyDir, file), 'utf8');
      const specifiers = [...source.matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const spec of specifiers) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
      expect(source, `${file} reads the clock`).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now|Math\.random/);
      expect(source, `${file} uses dynamic import or require`).not.toMatch(/\bimport\(|\brequire\(/);
    }
  });

  it('every clause quote appears verbatim in the policy text, and the vendored text is the published one', () => {
    const text = readFileSync(join(policyDir, 'child-safety-policy.txt'), 'utf8');
    expect(createHash('sha256').update(text).digest('hex')).toBe(PUBLISHED_POLICY_SHA256);
    for (const [id, clause] of Object.entries(CLAUSES)) expect(text, id).toContain(clause.quote);
  });

  it('the decision table fingerprint is recorded for the current version (bump the version when the matrix changes)', () => {
    expect(TABLE_FINGERPRINTS[POLICY_VERSION], 'run npm run policy:docs and record the fingerprint under a new version').toBe(tableFingerprint());
  });

  it('src/policy/README.md is generated from the code', () => {
    expect(readFileSync(README_PATH, 'utf8')).toBe(renderReadme());
  });
});
