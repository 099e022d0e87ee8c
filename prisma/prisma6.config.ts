// Prisma 6.19's CLI configuration, for `prisma migrate diff` only (scripts/prisma-diff.ts): Prisma 7 diffs only with
// its native schema engine, which is never downloaded here, while 6.19 runs its schema engine in WebAssembly ("js")
// through a driver adapter. The adapter connects to the embedded PGlite that scripts/prisma-diff.ts serves.
import { defineConfig } from 'prisma6/config';
import { PrismaPg } from 'prisma6-adapter-pg';

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const connectionString = process.env.PRISMA_CLI_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    return new PrismaPg({ connectionString });
  },
});
