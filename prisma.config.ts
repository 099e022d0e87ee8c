// Prisma 7 CLI configuration. The project runs `prisma generate` with it (scripts/prisma.mjs); generating never
// connects, and migrations are applied by the application (src/db/migrate.ts). The URL is only what Prisma 7 asks of a
// config; migrations are authored with Prisma 6.19's CLI and its own config (prisma/prisma6.config.ts, docs/prisma.md).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.PRISMA_CLI_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
