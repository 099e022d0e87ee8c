// Entry point: npm start. Configuration or start-up problems print one line and exit non-zero.
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { buildApp } from './app.js';
import { MigrationError } from './db/migrate.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  fail(error instanceof ConfigError ? error.message : `Invalid configuration: ${(error as Error).message}`);
}

const logger = createLogger(config.LOG_LEVEL);
let app;
try {
  app = await buildApp({ config, logger });
} catch (error) {
  const e = error as NodeJS.ErrnoException & { errors?: Error[] };
  if (error instanceof MigrationError) fail(`Database migration error: ${e.message}`);
  // A file the server serves or reads at start (the console's folder, say) is missing: name it, not the database.
  if (e.code === 'ENOENT' && e.path) fail(`Cannot start: ${e.path} is missing (${e.syscall ?? 'read'}); is the checkout complete?`);
  const target = config.DATABASE_URL ? new URL(config.DATABASE_URL).host : `embedded database in ${config.DATA_DIR}`;
  fail(`Cannot open the database (${target}): ${e.code ?? e.errors?.[0]?.message ?? e.message}`);
}

// Handlers first: a supervisor that signals as soon as it reads "serving" must meet them, not the default action.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  });
}

try {
  const { url } = await app.start();
  logger.info({ url, metrics: app.metricsUrl(), database: app.db.target }, `serving ${url}`);
} catch (error) {
  await app.stop().catch(() => {});
  const e = error as NodeJS.ErrnoException;
  fail(`Cannot listen on ${config.HOST}:${config.PORT}: ${e.code ?? e.message}`);
}

