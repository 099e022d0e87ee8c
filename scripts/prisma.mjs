// Runs the Prisma CLI offline. Prisma 6 CLI commands try to download the old query-engine library unless
// PRISMA_QUERY_ENGINE_LIBRARY names an existing file; this project uses the Rust-free client, so any file will do.
// A production install (npm ci --omit=dev) has no Prisma CLI: there `postinstall` generates nothing, because the
// server runs dist/, which `npm run build` compiled with the generated client in it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js');
} catch {
  if (process.env.npm_lifecycle_event === 'postinstall') {
    const built = existsSync(join(process.cwd(), 'dist', 'main.js'));
    console.log(
      built
        ? 'Prisma CLI not installed (production install): dist/ carries the compiled client; nothing to generate.'
        : 'Prisma CLI not installed (production install) and no dist/: run `npm ci && npm run build` in a full install, then copy dist/ here.',
    );
    process.exit(0);
  }
  console.error('The Prisma CLI is a devDependency: run `npm install` (without --omit=dev) first.');
  process.exit(1);
}
const env = { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? fileURLToPath(import.meta.url), PRISMA_HIDE_UPDATE_MESSAGE: '1' };
// Generators (prisma-pothos-types) are found on PATH, as under `npm run`.
env.PATH = [join(process.cwd(), 'node_modules', '.bin'), env.PATH].join(delimiter);
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
