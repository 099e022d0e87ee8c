// A Pothos plugin that resolves a Prisma object's field that reads only columns (an exposed column, or a field with
// `select: { a: true, … }` of columns) straight from the row it is resolved with, when the row holds those columns. In
// select mode (a prismaObject with a type-level `select`), @pothos/plugin-prisma wraps every such field to look up, per
// field and per row, the selection the row was loaded with, and to reload the row when that selection lacks a column;
// a page of 50 cases and their reports made about 1,000 such lookups per request. A row that holds the columns (a
// value or null; Prisma never answers undefined) needs no lookup: the field's own resolver runs on it, as on
// plugin-prisma's planned path. A row without them goes to plugin-prisma's wrapper, which loads them.
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
  override wrapResolve(resolver: Resolver, fieldConfig: PothosOutputFieldConfig<Types>) {
    const model = this.buildCache.getTypeConfig(fieldConfig.parentType).extensions?.pothosPrismaModel;
    const needs = columnsRead(fieldConfig, model);
    const own = fieldConfig.resolve as Resolver | undefined;
    if (needs === null || !own) return resolver;
    if (needs.length === 1) {
      const [column] = needs as [string];
      return (parent: unknown, args: object, context: object, info: GraphQLResolveInfo) =>
        holds(parent, column) ? own(parent, args, context, info) : resolver(parent, args, context, info);
    }
    return (parent: unknown, args: object, context: object, info: GraphQLResolveInfo) =>
      needs.every((column) => holds(parent, column)) ? own(parent, args, context, info) : resolver(parent, args, context, info);
  }
}

type Resolver = (parent: unknown, args: object, context: object, info: GraphQLResolveInfo) => unknown;

/** Prisma answers a selected column with its value or null, never undefined. */
const holds = (row: unknown, column: string) =>
  typeof row === 'object' && row !== null && (row as Record<string, unknown>)[column] !== undefined && Object.hasOwn(row, column);

/**
 * The columns a field of a Prisma object reads, when its selection is a fixed set of the model's columns (an exposed
 * column, or `select: { a: true, b: true }`) and it takes no arguments; otherwise null (relations, selections built
 * per request, fields plugin-prisma checks itself).
 */
function columnsRead<Types extends SchemaTypes>(fieldConfig: PothosOutputFieldConfig<Types>, model: unknown): string[] | null {
  const extensions = fieldConfig.extensions ?? {};
  const select = extensions.pothosPrismaSelect as Record<string, unknown> | undefined | false;
  if (fieldConfig.kind !== 'PrismaObject' || typeof model !== 'string' || extensions.pothosPrismaLoaded) return null;
  if (!select || typeof select !== 'object' || Object.getPrototypeOf(select) !== Object.prototype) return null;
  if (fieldConfig.args && Object.keys(fieldConfig.args).length > 0) return null;
  const names = Object.keys(select);
  const known = columns.get(model);
  if (names.length === 0 || !known || !names.every((name) => select[name] === true && known.has(name))) return null;
  return names;
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
