// Query shape limits (graphql-armor), sized so every client operation passes; messages say which limit, never its value.
//
// graphql-armor's cost limit is a validation rule, and validation sees the document only: it multiplies a page's cost by
// a literal `first` or `last` and counts `first: $n`, or a page asked without either, as one item. The same query would
// cost 1/100th as much written with a variable. So the cost is also checked before execution with the document as it
// will run: each `first`/`last` given in a variable written in as its value, and each page field asked without either
// given its default size. The same armor rule prices it, so a query costs the same however its sizes are written.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getVariableValues,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The most an operation may cost (graphql-armor's measure: objects 2, scalars 1, ×1.5 per level, × each page's size).
 * The benchmark's page of 50 cases with 10 reports each costs about 62,600, and the costliest client operation at its
 * largest pages, AccountHistory with 100 cases, about 26,800 (`test/query-cost.test.ts` checks both); 100 cases with
 * 100 reports each cost about 550,000.
 */
export const MAX_COST = 100_000;
/** A page asked without `first` or `last`: its argument's default, else Pothos relay's and `cases`' default size. */
const DEFAULT_PAGE_SIZE = 20;
const COST = { maxCost: MAX_COST, exposeLimits: false, ignoreIntrospection: true, errorMessage: 'Query is too expensive.' } as const;

export function useQueryLimits(): Plugin[] {
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: 12, exposeLimits: false, ignoreIntrospection: true, errorMessage: 'Query is nested too deeply.' },
      maxAliases: { n: 15, exposeLimits: false, errorMessage: 'Query uses too many aliases.' },
      maxDirectives: { n: 20, exposeLimits: false, errorMessage: 'Query uses too many directives.' },
      maxTokens: { n: 2000, exposeLimits: false, errorMessage: 'Query is too long.' },
      costLimit: COST,
      blockFieldSuggestion: { enabled: true },
    }) as Plugin,
    useCostAsRun(),
  ];
}

const isSize = (argument: ArgumentNode) => argument.name.value === 'first' || argument.name.value === 'last';

/**
 * The executed operation (and the document's fragments) with every page size as it will run, or null when that is the
 * document as written (every page has a literal size, so validation has priced it already). Sizes that are not integers
 * are left as written; argument coercion refuses them.
 */
export function asRun(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): DocumentNode | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return null; // execution refuses it
  // The values execution will use: a variable left out takes its operation's default.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return null; // execution refuses them
  const values = coerced.coerced;
  const typeInfo = new TypeInfo(schema);
  let changed = false;
  const priced = visit(
    { kind: Kind.DOCUMENT, definitions: [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] },
    visitWithTypeInfo(typeInfo, {
      Field(field: FieldNode) {
        const size = typeInfo.getFieldDef()?.args.find((a) => a.name === 'first');
        if (!size && !field.arguments?.some(isSize)) return undefined;
        const args: ArgumentNode[] = [];
        for (const argument of field.arguments ?? []) {
          if (!isSize(argument) || argument.value.kind !== Kind.VARIABLE) args.push(argument);
          else {
            const value = values[argument.value.name.value];
            if (Number.isInteger(value)) args.push({ ...argument, value: { kind: Kind.INT, value: String(value) } });
            else if (value != null) args.push(argument);
          }
        }
        if (size && !args.some(isSize)) {
          const fallback = typeof size.defaultValue === 'number' ? size.defaultValue : DEFAULT_PAGE_SIZE;
          args.push({ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(fallback) } });
        }
        if (args.length === (field.arguments?.length ?? 0) && args.every((a, i) => a === field.arguments![i])) return undefined;
        changed = true;
        return { ...field, arguments: args };
      },
    }),
  );
  return changed ? priced : null;
}

/** Whether the document as it will run costs more than MAX_COST: the refusal, or null. */
export function costAsRun(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): GraphQLError | null {
  const priced = asRun(schema, document, operationName, variables);
  if (!priced) return null;
  let refused = false;
  validate(schema, priced, [costLimitRule({ ...COST, propagateOnRejection: false, onReject: [() => (refused = true)] })]);
  return refused ? new GraphQLError(`Syntax Error: ${COST.errorMessage}`) : null;
}

/** The variables a document uses as a page size. */
function sizeVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, { Argument: (argument) => void (isSize(argument) && argument.value.kind === Kind.VARIABLE && names.add(argument.value.name.value)) });
  return [...names];
}

/**
 * Checks the cost as run before an operation executes or subscribes, on every transport (graphql-ws runs through the
 * same envelop). The answer is kept per document and page-size values, at most 64 sets of values per document.
 */
function useCostAsRun(): Plugin {
  type Known = { sizes: string[]; answers: Map<string, GraphQLError | null> };
  const documents = new WeakMap<DocumentNode, Known>();
  const check = (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }) => {
    const variables = args.variableValues ?? {};
    let known = documents.get(args.document);
    if (!known) documents.set(args.document, (known = { sizes: sizeVariables(args.document), answers: new Map() }));
    const key = `${args.operationName ?? ''}\u0000${JSON.stringify(known.sizes.map((name) => variables[name] ?? null))}`;
    let answer = known.answers.get(key);
    if (answer === undefined) {
      answer = costAsRun(args.schema, args.document, args.operationName, variables);
      if (known.answers.size >= 64) known.answers.clear();
      known.answers.set(key, answer);
    }
    return answer;
  };
  const refuse: NonNullable<Plugin['onExecute']> & NonNullable<Plugin['onSubscribe']> = ({ args, setResultAndStopExecution }) => {
    const refusal = check(args);
    if (refusal) setResultAndStopExecution({ errors: [refusal] });
  };
  return { onExecute: refuse, onSubscribe: refuse };
}
