// The console's only ways to the server: GraphQL over HTTP POST and graphql-ws, both on /graphql, with the bearer
// token in a header (HTTP) or connectionParams (WebSocket), never in a URL.
import { createClient } from 'graphql-ws';

/** A GraphQL error the API answered (UNAUTHENTICATED, FORBIDDEN, …) or a failure to reach it. */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export async function gql(token, query, variables = {}) {
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        'x-graphql-csrf': '1',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection and try again.', 'NETWORK');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`The server answered ${res.status} without a GraphQL result.`, 'BAD_RESPONSE');
  }
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code ?? 'ERROR');
  return body.data;
}

/** Close codes after which reconnecting with the same token cannot succeed. */
const FINAL_CLOSE_CODES = new Set([4401, 4403]);

/**
 * One graphql-ws connection for the signed-in user. It reconnects after a dropped socket (retrying without limit,
 * with graphql-ws's randomised back-off) and reports each (re)connection, so the caller can catch up on what it missed.
 */
export function liveConnection(token, { onStatus }) {
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
  return createClient({
    url,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Infinity,
    shouldRetry: (event) => !(event && typeof event === 'object' && FINAL_CLOSE_CODES.has(event.code)),
    onNonLazyError: (error) => onStatus(error && FINAL_CLOSE_CODES.has(error.code) ? 'ended' : 'failed', error),
    on: {
      connecting: (isRetry) => onStatus(isRetry ? 'reconnecting' : 'connecting'),
      connected: (_socket, _payload, wasRetry) => onStatus('live', wasRetry),
      closed: (event) => onStatus(event && FINAL_CLOSE_CODES.has(event.code) ? 'ended' : 'reconnecting', event),
    },
  });
}
