// The policy as the reviewer UI needs it to build its forms: version, categories, questions, clauses.
import { builder } from './builder.js';
import { CategoryEnum, RoleEnum } from './enums.js';
import { ClauseRef } from './assessment.js';
import {
  ASSESSMENT_FORM,
  CATEGORIES,
  CLAUSES,
  POLICY_VERSION,
  categoryQualification,
  cite,
  type Category,
  type ClauseId,
  type FactorName,
} from '../policy/index.js';

interface FactorView {
  name: FactorName;
  required: boolean;
  values: readonly string[];
}

const Factor = builder.objectRef<FactorView>('PolicyFactor').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    required: t.exposeBoolean('required', { description: 'Required when the case is judged on its factors (a minor is depicted, or no age is needed)' }),
    values: t.exposeStringList('values', { description: 'Every value the form offers; submitAssessment accepts each and nothing else' }),
  }),
});

const CategoryView = builder.objectRef<Category>('PolicyCategory').implement({
  fields: (t) => ({
    category: t.field({ type: CategoryEnum, resolve: (c) => c }),
    qualification: t.field({ type: RoleEnum, resolve: (c) => categoryQualification(c) }),
    ageRequired: t.boolean({
      description:
        'Whether every assessment names the age of the person depicted. False: only a depiction needs one; promotion of exploitation, and exploitation in text, are judged without an age',
      resolve: (c) => ASSESSMENT_FORM[c].age === 'ALWAYS',
    }),
    factors: t.field({
      type: [Factor],
      description: 'The questions, from the same table the validator reads: required ones first',
      resolve: (c) => {
        const specs = ASSESSMENT_FORM[c].factors;
        return [...specs.filter((f) => f.required), ...specs.filter((f) => !f.required)].map((f) => ({
          name: f.name,
          required: f.required,
          values: f.values.map(String),
        }));
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
