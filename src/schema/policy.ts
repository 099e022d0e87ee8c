// The policy as the reviewer UI needs it to build its forms: version, categories, questions, clauses.
import { builder } from './builder.js';
import { CategoryEnum, RoleEnum } from './enums.js';
import { ClauseRef } from './assessment.js';
import {
  CATEGORIES,
  CATEGORY_FACTORS,
  CLAUSES,
  HARM_SEVERITIES,
  MEDIA_KINDS,
  NUDITY,
  POLICY_VERSION,
  SHARING_CONTEXTS,
  categoryQualification,
  cite,
  type Category,
  type ClauseId,
  type FactorName,
} from '../policy/index.js';

const FACTOR_VALUES: Record<FactorName, readonly string[]> = {
  mediaKind: MEDIA_KINDS,
  promotesExploitation: ['true', 'false'],
  nudity: NUDITY,
  severity: HARM_SEVERITIES,
  context: SHARING_CONTEXTS,
  excessivelyGraphic: ['true', 'false'],
};

interface FactorView {
  name: FactorName;
  required: boolean;
  values: readonly string[];
}

const Factor = builder.objectRef<FactorView>('PolicyFactor').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    required: t.exposeBoolean('required', { description: 'Required when the person depicted is a minor' }),
    values: t.exposeStringList('values'),
  }),
});

const CategoryView = builder.objectRef<Category>('PolicyCategory').implement({
  fields: (t) => ({
    category: t.field({ type: CategoryEnum, resolve: (c) => c }),
    qualification: t.field({ type: RoleEnum, resolve: (c) => categoryQualification(c) }),
    factors: t.field({
      type: [Factor],
      resolve: (c) => {
        const { required, optional } = CATEGORY_FACTORS[c];
        return [
          ...required.map((name) => ({ name, required: true, values: FACTOR_VALUES[name] })),
          ...optional.map((name) => ({ name, required: false, values: FACTOR_VALUES[name] })),
        ];
      },
    }),
  }),
});

const Policy = builder.objectRef<{ version: string }>('Policy').implement({
  fields: (t) => ({
    version: t.exposeString('version'),
    categories: t.field({ type: [CategoryView], resolve: () => [...CATEGORIES] }),
    clauses: t.field({ type: [ClauseRef], resolve: () => cite(...(Object.keys(CLAUSES) as ClauseId[])) }),
  }),
});

builder.queryField('policy', (t) =>
  t.field({
    type: Policy,
    authScopes: { authenticated: true },
    resolve: () => ({ version: POLICY_VERSION }),
  }),
);
