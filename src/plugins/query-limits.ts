// Query shape limits (graphql-armor), sized so every client operation passes; messages say which limit, never its value.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';

export function useQueryLimits(): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: 12, exposeLimits: false, ignoreIntrospection: true, errorMessage: 'Query is nested too deeply.' },
    maxAliases: { n: 15, exposeLimits: false, errorMessage: 'Query uses too many aliases.' },
    maxDirectives: { n: 20, exposeLimits: false, errorMessage: 'Query uses too many directives.' },
    maxTokens: { n: 2000, exposeLimits: false, errorMessage: 'Query is too long.' },
    costLimit: { maxCost: 5000, exposeLimits: false, ignoreIntrospection: true, errorMessage: 'Query is too expensive.' },
    blockFieldSuggestion: { enabled: true },
  }) as Plugin;
}
