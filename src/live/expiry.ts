// A live stream lasts no longer than the token it was opened with. Over HTTP (SSE) the subscription's results end at
// the token's expiry with one final UNAUTHENTICATED error; over graphql-ws the connection, whose connectionParams carry
// one token for all its operations, is closed with 4403 Forbidden. Either way the client re-authenticates by
// reconnecting with a fresh token.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

/** setTimeout holds at most 2^31-1 ms (about 24.8 days); longer waits re-arm. */
const MAX_TIMEOUT = 2 ** 31 - 1;

function at(time: number, run: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const wait = time - Date.now();
    if (wait <= 0) return run();
    timer = setTimeout(arm, Math.min(wait, MAX_TIMEOUT));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

export const tokenExpiredError = () =>
  new GraphQLError('Token has expired; reconnect with a new token', { extensions: { code: 'UNAUTHENTICATED' } });

/**
 * The source's results until `expiresAt` (ms since the epoch), then one result with an UNAUTHENTICATED error, then the
 * end. The source is closed at expiry, and at once when the consumer returns, even while an event is awaited.
 */
export function untilExpiry(source: AsyncIterable<ExecutionResult>, expiresAt: number): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  let expired = false;
  let signal!: () => void;
  const expiry = new Promise<'expired'>((resolve) => (signal = () => resolve('expired')));
  const cancel = at(expiresAt, () => {
    expired = true;
    signal();
  });
  const done = { done: true, value: undefined } as const;
  const finish = async () => {
    if (finished) return done;
    finished = true;
    cancel();
    await iterator.return?.();
    return done;
  };
  return {
    async next() {
      if (finished) return done;
      const result = expired ? 'expired' : await Promise.race([iterator.next(), expiry]);
      if (finished) return done;
      if (result === 'expired') {
        await finish();
        return { done: false, value: { errors: [tokenExpiredError()] } };
      }
      if (result.done) {
        finished = true;
        cancel();
      }
      return result;
    },
    return: finish,
    async throw(error: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const socketExpiry = new WeakMap<WebSocket, number>();

/** Closes a graphql-ws connection with 4403 Forbidden when the token its operations were authorized with expires. */
export function closeAtExpiry(socket: WebSocket, expiresAt: number): void {
  const scheduled = socketExpiry.get(socket);
  if (scheduled !== undefined && scheduled <= expiresAt) return;
  socketExpiry.set(socket, expiresAt);
  const cancel = at(expiresAt, () => socket.close(4403, 'Forbidden'));
  socket.once('close', cancel);
}
