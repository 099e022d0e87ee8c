// The Pothos schema builder: plugins, scalars, auth scopes and the shared error types.
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import LoadedColumnsPlugin from './loaded-columns.js';
import { GraphQLError, Kind, type GraphQLResolveInfo } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { canHandleCategory, type Category, type Role } from '../policy/index.js';
import { ForbiddenError, NotAuthenticatedError } from '../services/errors.js';
import type { GraphQLContext } from './context.js';

const has = (ctx: GraphQLContext, ...roles: Role[]) => !!ctx.user && roles.some((r) => ctx.user!.roles.includes(r));

export const REVIEWING_ROLES: Role[] = ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD'];
export const OVERSIGHT_ROLES: Role[] = ['LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'];

/**
 * One scope map per category, built once. Scope-auth keeps a map's outcome for the rest of the request keyed by the map
 * itself, so the fields of a page's 50 cases and their reports, which ask the same question of a few categories,
 * evaluate it once per category instead of once per field and row.
 */
function perCategory<M>(build: (category: Category) => M): (category: Category) => M {
  const maps = new Map<Category, M>();
  return (category) => {
    let map = maps.get(category);
    if (!map) maps.set(category, (map = build(category)));
    return map;
  };
}

/** Who may read a case of this category: those who handle it, and oversight. */
export const readersOf = perCategory((category) => ({ $any: { handlesCategory: category, oversight: true } }));
/** Who may read what was reported in this category (the content, the reports): its handlers and law-enforcement liaisons. */
export const contentReadersOf = perCategory((category) => ({ $any: { handlesCategory: category, role: 'LAW_ENFORCEMENT_LIAISON' as const } }));

/** Whether the field's result union lists this error type (the errors plugin then answers it as that member). */
function advertises(info: GraphQLResolveInfo, type: unknown): boolean {
  const errors = info.parentType.getFields()[info.fieldName]?.extensions?.pothosErrors;
  return Array.isArray(errors) && errors.includes(type);
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  Scalars: { DateTime: { Input: Date; Output: Date | string }; JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> } };
  AuthScopes: {
    public: boolean;
    authenticated: boolean;
    role: Role;
    /** Reviewers of any kind: reviewer, specialist, appeals reviewer, lead. */
    reviewer: boolean;
    /** Aggregates: analysts, leads, admins. */
    analytics: boolean;
    /** NCMEC, referral and audit oversight: leads, admins, law-enforcement liaisons. */
    oversight: boolean;
    /** The full audit log: leads and admins. */
    auditor: boolean;
    /** Reporter identity and contact: leads, admins, law-enforcement liaisons. */
    reporterIdentity: boolean;
    /** May choose a case to claim by id: leads and appeals reviewers. */
    choosesCases: boolean;
    /** May see cases of this category (exploitation and abuse media: specialists and leads). */
    handlesCategory: Category;
  };
  DefaultFieldNullability: false;
}>({
  // The errors plugin wraps scope-auth, so a field that lists ForbiddenError and NotAuthenticatedError among its errors
  // (every mutation) answers a refused scope with that member of its result union; every other field (queries, the
  // fields of a payload, subscriptions) still refuses with a top-level error of the same message and code.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, LoadedColumnsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    treatErrorsAsUnauthorized: true,
    authScopes: (ctx) => ({
      public: true,
      authenticated: !!ctx.user,
      role: (role) => has(ctx, role),
      reviewer: has(ctx, ...REVIEWING_ROLES),
      analytics: has(ctx, 'ANALYST', 'LEAD', 'ADMIN'),
      oversight: has(ctx, ...OVERSIGHT_ROLES),
      auditor: has(ctx, 'LEAD', 'ADMIN'),
      reporterIdentity: has(ctx, 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'),
      choosesCases: has(ctx, 'LEAD', 'APPEALS_REVIEWER'),
      handlesCategory: (category) => !!ctx.user && canHandleCategory(ctx.user.roles, category),
    }),
    // The same words and code whichever channel carries them, and nothing about what was refused or why.
    unauthorizedError: (_parent, ctx, info) => {
      const [Refusal, message, code] = ctx.user
        ? ([ForbiddenError, 'Not authorized', 'FORBIDDEN'] as const)
        : ([NotAuthenticatedError, 'Authentication required', 'UNAUTHENTICATED'] as const);
      if (advertises(info, Refusal)) return new Refusal(message);
      return new GraphQLError(message, { extensions: { code, http: { status: 200 } } });
    },
  },
  errors: { defaultTypes: [] },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time string in UTC',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO-8601 date or date-time. A date-time without a zone is UTC (never the server's local zone), and a date the
 * calendar has not (2020-02-30, 24:00) is refused rather than rolled over into the next day or month.
 */
export function parseDate(value: unknown): Date {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  if (!match) throw new GraphQLError('DateTime must be an ISO-8601 string');
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone] = match;
  const calendar = new Date(0);
  calendar.setUTCFullYear(Number(year), Number(month) - 1, Number(day)); // Date.UTC would read years 0-99 as 19xx
  const exists =
    calendar.getUTCFullYear() === Number(year) && calendar.getUTCMonth() === Number(month) - 1 && calendar.getUTCDate() === Number(day);
  if (!exists || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) throw new GraphQLError('DateTime must be a valid date');
  const date = new Date(match[4] === undefined ? `${value as string}T00:00:00Z` : zone ? (value as string) : `${value as string}Z`);
  if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be a valid date');
  // Nothing here predates 1970; earlier years (0000, which PostgreSQL has not, or 0001) are mistakes or probes.
  if (date.getTime() < 0) throw new GraphQLError('DateTime must not be before 1970-01-01T00:00:00Z');
  return date;
}

builder.addScalarType('JSONObject', JSONObjectResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
