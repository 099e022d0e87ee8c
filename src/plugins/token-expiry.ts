// A subscription's results end when its token expires (over WebSocket the connection closes instead: src/live/graphql-ws.ts).
import type { Plugin } from 'graphql-yoga';
import { untilExpiry } from '../live/expiry.js';
import type { GraphQLContext } from '../schema/context.js';

export function useEndStreamsAtTokenExpiry(): Plugin {
  return {
    onSubscribe({ args }) {
      const expiresAt = (args.contextValue as unknown as Partial<GraphQLContext>).user?.expiresAt;
      if (expiresAt === undefined) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) setResult(untilExpiry(result, expiresAt));
        },
      };
    },
  };
}
