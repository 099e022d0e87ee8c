// A production install (`npm ci --omit=dev`) has everything the server imports, and nothing it does not; it runs the
// compiled JavaScript. (.ci/run installs one in a scratch copy and starts it.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** Dependencies the server serves as files and never imports. */
const NOT_IMPORTED: Record<string, string> = {
  preact: 'served to the browser by src/console.ts',
  htm: 'served to the browser by src/console.ts',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** The packages the server's code (src, generated client included) imports, statically or dynamically. */
function importedPackages(): Set<string> {
  const names = new Set<string>();
  for (const file of files(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g),
      ...text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]!);
    for (const spec of specifiers) {
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return names;
}

describe('production install', () => {
  const imported = importedPackages();

  it('finds the imports', () => {
    expect(imported.has('graphql-yoga')).toBe(true);
    expect(imported.has('@prisma/client')).toBe(true);
  });

  it('every package the server imports is a dependency, not a devDependency', () => {
    expect([...imported].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });

  it('every dependency is imported by the server', () => {
    const unused = Object.keys(pkg.dependencies).filter((name) => !imported.has(name) && !(name in NOT_IMPORTED));
    expect(unused.sort()).toEqual([]);
  });

  it('runs compiled JavaScript: npm run build writes dist/, npm start runs node dist/main.js', () => {
    expect(pkg.scripts.start).toBe('node dist/main.js');
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: Record<string, unknown>; include: string[] };
    expect(build.compilerOptions).toMatchObject({ noEmit: false, rootDir: 'src', outDir: 'dist' });
    expect(build.include).toEqual(['src']);
  });
});
