// The repository stands alone: no test, script, benchmark or CI step reads a file outside it, so a fresh clone in an
// empty folder runs everything. Every relative path written in the code must resolve inside the repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCANNED = ['src', 'test', 'scripts', 'bench', '.ci', 'prisma'];
const TOP_LEVEL = ['package.json', 'prisma.config.ts', 'vitest.config.ts', 'tsconfig.json'];
const SKIPPED = new Set(['node_modules', 'generated', '.results', 'migrations']);
/** Literals that look like paths but are data: hostile input a test sends, never a file it reads. */
const NOT_PATHS = new Set(['test/fuzz.test.ts: ../../etc/passwd']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mts|mjs|js|json|sh)$|^run$/.test(name) ? [path] : [];
  });
}

const sources = [...SCANNED.flatMap((d) => files(join(ROOT, d))), ...TOP_LEVEL.map((f) => join(ROOT, f))];

describe('self-contained repository', () => {
  it('scans the sources', () => {
    expect(sources.length).toBeGreaterThan(50);
  });

  it('every relative path in the code resolves inside the repository', () => {
    const outside: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      // String literals (quotes or template heads) that start with ./ or ../
      for (const match of text.matchAll(/['"`](\.\.?\/[^'"`$\n]*)/g)) {
        const target = resolve(dirname(file), match[1]!);
        const rel = relative(ROOT, target);
        const where = `${relative(ROOT, file)}: ${match[1]}`;
        if ((rel === '..' || rel.startsWith(`..${sep}`)) && !NOT_PATHS.has(where)) outside.push(where);
      }
    }
    expect(outside).toEqual([]);
  });

  it('nothing names the sibling brief folder', () => {
    const named = sources
      .filter((file) => file !== fileURLToPath(import.meta.url))
      .filter((file) => /\bshared\/(client|policy|notes)\b|\/work\/shared/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(named).toEqual([]);
  });

  it('the client operations the tests send are owned here, in test/contract', () => {
    const operations = readdirSync(join(ROOT, 'test/contract')).filter((f) => f.endsWith('.graphql'));
    expect(operations.sort()).toEqual(['analytics.graphql', 'cached-reviewer.graphql', 'intake.graphql', 'live.graphql', 'oversight.graphql', 'platform.graphql', 'reviewer.graphql']);
  });
});
