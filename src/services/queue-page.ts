// The reviewer's queue page as one SQL statement: the waiting cases in order (priority, SLA due time, id), each with
// the nested records the GraphQL selection asks for, and the count and oldest creation time of the whole queue. The Prisma query that the
// Pothos connection builds from the selection is translated into correlated subqueries that return each case as JSON in
// exactly the shape `prisma.case.findMany(query)` returns (dates as Date, BigInt as bigint), so the nested field
// resolvers find their relations loaded and read nothing more. Field authorization is untouched: the rows carry what
// the selection asks for, as Prisma's would, and each field's scopes still decide what the caller sees.
//
// Only the query shapes the schema's Case fields produce are translated: plain selections, includes, to-one relations,
// to-many relations with orderBy/take/skip, and relation counts. Anything else (a filtered or cursored nested
// connection, an omit, an ordering on a relation) makes `queuePageStatement` answer null, and the caller reads the
// page through Prisma as before.
import type pg from 'pg';
import type { PrismaClient } from '../db/database.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { fromUtc } from './sql.js';

interface Field {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  isId: boolean;
  relationName?: string;
  relationFromFields?: readonly string[];
}
const models = getDatamodel().datamodel.models as unknown as Record<string, { fields: readonly Field[] }>;

class Untranslatable extends Error {}
const untranslatable = (what: string): never => {
  throw new Untranslatable(what);
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Identifiers come from the datamodel, never from the request; quoted all the same. */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

function fieldsOf(model: string) {
  return models[model]?.fields ?? untranslatable(`model ${model}`);
}
function fieldOf(model: string, name: string): Field {
  return fieldsOf(model).find((f) => f.name === name) ?? untranslatable(`field ${model}.${name}`);
}
function idOf(model: string): string {
  const ids = fieldsOf(model).filter((f) => f.isId);
  return ids.length === 1 ? ids[0]!.name : untranslatable(`the id of ${model}`);
}
const isScalar = (f: Field) => f.kind === 'scalar' || f.kind === 'enum';

/** How a relation joins: the columns on the parent row and the matching columns on the related row. */
function joinOf(model: string, field: Field): { target: string; local: string; remote: string } {
  const target = field.type;
  if (field.relationFromFields?.length) {
    if (field.relationFromFields.length !== 1) untranslatable(`compound relation ${model}.${field.name}`);
    return { target, local: field.relationFromFields[0]!, remote: idOf(target) };
  }
  const back = fieldsOf(target).filter((f) => f.relationName === field.relationName && f.type === model && f.relationFromFields?.length);
  if (back.length !== 1 || back[0]!.relationFromFields!.length !== 1) untranslatable(`relation ${model}.${field.name}`);
  return { target, local: idOf(model), remote: back[0]!.relationFromFields![0]! };
}

interface Statement {
  params: unknown[];
  aliases: number;
}
const nextAlias = (s: Statement) => `t${s.aliases++}`;

function integer(value: unknown, what: string): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : untranslatable(what);
}

/** ORDER BY for Prisma's `orderBy` on scalar fields (an object or a list of one-key objects). */
function orderSql(model: string, alias: string, orderBy: unknown): string {
  const list = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  const terms: string[] = [];
  for (const entry of list) {
    if (!isRecord(entry)) untranslatable('orderBy');
    for (const [name, direction] of Object.entries(entry as Record<string, unknown>)) {
      const field = fieldOf(model, name);
      if (!isScalar(field) || field.isList || (direction !== 'asc' && direction !== 'desc')) untranslatable(`orderBy ${name}`);
      terms.push(`${alias}.${ident(name)} ${direction === 'desc' ? 'DESC' : 'ASC'}`);
    }
  }
  return terms.join(', ');
}

/** The keys a Prisma row of `model` has for these arguments, each with its own nested arguments. */
function shapeOf(model: string, args: Record<string, unknown>): Array<[string, unknown]> {
  for (const key of Object.keys(args)) if (!['select', 'include'].includes(key)) untranslatable(key);
  if (args.select !== undefined && args.include !== undefined) untranslatable('select with include');
  if (args.select !== undefined) {
    if (!isRecord(args.select)) untranslatable('select');
    return Object.entries(args.select as Record<string, unknown>).filter(([, v]) => v !== false && v !== undefined);
  }
  const scalars: Array<[string, unknown]> = fieldsOf(model).filter(isScalar).map((f) => [f.name, true]);
  if (args.include === undefined) return scalars;
  if (!isRecord(args.include)) untranslatable('include');
  return [...scalars, ...Object.entries(args.include as Record<string, unknown>).filter(([, v]) => v !== false && v !== undefined)];
}

/** A JSON object for the row `alias` of `model`, with the keys Prisma would return for `args`. */
function objectSql(s: Statement, model: string, alias: string, args: Record<string, unknown>): string {
  const columns = shapeOf(model, args).map(([key, wanted]) => `${valueSql(s, model, alias, key, wanted)} AS ${ident(key)}`);
  if (columns.length === 0) untranslatable('an empty selection');
  return `(SELECT row_to_json(_j) FROM (SELECT ${columns.join(', ')}) _j)`;
}

function valueSql(s: Statement, model: string, alias: string, key: string, wanted: unknown): string {
  if (key === '_count') return countSql(s, model, alias, wanted);
  const field = fieldOf(model, key);
  if (isScalar(field)) {
    if (wanted !== true) untranslatable(`selection of ${key}`);
    if (field.type === 'BigInt') return `${alias}.${ident(key)}::text`;
    if (['Decimal', 'Bytes', 'Float', 'Unsupported'].includes(field.type)) untranslatable(`${field.type} ${key}`);
    return `${alias}.${ident(key)}`;
  }
  const nested = wanted === true ? {} : isRecord(wanted) ? wanted : untranslatable(`selection of ${key}`);
  const { target, local, remote } = joinOf(model, field);
  const inner = nextAlias(s);
  if (!field.isList) {
    return `(SELECT ${objectSql(s, target, inner, nested)} FROM ${ident(target)} ${inner} WHERE ${inner}.${ident(remote)} = ${alias}.${ident(local)})`;
  }
  const { orderBy, take, skip, ...shape } = nested;
  const order = orderSql(target, inner, orderBy);
  const limit = take === undefined ? '' : ` LIMIT ${integer(take, 'take')}`;
  const offset = skip === undefined ? '' : ` OFFSET ${integer(skip, 'skip')}`;
  const rows = `SELECT * FROM ${ident(target)} ${inner} WHERE ${inner}.${ident(remote)} = ${alias}.${ident(local)}${order ? ` ORDER BY ${order}` : ''}${limit}${offset}`;
  return `(SELECT coalesce(json_agg(${objectSql(s, target, inner, shape)}${order ? ` ORDER BY ${order}` : ''}), '[]'::json) FROM (${rows}) ${inner})`;
}

function countSql(s: Statement, model: string, alias: string, wanted: unknown): string {
  if (!isRecord(wanted) || !isRecord(wanted.select) || Object.keys(wanted).length !== 1) return untranslatable('_count');
  const counts = Object.entries(wanted.select).map(([key, v]) => {
    const field = fieldOf(model, key);
    if (v !== true || !field.isList || isScalar(field)) untranslatable(`_count of ${key}`);
    const { target, local, remote } = joinOf(model, field);
    const inner = nextAlias(s);
    return `'${key}', (SELECT count(*)::int FROM ${ident(target)} ${inner} WHERE ${inner}.${ident(remote)} = ${alias}.${ident(local)})`;
  });
  return `json_build_object(${counts.join(', ')})`;
}

type Row = Record<string, unknown>;

/**
 * Restores what JSON cannot carry in the rows of `model` read with these arguments, as Prisma returns them: dates as
 * Date, BigInt as bigint. Worked out once from the arguments and applied to every row of the page (and each row's
 * nested rows), so the selection is not walked again per row.
 */
function reviverOf(model: string, args: Record<string, unknown>): (row: Row) => Row {
  const steps: Array<(row: Row) => void> = [];
  for (const [key, wanted] of shapeOf(model, args)) {
    if (key === '_count') continue;
    const field = fieldOf(model, key);
    const convert: ((value: unknown) => unknown) | null =
      field.type === 'DateTime' ? fromUtc : field.type === 'BigInt' ? (value) => BigInt(value as string) : null;
    if (convert) {
      steps.push((row) => {
        const value = row[key];
        if (value !== null && value !== undefined) row[key] = Array.isArray(value) ? value.map((v) => convert(v)) : convert(value);
      });
    } else if (!isScalar(field)) {
      const { orderBy: _o, take: _t, skip: _s, ...nested } = wanted === true ? {} : (wanted as Record<string, unknown>);
      const inner = reviverOf(field.type, nested);
      steps.push((row) => {
        const value = row[key];
        if (value === null || value === undefined) return;
        if (field.isList) for (const item of value as Row[]) inner(item);
        else inner(value as Row);
      });
    }
  }
  return (row) => {
    for (const step of steps) step(row);
    return row;
  };
}

export interface QueueFilter {
  queue: string;
  /** Waiting statuses: fixed by the code, written into the statement as literals so the partial index applies. */
  statuses: readonly string[];
  categories: readonly string[];
}

export interface QueuePage {
  /** The cases as `prisma.case.findMany({ ...query, where, orderBy })` returns them. */
  rows: Array<Record<string, unknown>>;
  /** Cases waiting in the queue for this caller (the filter without the cursor), and when the oldest was created. */
  total: number;
  oldest: Date | null;
  /** Each case's audit events, oldest first, when asked for. */
  auditTrails: Map<string, Array<Record<string, unknown>>> | null;
}

const STATUS = /^[A-Z_]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The page's statement, or null when the query holds something it does not translate. The cursor is a keyset
 * position: the cases after the cursor's case in (priority, slaDueAt, id) order.
 */
export function queuePageStatement(query: Record<string, unknown>, filter: QueueFilter, options: { auditTrail: boolean }): { text: string; values: unknown[] } | null {
  try {
    const { take, skip, cursor, ...shape } = query;
    const limit = integer(take, 'take');
    const s: Statement = { params: [filter.queue, [...filter.categories]], aliases: 1 };
    if (filter.statuses.length === 0 || !filter.statuses.every((status) => STATUS.test(status))) untranslatable('statuses');
    const where = (alias: string) =>
      `${alias}."queue" = $1::"QueueName" AND ${alias}."status" IN (${filter.statuses.map((st) => `'${st}'`).join(', ')}) AND ${alias}."category" = ANY($2::"ChildSafetyCategory"[])`;
    let after = '';
    if (cursor !== undefined) {
      // Pothos passes the cursor's case with skip 1; the keyset condition leaves out that case itself.
      if (!isRecord(cursor) || Object.keys(cursor).length !== 1 || typeof cursor.id !== 'string' || !UUID.test(cursor.id) || skip !== 1) return null;
      s.params.push(cursor.id);
      after = ` AND (t0."priority", t0."slaDueAt", t0."id") > (SELECT k."priority", k."slaDueAt", k."id" FROM "Case" k WHERE k."id" = $${s.params.length}::uuid)`;
    } else if (skip !== undefined && skip !== 0) return null;
    const parts = [`'id', t0."id"`, `'row', ${objectSql(s, 'Case', 't0', shape)}`];
    if (options.auditTrail) parts.push(`'audit', (SELECT coalesce(json_agg(${objectSql(s, 'AuditEvent', 'a0', {})} ORDER BY a0."seq"), '[]'::json) FROM "AuditEvent" a0 WHERE a0."caseId" = t0."id")`);
    const order = 't0."priority", t0."slaDueAt", t0."id"';
    const text =
      `SELECT w.total, to_char(w.oldest, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS oldest, ` +
      `(SELECT coalesce(json_agg(json_build_object(${parts.join(', ')}) ORDER BY ${order}), '[]'::json) ` +
      `FROM (SELECT * FROM "Case" t0 WHERE ${where('t0')}${after} ORDER BY ${order} LIMIT ${limit}) t0) AS page ` +
      `FROM (SELECT count(*)::int AS total, min(c."createdAt") AS oldest FROM "Case" c WHERE ${where('c')}) w`;
    return { text, values: s.params };
  } catch (error) {
    if (error instanceof Untranslatable) return null;
    throw error;
  }
}

/** Runs the page's statement on the pool (one round trip), or through Prisma when there is no pool; null when untranslatable. */
export async function queuePage(
  db: { pool?: pg.Pool; prisma: PrismaClient },
  query: Record<string, unknown>,
  filter: QueueFilter,
  options: { auditTrail: boolean },
): Promise<QueuePage | null> {
  const statement = queuePageStatement(query, filter, options);
  if (!statement) return null;
  type Result = { total: number; oldest: string | null; page: Array<{ id: string; row: Record<string, unknown>; audit?: Array<Record<string, unknown>> }> };
  const [result] = db.pool ? (await db.pool.query<Result>(statement)).rows : await db.prisma.$queryRawUnsafe<Result[]>(statement.text, ...statement.values);
  const { take: _t, skip: _s, cursor: _c, ...shape } = query;
  const auditTrails = options.auditTrail ? new Map<string, Array<Record<string, unknown>>>() : null;
  const reviveCase = reviverOf('Case', shape);
  const reviveEvent = auditTrails ? reviverOf('AuditEvent', {}) : null;
  const rows = result!.page.map(({ id, row, audit }) => {
    reviveCase(row);
    if (auditTrails && audit) auditTrails.set(id, audit.map((event) => reviveEvent!(event)));
    return row;
  });
  return { rows, total: Number(result!.total), oldest: fromUtc(result!.oldest), auditTrails };
}
