// Hash banks of known material: the admin surface (banks, imports, single hashes) and hash testing for leads.
import { builder } from './builder.js';
import { NodeRef } from './node.js';
import { CategoryEnum, HashAlgorithmEnum } from './enums.js';
import { COMMON_ERRORS } from './errors.js';
import { MediaHashInput } from './report.js';
import {
  addBankHash,
  createHashBank,
  importBankHashes,
  matchHashes,
  removeBankHash,
  updateHashBank,
  type HashAlgorithm,
} from '../services/hash-banks.js';
import type { Category } from '../policy/index.js';

/** A match as shown on a case and by `matchHashes`. */
export interface HashMatchView {
  bankId: string;
  bank: string;
  category: Category;
  algorithm: HashAlgorithm;
  value: string;
  matchedValue: string;
  distance: number;
  matchedAt: Date | null;
}

export const HashMatchRef = builder.objectRef<HashMatchView>('HashMatch').implement({
  description: 'A media hash that matched a bank of known material',
  fields: (t) => ({
    bank: t.exposeString('bank', { description: 'The bank’s name' }),
    bankId: t.exposeID('bankId'),
    category: t.field({ type: CategoryEnum, description: 'The category the bank presets', resolve: (m) => m.category }),
    algorithm: t.field({ type: HashAlgorithmEnum, resolve: (m) => m.algorithm }),
    value: t.exposeString('value', { description: 'The hash that was submitted' }),
    matchedValue: t.exposeString('matchedValue', { description: 'The bank’s hash; differs from value for a near PDQ match' }),
    distance: t.exposeInt('distance', { description: 'Hamming distance in bits; 0 for MD5 and SHA-256, which match exactly' }),
    matchedAt: t.expose('matchedAt', { type: 'DateTime', nullable: true, description: 'When the case was matched; null when only tested' }),
  }),
});

export const HashBankRef = builder.prismaObject('HashBank', {
  interfaces: [NodeRef],
  authScopes: { auditor: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    source: t.exposeString('source'),
    category: t.expose('category', { type: CategoryEnum }),
    matchingEnabled: t.exposeBoolean('matchingEnabled'),
    generation: t.exposeInt('generation', { description: 'Rises with every change to the bank or its hashes' }),
    hashCount: t.relationCount('hashes', { where: { removedGeneration: null } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('hashBanks', (t) =>
  t.prismaField({
    type: ['HashBank'],
    authScopes: { auditor: true },
    description: 'Every hash bank, by name (leads and admins)',
    resolve: (query, _root, _args, ctx) => ctx.prisma.hashBank.findMany({ ...query, orderBy: { name: 'asc' } }),
  }),
);

builder.queryField('matchHashes', (t) =>
  t.field({
    type: [HashMatchRef],
    authScopes: { auditor: true },
    description: 'Test hashes against the matching-enabled banks without filing a report (leads and admins); nothing is stored',
    args: { hashes: t.arg({ type: [MediaHashInput], required: true }) },
    resolve: async (_root, { hashes }, ctx) =>
      (await matchHashes(ctx.services, hashes)).map((m) => ({
        bankId: m.bank.id,
        bank: m.bank.name,
        category: m.bank.category,
        algorithm: m.algorithm,
        value: m.value,
        matchedValue: m.matchedValue,
        distance: m.distance,
        matchedAt: null,
      })),
  }),
);

const CreateHashBankInput = builder.inputType('CreateHashBankInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    source: t.string({ required: true, description: 'Where the list comes from, e.g. the programme that shares it' }),
    category: t.field({ type: CategoryEnum, description: 'The category a match presets; CHILD_SEXUAL_EXPLOITATION when absent' }),
    matchingEnabled: t.boolean({ description: 'True when absent' }),
  }),
});

const UpdateHashBankInput = builder.inputType('UpdateHashBankInput', {
  fields: (t) => ({
    bankId: t.id({ required: true }),
    source: t.string(),
    category: t.field({ type: CategoryEnum }),
    matchingEnabled: t.boolean(),
  }),
});

const ImportHashBankInput = builder.inputType('ImportHashBankInput', {
  fields: (t) => ({
    bankId: t.id({ required: true }),
    algorithm: t.field({ type: HashAlgorithmEnum, required: true }),
    content: t.string({
      required: true,
      description: 'One hash per line, or CSV with the hash in the first column; blank lines, # comments and a header are skipped',
    }),
  }),
});

const BankHashInput = builder.inputType('BankHashInput', {
  fields: (t) => ({
    bankId: t.id({ required: true }),
    algorithm: t.field({ type: HashAlgorithmEnum, required: true }),
    value: t.string({ required: true }),
  }),
});

const HashBankSuccess = builder.objectRef<{ bankId: string }>('HashBankSuccess').implement({
  fields: (t) => ({
    bank: t.prismaField({ type: 'HashBank', resolve: (query, r, _a, ctx) => ctx.prisma.hashBank.findUniqueOrThrow({ ...query, where: { id: r.bankId } }) }),
  }),
});

const ImportHashBankSuccess = builder
  .objectRef<{ bankId: string; submitted: number; added: number; alreadyPresent: number }>('ImportHashBankSuccess')
  .implement({
    fields: (t) => ({
      bank: t.prismaField({ type: 'HashBank', resolve: (query, r, _a, ctx) => ctx.prisma.hashBank.findUniqueOrThrow({ ...query, where: { id: r.bankId } }) }),
      submitted: t.exposeInt('submitted', { description: 'Distinct hashes in the list' }),
      added: t.exposeInt('added'),
      alreadyPresent: t.exposeInt('alreadyPresent'),
    }),
  });

const BankHashChangeSuccess = builder.objectRef<{ bankId: string; changed: boolean }>('BankHashChangeSuccess').implement({
  fields: (t) => ({
    bank: t.prismaField({ type: 'HashBank', resolve: (query, r, _a, ctx) => ctx.prisma.hashBank.findUniqueOrThrow({ ...query, where: { id: r.bankId } }) }),
    changed: t.exposeBoolean('changed', { description: 'False when the bank already held (or already lacked) the hash' }),
  }),
});

const adminOnly = { role: 'ADMIN' as const };

builder.mutationField('createHashBank', (t) =>
  t.field({
    type: HashBankSuccess,
    authScopes: adminOnly,
    description: 'Create a hash bank (admins)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'CreateHashBankResult' } },
    args: { input: t.arg({ type: CreateHashBankInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ bankId: (await createHashBank(ctx.services, input)).id }),
  }),
);

builder.mutationField('updateHashBank', (t) =>
  t.field({
    type: HashBankSuccess,
    authScopes: adminOnly,
    description: 'Change a bank’s source, category or whether it is matched (admins)',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'UpdateHashBankResult' } },
    args: { input: t.arg({ type: UpdateHashBankInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ bankId: (await updateHashBank(ctx.services, { ...input, bankId: String(input.bankId) })).id }),
  }),
);

builder.mutationField('importHashBank', (t) =>
  t.field({
    type: ImportHashBankSuccess,
    authScopes: adminOnly,
    description: 'Add a list of hashes to a bank, all or nothing (admins). Larger lists: npm run banks:import',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'ImportHashBankResult' } },
    args: { input: t.arg({ type: ImportHashBankInput, required: true }) },
    resolve: (_root, { input }, ctx) => importBankHashes(ctx.services, { ...input, bankId: String(input.bankId) }),
  }),
);

const singleHashMutations = [
  ['addBankHash', addBankHash, 'Add one hash to a bank (admins)', 'AddBankHashResult'],
  ['removeBankHash', removeBankHash, 'Remove one hash from a bank (admins)', 'RemoveBankHashResult'],
] as const;

for (const [name, change, description, union] of singleHashMutations) {
  builder.mutationField(name, (t) =>
    t.field({
      type: BankHashChangeSuccess,
      authScopes: adminOnly,
      description,
      errors: { types: COMMON_ERRORS, directResult: true, union: { name: union } },
      args: { input: t.arg({ type: BankHashInput, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const bankId = String(input.bankId);
        return { bankId, ...(await change(ctx.services, { ...input, bankId })) };
      },
    }),
  );
}
