// Prisma CLI configuration. The CLI runs on its WebAssembly engines ("js"), which reach the database through the
// same driver adapter as the application. Only `prisma migrate diff` needs a live connection (scripts/migration-new.ts
// serves an embedded PGlite for it); `prisma generate` never connects.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const connectionString = process.env.PRISMA_CLI_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    return new PrismaPg({ connectionString });
  },
});
