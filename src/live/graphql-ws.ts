// graphql-ws on the HTTP server's port and path, through yoga's envelop: each operation is parsed, validated and given
// its context by yoga.getEnveloped, so every plugin applies to WebSocket operations too. Subscribers with the same
// operation, variables and roles share one execution per event (src/live/fanout.ts); a connection closes when the
// token it authenticated with expires (src/live/expiry.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ServerContext } from '../context.js';
import type { GraphQLContext } from '../schema/context.js';
import { requestStore } from '../request-id.js';
import { closeAtExpiry } from './expiry.js';
import { writeNext, type LiveFanout } from './fanout.js';

type Enveloped = { execute: (args: unknown) => never; subscribe: (args: unknown) => never };

export interface GraphqlWsOptions {
  server: Server;
  path: string;
  maxPayload: number;
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  fanout: LiveFanout;
  clientAddressOf(req: IncomingMessage): string;
}

export function attachGraphqlWs({ server, path, maxPayload, yoga, fanout, clientAddressOf }: GraphqlWsOptions): WebSocketServer {
  const wsServer = new WebSocketServer({ server, path, maxPayload });
  useServer<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket }>(
    {
      // onSubscribe puts yoga's enveloped execute/subscribe in rootValue, so every plugin wraps them.
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      // Subscribers with the same operation, variables and roles share one execution per event (src/live/fanout.ts).
      subscribe: (args) => {
        const root = args.rootValue as Enveloped & { query: string; id: string; socket: WebSocket };
        const context = args.contextValue as GraphQLContext;
        if (!context.user) return root.subscribe(args);
        const roles = [...context.user.roles].sort();
        const key = JSON.stringify([root.query, args.operationName ?? null, args.variableValues ?? null, roles]);
        const user = { id: 'live-group', name: 'Shared live execution', roles };
        // The group serializes each result once; each member's `next` message goes out on its own socket at once.
        const send = (payload: string) => writeNext(root.socket, root.id, payload);
        return fanout.subscribe(key, { userId: context.user.id, roles: context.user.roles, send }, (sharedLive) =>
          root.subscribe({ ...args, contextValue: { ...context, user, sharedLive } satisfies GraphQLContext }),
        );
      },
      onSubscribe: async (ctx, id, payload) => {
        const requestId = randomUUID();
        return requestStore.run({ requestId }, async () => {
          const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: payload,
            connectionParams: ctx.connectionParams ?? {},
            clientAddress: clientAddressOf(ctx.extra.request),
          } as never);
          let document;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error')];
          }
          let errors;
          try {
            errors = validate(envelopedSchema, document);
          } catch (error) {
            // graphql-armor's cost rule throws its refusal from inside validation (yoga's HTTP path catches it the same
            // way); uncaught here, graphql-ws would close the whole socket with 4500.
            if (error instanceof GraphQLError) return [error];
            throw error;
          }
          if (errors.length) return errors;
          let contextValue;
          try {
            contextValue = await contextFactory();
          } catch (error) {
            // Refuse this operation with a clear error, without closing the socket's other operations. Yoga has already
            // passed the failure through maskError, so a GraphQLError here is safe to show.
            return [error instanceof GraphQLError ? error : new GraphQLError('Could not authenticate', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
          const expiresAt = (contextValue as GraphQLContext).user?.expiresAt;
          if (expiresAt !== undefined) closeAtExpiry(ctx.extra.socket, expiresAt);
          return {
            schema: envelopedSchema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue,
            rootValue: { execute, subscribe, query: payload.query, id, socket: ctx.extra.socket },
          };
        });
      },
    },
    wsServer,
  );
  return wsServer;
}

/** Closes every WebSocket (1001, going away) and the server. */
export async function closeGraphqlWs(wsServer: WebSocketServer): Promise<void> {
  for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
  await new Promise<void>((resolve) => wsServer.close(() => resolve()));
}
