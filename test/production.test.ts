// A production install (`npm ci --omit=dev`) has everything the server imports, and nothing it does not; it runs the
// compiled JavaScript. (.ci/run installs one in a scratch copy and starts it.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('npm start builds dist/ first where TypeScript is installed, and a production install without dist/ says what to do', () => {
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-needed.mjs');
    const script = join(ROOT, 'scripts', 'build-if-needed.mjs');
    // A checkout with no TypeScript installed (as after npm ci --omit=dev).
    const dir = mkdtempSync(join(tmpdir(), 'prestart-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"name":"scratch","scripts":{}}');
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'main.ts'), '');
      const missing = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/No dist\/: run `npm run build` where the devDependencies are installed/);
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'dist', 'main.js'), '');
      const past = new Date(Date.now() - 60_000);
      utimesSync(join(dir, 'src', 'main.ts'), past, past);
      expect(spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
      // src/ newer than dist/ and nothing to rebuild with: it starts what there is, and warns.
      const future = new Date(Date.now() + 60_000);
      utimesSync(join(dir, 'src', 'main.ts'), future, future);
      const stale = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
      expect(stale.status).toBe(0);
      expect(stale.stderr).toMatch(/dist\/ is older than src\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
