// What resolvers tell the HTTP layer: a rate-limited intake (the context factory records the wait in
// serverContext.transport) becomes a 429 with Retry-After.
import type { Plugin } from 'graphql-yoga';
import type { ServerContext } from '../context.js';

export function useRetryAfter(): Plugin {
  return {
    onResponse({ serverContext, response, setResponse, fetchAPI }) {
      const seconds = (serverContext as ServerContext).transport?.retryAfterSeconds;
      if (!seconds) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('retry-after', String(seconds));
      setResponse(new fetchAPI.Response(response.body, { status: 429, headers }));
    },
  };
}
