// npm run db:migrate — applies pending migrations (the server also does this on start).
import { applyMigrations } from '../src/db/migrate.js';
import { openConfiguredDatabase } from './open-db.js';

const db = await openConfiguredDatabase({ migrate: false, command: 'npm run db:migrate' });
try {
  const applied = await applyMigrations(db.pool);
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'No pending migrations');
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await db.close();
}
