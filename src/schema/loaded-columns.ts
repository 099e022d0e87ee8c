// A Pothos plugin that answers a Prisma object's exposed column from the row it is resolved with, when the row holds
// that column. In select mode (a prismaObject with a type-level `select`), @pothos/plugin-prisma wraps every exposed
// column (`t.expose…`) to look up, per field and per row, the selection the row was loaded with, and to reload the row
// when that selection lacks the column; a page of 50 cases and their reports made about 950 such lookups per request.
// A row that holds the column (a value or null; Prisma never answers undefined) needs no lookup: the planned query loaded it, and the value read is the same one
// plugin-prisma's planned path returns. A row without it goes to plugin-prisma's wrapper, which loads it.
//
// It sits between scope-auth and plugin-prisma in the builder's plugin list, so every field's scopes still run before
// it (plugins wrap resolvers outermost first): authorization is untouched.
import type { GraphQLResolveInfo } from 'graphql';
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { getDatamodel } from '../generated/pothos-types.js';

const pluginName = 'loadedColumns';

/** Model name → its scalar and enum columns. */
const columns = new Map<string, Set<string>>(
  Object.entries(getDatamodel().datamodel.models as unknown as Record<string, { fields: ReadonlyArray<{ name: string; kind: string }> }>).map(
    ([model, { fields }]) => [model, new Set(fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => f.name))],
  ),
);

export class LoadedColumnsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: (parent: unknown, args: object, context: object, info: GraphQLResolveInfo) => unknown,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    const column = exposedColumn(fieldConfig, this.buildCache.getTypeConfig(fieldConfig.parentType).extensions?.pothosPrismaModel);
    if (column === null) return resolver;
    return (parent: unknown, args: object, context: object, info: GraphQLResolveInfo) => {
      // Prisma answers a selected column with its value or null, never undefined.
      const value = typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[column] : undefined;
      return value !== undefined && Object.hasOwn(parent as object, column) ? value : resolver(parent, args, context, info);
    };
  }
}

/** The column an exposed field of a Prisma object reads, when it reads one column and nothing else; otherwise null. */
function exposedColumn<Types extends SchemaTypes>(fieldConfig: PothosOutputFieldConfig<Types>, model: unknown): string | null {
  const extensions = fieldConfig.extensions ?? {};
  const name = extensions.pothosExposedField;
  const select = extensions.pothosPrismaSelect as Record<string, unknown> | undefined | false;
  if (fieldConfig.kind !== 'PrismaObject' || typeof name !== 'string' || typeof model !== 'string') return null;
  if (!select || typeof select !== 'object' || Object.keys(select).length !== 1 || select[name] !== true) return null;
  if (fieldConfig.args && Object.keys(fieldConfig.args).length > 0) return null;
  return columns.get(model)?.has(name) ? name : null;
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      loadedColumns: LoadedColumnsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, LoadedColumnsPlugin);

export default pluginName;
