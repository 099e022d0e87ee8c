// `npm start` runs the compiled server (dist/main.js). Before it (npm's prestart), this builds dist/ when it is missing
// or older than src/ and TypeScript is installed, so `npm install && npm start` works in a fresh clone; a production
// install (--omit=dev, no TypeScript) starts the dist/ it was given, and says so when there is none.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = process.cwd();
const main = join(root, 'dist', 'main.js');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let typescript = true;
try {
  createRequire(join(root, 'package.json')).resolve('typescript');
} catch {
  typescript = false;
}

const built = existsSync(main);
const stale = built && existsSync(join(root, 'src')) && newest(join(root, 'src')) > statSync(main).mtimeMs;
if (built && !stale) process.exit(0);
if (!typescript) {
  if (built) {
    console.warn('dist/ is older than src/, and TypeScript is not installed here to rebuild it: starting the dist/ there is');
    process.exit(0);
  }
  console.error('No dist/: run `npm run build` where the devDependencies are installed (see docs/operations.md, Production)');
  process.exit(1);
}
console.log(built ? 'src/ changed since the last build: npm run build' : 'No dist/ yet: npm run build');
execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], { stdio: 'inherit', cwd: root });
