// Compiled execution of queries and mutations: graphql-jit turns an operation into a JavaScript function the first
// time it is executed, and later requests run that function instead of graphql-js's interpreter. Resolvers run as
// under graphql-js, so authorization (Pothos scope-auth wraps each resolver), typed error unions and masked errors are
// unchanged; HTTP, SSE and graphql-ws all execute through it, since each goes through yoga's envelop.
//
// Subscriptions stay on graphql-js. graphql-jit 0.8.9 calls a subscription field's `subscribe` with the operation's
// variables in place of the field's arguments: `caseUpdated(id: $id)` works by the coincidence of the names, and a
// literal argument or a differently named variable reaches the resolver as nothing (test/compiled-execution.test.ts).
//
// Two more things differ from @envelop/graphql-jit 11.2.1, which this replaces:
// - compiled operations are kept per parsed document AND operation name (yoga's parser cache hands back the same
//   document for the same text, so they live as long as it keeps the document). That plugin keys them by the document
//   alone: a document holding two operations then runs the first one compiled for every later operation name;
// - graphql-jit's errors say where they arose as `locations` alone, without the source positions graphql-js's errors
//   carry, and yoga rebuilds every error from its positions before sending it, so a client would lose the location of
//   the field that failed. Each error is rebuilt here with the document's source and positions.
import { GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type Source } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

type Compiled = Pick<CompiledQuery, 'query'>;

export function useCompiledExecution(): Plugin {
  const cache = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string | null, Compiled>>>();
  const compiled = (args: ExecutionArgs): Compiled => {
    let bySchema = cache.get(args.schema);
    if (!bySchema) cache.set(args.schema, (bySchema = new WeakMap()));
    let byName = bySchema.get(args.document);
    if (!byName) bySchema.set(args.document, (byName = new Map()));
    const name = args.operationName ?? null;
    let entry = byName.get(name);
    if (!entry) {
      const result = compileQuery(args.schema, args.document, name ?? undefined);
      // A document that does not compile (e.g. no operation of that name) answers its errors, as graphql-js would.
      entry = isCompiledQuery(result) ? result : { query: () => result };
      byName.set(name, entry);
    }
    return entry;
  };
  const execute = (args: ExecutionArgs) => {
    const result = compiled(args).query(args.rootValue, args.contextValue, args.variableValues);
    return result instanceof Promise ? result.then((r) => located(r, args.document)) : located(result, args.document);
  };
  return { onExecute: ({ setExecuteFn }) => setExecuteFn(execute as never) };
}

/** The result with each error that has locations but no source positions rebuilt with both, as graphql-js makes them. */
function located(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  if (!result.errors?.length) return result;
  const source = document.loc?.source;
  if (!source) return result;
  return { ...result, errors: result.errors.map((error) => (error.positions || !error.locations?.length ? error : relocated(error, source))) };
}

function relocated(error: GraphQLError, source: Source): GraphQLError {
  const lineStarts = [0];
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(match.index + match[0].length);
  const positions = error.locations!.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
  return new GraphQLError(error.message, {
    source,
    positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
