// Opens the configured database for a command-line script, printing one line and exiting 1 on bad configuration.
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { DataDirInUseError } from '../src/db/embedded.js';

/**
 * `command` is how the operator ran the script (e.g. `npm run seed`); `whileServing` says what else they can do while
 * the server holds the embedded database (its folder is one process's at a time).
 */
export async function openConfiguredDatabase(options: { migrate?: boolean; command?: string; whileServing?: string } = {}): Promise<Database> {
  try {
    const config = loadConfig();
    return await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrate: options.migrate ?? true });
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      const command = options.command ?? 'this script';
      console.error(
        [
          `The embedded database in ${error.dir} is held by process ${error.pid} (the server, normally); it is one process's at a time.`,
          `Stop the server (Ctrl-C or kill ${error.pid}), run ${command}, then start the server again;`,
          `or run the server and ${command} against PostgreSQL, both with the same DATABASE_URL.`,
          ...(options.whileServing ? [options.whileServing] : []),
        ].join('\n'),
      );
      process.exit(1);
    }
    console.error(error instanceof ConfigError ? error.message : `Cannot open the database: ${(error as Error).message}`);
    process.exit(1);
  }
}
