// Keeps this instance's hash-bank index current: loads the banks at start, then refreshes the index whenever any
// instance announces a bank change on the live channel.
import type { Live } from '../live/pubsub.js';
import type { PdqBankIndex } from './bank-index.js';

export function watchBankNotices(live: Live, index: PdqBankIndex) {
  const notices = live.pubsub.subscribe('hashBanks');
  const done = (async () => {
    for await (const _notice of notices) index.notify();
  })();
  index.notify();
  let loaded = false;
  void index.settled().then(() => (loaded = true));
  return {
    /** The first load has finished (or failed and was logged; the next match retries it). */
    loaded: () => loaded,
    async stop() {
      await notices.return?.();
      await done;
    },
  };
}
