// Watches the reviewer-access generation (AuditChainHead.accessGeneration), so that the reviewer record every
// authenticated request needs can be kept in memory while no access change has committed anywhere, and read again at
// the first request after one.
//
// The trigger that moves the generation also sends it with NOTIFY (migration 20261129140000_access_generation_notify).
// Every connection of the pool LISTENs as it connects: on a server each one hears every commit's notification; on the
// embedded database (one session behind one pooled connection) the notification comes back on the connection that
// committed, which is also the pool's. While no connection of the pool listens, nothing is trusted: the epoch moves
// and every request reads the record, as before. The units of this process also report the generation they committed
// under (src/services/transaction.ts), so an access change made here is seen here before its response is sent.
import type pg from 'pg';

export const ACCESS_CHANNEL = 'access_generation';

export class AccessWatch {
  /** The highest generation seen committed: in a notification, a unit's commit, or a read. */
  #seen = 0;
  #listening = 0;
  /** Moves whenever the pool had no listening connection: what was read before may have missed a notification. */
  #epoch = 0;
  readonly #watched = new WeakSet<pg.ClientBase>();

  /** The pool's `onConnect`: a new connection LISTENs before the pool hands it out. */
  readonly onConnect = async (client: pg.ClientBase) => {
    client.on('notification', (message) => {
      if (message.channel === ACCESS_CHANNEL && message.payload) this.observe(Number(message.payload));
    });
    await client.query(`LISTEN ${ACCESS_CHANNEL}`);
    this.#watched.add(client);
    this.#listening += 1;
  };

  /** Follows the pool's connections as it removes them. */
  watch(pool: pg.Pool) {
    pool.on('remove', (client) => {
      if (!this.#watched.has(client)) return;
      this.#watched.delete(client);
      this.#listening -= 1;
      if (this.#listening === 0) this.#epoch += 1;
    });
    return this;
  }

  observe(generation: number) {
    if (generation > this.#seen) this.#seen = generation;
  }

  /** A stamp for a read about to start: null while nothing listens (then the read must not be kept). */
  stamp(): { epoch: number } | null {
    return this.#listening > 0 ? { epoch: this.#epoch } : null;
  }

  /** Whether something read at `generation` under `stamp` still holds: nothing missed since, no newer generation. */
  current(stamp: { epoch: number }, generation: number): boolean {
    return this.#listening > 0 && stamp.epoch === this.#epoch && generation >= this.#seen;
  }
}
