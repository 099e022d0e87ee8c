// In production no operation may introspect the schema, whatever its transport: the rule is added at validation, which
// HTTP, SSE and graphql-ws all pass through (yoga's own plugin marks HTTP requests only).
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function useNoIntrospection(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };
}
