// Runs a Prisma CLI offline: Prisma 7 (`prisma`) for everything but `migrate diff`, Prisma 6.19 (`prisma6`, an npm
// alias) for `--v6 migrate diff` (docs/prisma.md). Each CLI is resolved by its package path, never through
// node_modules/.bin, whose `prisma` link may be either. Prisma 7 looks for its native schema engine on every command and
// would download it: PRISMA_SCHEMA_ENGINE_BINARY names a stub that exits 1 (generate never runs it). Prisma 6 looks for
// the old query-engine library unless PRISMA_QUERY_ENGINE_LIBRARY names an existing file: the project uses the
// Rust-free client, so any file will do.
// A production install (npm ci --omit=dev) has no Prisma CLI: there `postinstall` generates nothing, because the
// server runs dist/, which `npm run build` compiled with the generated client in it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const v6 = args[0] === '--v6';
if (v6) args.shift();
let cli;
try {
  cli = require.resolve(v6 ? 'prisma6/build/index.js' : 'prisma/build/index.js');
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
const here = fileURLToPath(import.meta.url);
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(new URL('./schema-engine-unavailable', import.meta.url)),
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? here,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
// Generators (prisma-pothos-types) are found on PATH, as under `npm run`.
env.PATH = [join(process.cwd(), 'node_modules', '.bin'), env.PATH].join(delimiter);
const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
