// Background work, safe to run on every instance at once: each job claims its rows with SKIP LOCKED or a
// conditional update, so one instance wins each piece of work.
import { errorForLog } from '../log-safety.js';
import type { Logger } from '../logger.js';
import { expireLeases } from '../services/claims.js';
import type { ServiceContext } from '../services/context.js';
import { releaseExpiredHolds, submitPendingNcmecReports } from '../services/ncmec.js';

export interface Jobs {
  /** Runs every job once (tests call this instead of waiting for the timer). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

export function startJobs(context: (jobId: string) => ServiceContext, intervalMs: number, logger: Logger): Jobs {
  let running: Promise<void> | null = null;
  let stopped = false;
  const runOnce = async () => {
    const released = await expireLeases(context('lease-expiry'));
    const submitted = await submitPendingNcmecReports(context('ncmec-submitter'));
    const holdsReleased = await releaseExpiredHolds(context('preservation-expiry'));
    if (released || submitted || holdsReleased) logger.info({ released, submitted, holdsReleased }, 'background jobs');
  };
  const tick = () => {
    if (stopped || running) return;
    running = runOnce()
      .catch((error: unknown) => logger.error({ error: errorForLog(error) }, 'background job failed'))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
