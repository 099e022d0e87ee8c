// Request count and latency per operation, for /metrics (every transport: the plugin runs inside yoga's envelop).
import type { DefinitionNode, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.js';

export function useOperationMetrics(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = args.document.definitions.find(
        (d: DefinitionNode): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!args.operationName || d.name?.value === args.operationName),
      );
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && !!result.errors?.length;
          metrics.operations.observe(
            { operation: metrics.operationLabel(operation?.name?.value), type: operation?.operation ?? 'unknown', outcome: failed ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}
