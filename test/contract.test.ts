// The client contract: every operation in test/contract validates against the schema, and schema.graphql is the
// printed Pothos schema.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSchema, parse, validate, type OperationDefinitionNode } from 'graphql';
import { SCHEMA_PATH, printedSchema } from '../scripts/build-schema.js';

const CLIENT_DIR = fileURLToPath(new URL('./contract/', import.meta.url));

/**
 * Operations the schema does not serve yet, by file and operation name. This list may only shrink: a test below fails
 * when an operation listed here starts validating, so the entry is removed in the same change.
 */
const PENDING: Record<string, string[]> = {};

describe('client contract', () => {
  it('schema.graphql is the printed Pothos schema (run npm run schema)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(printedSchema());
  });

  it('finds the client operations', () => {
    expect(existsSync(CLIENT_DIR), `missing ${CLIENT_DIR}`).toBe(true);
    expect(readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.graphql')).length).toBeGreaterThanOrEqual(6);
  });

  const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
  for (const file of readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.graphql'))) {
    const document = parse(readFileSync(`${CLIENT_DIR}${file}`, 'utf8'));
    const fragments = document.definitions.filter((d) => d.kind === 'FragmentDefinition');
    for (const op of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')) {
      const name = op.name?.value ?? '(anonymous)';
      // Validate each operation with only the fragments it uses, so one pending operation does not hide another.
      const errors = validate(schema, { ...document, definitions: [op, ...fragments] }).filter((e) => !/Fragment ".*" is never used/.test(e.message));
      const pending = PENDING[file]?.includes(name) ?? false;
      it(`${file} ${name} ${pending ? 'is still pending' : 'validates'}`, () => {
        if (pending) expect(errors.length, `${name} now validates: remove it from PENDING`).toBeGreaterThan(0);
        else expect(errors.map((e) => e.message)).toEqual([]);
      });
    }
  }
});
