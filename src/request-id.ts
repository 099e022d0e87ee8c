// The request id of the operation being handled: set per HTTP request and per WebSocket operation, read by error
// masking and the context factory, echoed as x-request-id.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const requestStore = new AsyncLocalStorage<{ requestId: string }>();

/** The current operation's request id, if one is being handled. */
export const currentRequestId = (): string | undefined => requestStore.getStore()?.requestId;

/** The caller's X-Request-Id when it is a plain token of 8 to 64 characters, otherwise a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = String(header ?? '');
  return /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
}
