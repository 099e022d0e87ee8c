// Authors a migration: npm run db:migration -- --name add_something [--empty]
// Diffs prisma/schema.prisma against prisma/migrations/datamodel.prisma (the datamodel as of the newest migration),
// writes prisma/migrations/<timestamp>_<name>/migration.sql and moves the snapshot forward. `--empty` creates a
// migration for hand-written SQL (triggers, functions) that the datamodel cannot express.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MIGRATIONS_DIR } from '../src/db/migrate.js';
import { prismaMigrateDiff } from './prisma-diff.js';

const { values } = parseArgs({ options: { name: { type: 'string' }, empty: { type: 'boolean', default: false } } });
if (!values.name || !/^[a-z0-9_]+$/.test(values.name)) {
  console.error('usage: npm run db:migration -- --name snake_case_name [--empty]');
  process.exit(2);
}
const snapshot = join(MIGRATIONS_DIR, 'datamodel.prisma');
const schema = new URL('../prisma/schema.prisma', import.meta.url).pathname;
const sql = values.empty ? '-- Hand-written migration\n' : await prismaMigrateDiff(existsSync(snapshot) ? snapshot : 'empty', schema);
if (!values.empty && !/\S/.test(sql.replace(/^--.*$/gm, ''))) {
  console.log('No changes between prisma/schema.prisma and the migrations.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(MIGRATIONS_DIR, `${stamp}_${values.name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'migration.sql'), sql);
if (!values.empty) copyFileSync(schema, snapshot);
console.log(`Wrote ${dir}/migration.sql`);
