// Opens the configured database for a command-line script, printing one line and exiting 1 on bad configuration.
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';

export async function openConfiguredDatabase(options: { migrate?: boolean } = {}): Promise<Database> {
  try {
    const config = loadConfig();
    return await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrate: options.migrate ?? true });
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Cannot open the database: ${(error as Error).message}`);
    process.exit(1);
  }
}
