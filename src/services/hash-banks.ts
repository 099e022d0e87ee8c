// Hash banks: named lists of hashes of known material, managed by admins (and the import command), every change
// audited; and matching of reported media hashes against them — MD5 and SHA-256 exactly in the database, PDQ by
// Hamming distance through the in-memory index (src/matching). Only hashes are ever stored.
import { z } from 'zod';
import { Prisma } from '../generated/prisma/client.js';
import { CATEGORIES, type Category } from '../policy/index.js';
import { readBanks, type BankInfo } from '../matching/bank-index.js';
import type { ServiceContext } from './context.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { NoChange, inTransaction, type Unit } from './transaction.js';
import { isUuid, toValidationError } from './validation.js';
import { utcTimestamp } from './sql.js';

export const HASH_ALGORITHMS = ['MD5', 'SHA256', 'PDQ'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];
export const HASH_HEX_LENGTH: Record<HashAlgorithm, number> = { MD5: 32, SHA256: 64, PDQ: 64 };
const HASH_PATTERN = Object.fromEntries(HASH_ALGORITHMS.map((a) => [a, new RegExp(`^[0-9a-f]{${HASH_HEX_LENGTH[a]}}$`)])) as Record<HashAlgorithm, RegExp>;

export interface MediaHash {
  algorithm: HashAlgorithm;
  value: string;
}

/** A media hash as clients send it: the algorithm and its hex digits, any case. */
export const mediaHashSchema = z
  .object({ algorithm: z.enum(HASH_ALGORITHMS), value: z.string().trim().toLowerCase() })
  .superRefine((h, ctx) => {
    if (!HASH_PATTERN[h.algorithm].test(h.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `must be ${HASH_HEX_LENGTH[h.algorithm]} hex digits for ${h.algorithm}` });
    }
  });

const matchSchema = z.array(mediaHashSchema).min(1, 'at least one hash').max(20, 'at most 20 hashes');

/** Leads and admins test hashes against the banks without filing a report. Nothing is stored. */
export async function matchHashes(ctx: ServiceContext, raw: z.input<typeof matchSchema>): Promise<HashMatch[]> {
  if (ctx.actor.kind !== 'USER' || !ctx.actor.roles.some((r) => r === 'LEAD' || r === 'ADMIN')) throw new ForbiddenError('Only leads and admins test hashes');
  const parsed = matchSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error, 'hashes');
  return findHashMatches(ctx, parsed.data);
}

export interface HashMatch {
  bank: BankInfo;
  algorithm: HashAlgorithm;
  /** The submitted hash. */
  value: string;
  /** The bank's hash; differs from `value` for a near PDQ match. */
  matchedValue: string;
  distance: number;
}

/**
 * Matches hashes against every matching-enabled bank: for each hash and bank, the nearest bank hash within the
 * threshold (exact for MD5 and SHA-256), nearest first.
 */
export async function findHashMatches(ctx: ServiceContext, hashes: readonly MediaHash[]): Promise<HashMatch[]> {
  if (!hashes.length) return [];
  const banks = await readBanks(ctx.prisma);
  const enabled = new Map(banks.filter((b) => b.matchingEnabled).map((b) => [b.id, b]));
  if (!enabled.size) return [];
  const nearest = new Map<string, HashMatch>();
  const keep = (match: HashMatch) => {
    const key = `${match.bank.id}:${match.algorithm}:${match.value}`;
    const seen = nearest.get(key);
    if (!seen || match.distance < seen.distance || (match.distance === seen.distance && match.matchedValue < seen.matchedValue)) nearest.set(key, match);
  };

  const exact = hashes.filter((h) => h.algorithm !== 'PDQ');
  if (exact.length) {
    const rows = await ctx.prisma.bankHash.findMany({
      where: { bankId: { in: [...enabled.keys()] }, removedGeneration: null, OR: exact.map((h) => ({ algorithm: h.algorithm, value: h.value })) },
      select: { bankId: true, algorithm: true, value: true },
    });
    for (const row of rows) keep({ bank: enabled.get(row.bankId)!, algorithm: row.algorithm, value: row.value, matchedValue: row.value, distance: 0 });
  }
  const pdq = hashes.filter((h) => h.algorithm === 'PDQ');
  if (pdq.length) {
    await ctx.hashBanks.sync(banks);
    const ids = new Set(enabled.keys());
    for (const h of pdq) {
      for (const hit of ctx.hashBanks.search(h.value, ids)) {
        keep({ bank: enabled.get(hit.bankId)!, algorithm: 'PDQ', value: h.value, matchedValue: hit.value, distance: hit.distance });
      }
    }
  }
  return [...nearest.values()].sort((a, b) => a.distance - b.distance || a.bank.name.localeCompare(b.bank.name) || (a.value < b.value ? -1 : 1));
}

/** Bank changes are for admins, and for the import command (a system actor with database access). */
function requireBankAdmin(ctx: ServiceContext) {
  if (ctx.actor.kind === 'SYSTEM') return;
  if (ctx.actor.kind === 'USER' && ctx.actor.roles.includes('ADMIN')) return;
  throw new ForbiddenError('Only admins change hash banks');
}

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const createSchema = z
  .object({
    name: text(100).regex(/^[\w .:()-]+$/, 'may hold letters, digits, spaces and _ . : ( ) -'),
    source: text(200),
    category: z.enum(CATEGORIES).nullish().transform((v) => v ?? 'CHILD_SEXUAL_EXPLOITATION'),
    matchingEnabled: z.boolean().nullish().transform((v) => v ?? true),
  })
  .strict();

const updateSchema = z
  .object({
    bankId: z.string(),
    source: text(200).nullish(),
    category: z.enum(CATEGORIES).nullish(),
    matchingEnabled: z.boolean().nullish(),
  })
  .strict();

export type CreateHashBankInput = z.input<typeof createSchema>;
export type UpdateHashBankInput = z.input<typeof updateSchema>;

export async function createHashBank(ctx: ServiceContext, raw: CreateHashBankInput) {
  requireBankAdmin(ctx);
  const parsed = createSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  try {
    return await inTransaction(ctx, async (unit) => {
      const bank = await unit.tx.hashBank.create({ data: { ...input, createdAt: unit.now } });
      unit.audit({ action: 'hash_bank.created', entityType: 'HashBank', entityId: bank.id, changes: input });
      announce(ctx, unit);
      return bank;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new ValidationError([{ path: 'name', message: 'a bank with this name exists' }]);
    }
    throw error;
  }
}

export async function updateHashBank(ctx: ServiceContext, raw: UpdateHashBankInput) {
  requireBankAdmin(ctx);
  const parsed = updateSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { bankId, ...fields } = parsed.data;
  return inTransaction(ctx, async (unit) => {
    const before = await lockBank(unit, bankId);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of ['source', 'category', 'matchingEnabled'] as const) {
      const to = fields[key];
      if (to !== undefined && to !== null && to !== before[key]) changes[key] = { from: before[key], to };
    }
    if (!Object.keys(changes).length) throw new NoChange(await unit.tx.hashBank.findUniqueOrThrow({ where: { id: before.id } }));
    const updated = await unit.tx.hashBank.update({
      where: { id: before.id },
      data: { ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to])), generation: { increment: 1 } },
    });
    unit.audit({ action: 'hash_bank.updated', entityType: 'HashBank', entityId: before.id, changes });
    announce(ctx, unit);
    return updated;
  });
}

/** Locks the bank row until commit and reads it, for a change of its settings. */
async function lockBank(unit: Unit, bankId: string) {
  if (!isUuid(bankId)) throw new NotFoundError('Hash bank');
  const [bank] = await unit.tx.$queryRaw<Array<{ id: string; name: string; source: string; category: Category; matchingEnabled: boolean; generation: number }>>`
    SELECT id::text, name, source, category::text AS category, "matchingEnabled", generation FROM "HashBank" WHERE id = ${bankId}::uuid FOR UPDATE`;
  if (!bank) throw new NotFoundError('Hash bank');
  return bank;
}

/**
 * Bumps the bank's generation for a change of its hashes. The update also locks the row until commit, so changes to one
 * bank are serialised and their generations follow commit order.
 */
async function nextGeneration(unit: Unit, bankId: string): Promise<number> {
  if (!isUuid(bankId)) throw new NotFoundError('Hash bank');
  const [bank] = await unit.tx.$queryRaw<Array<{ generation: number }>>`
    UPDATE "HashBank" SET generation = generation + 1, "updatedAt" = ${utcTimestamp(unit.now)}
    WHERE id = ${bankId}::uuid RETURNING generation`;
  if (!bank) throw new NotFoundError('Hash bank');
  return bank.generation;
}

/** After commit, tell every instance's index (through Redis when configured) to catch up now rather than at its next match. */
function announce(ctx: ServiceContext, unit: Unit) {
  unit.afterCommit(() => ctx.hashBanks.changed());
}

export interface HashListProblem {
  line: number;
  message: string;
}

/**
 * Reads a hash list: one hash per line, or CSV whose first column is the hash (later columns, such as a PDQ quality
 * score, are ignored). Blank lines, `#` comments and a header line are skipped. Returns the distinct hashes in file
 * order and the lines that are not a hash of this algorithm.
 */
export function parseHashList(content: string, algorithm: HashAlgorithm): { values: string[]; problems: HashListProblem[] } {
  const length = HASH_HEX_LENGTH[algorithm];
  const pattern = HASH_PATTERN[algorithm];
  const values = new Set<string>();
  const problems: HashListProblem[] = [];
  let lineNumber = 0;
  let first = true;
  for (const line of content.split(/\r?\n/)) {
    lineNumber++;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const field = trimmed.split(/[,;\t]/, 1)[0]!.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    // A first line with letters beyond hex is a header (e.g. "hash,quality"); anything else must be a hash.
    const header = first && /[g-z_ ]/.test(field);
    first = false;
    if (pattern.test(field)) values.add(field);
    else if (!header) problems.push({ line: lineNumber, message: `not ${length} hex digits` });
  }
  return { values: [...values], problems };
}

const IMPORT_CHUNK = 20_000;
const importSchema = z.object({ bankId: z.string(), algorithm: z.enum(HASH_ALGORITHMS), content: z.string() }).strict();

export interface ImportResult {
  bankId: string;
  algorithm: HashAlgorithm;
  /** Distinct hashes in the list. */
  submitted: number;
  added: number;
  alreadyPresent: number;
}

/**
 * Adds every hash of a list to a bank in one transaction: all or nothing. A list with any line that is not a hash of
 * the algorithm is refused whole, naming the first lines, so a wrong file or a wrong algorithm changes nothing.
 */
export async function importBankHashes(ctx: ServiceContext, raw: z.input<typeof importSchema>, options: { timeoutMs?: number } = {}): Promise<ImportResult> {
  requireBankAdmin(ctx);
  const parsed = importSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { bankId, algorithm, content } = parsed.data;
  const { values, problems } = parseHashList(content, algorithm);
  if (problems.length) {
    const shown = problems.slice(0, 10).map((p) => ({ path: `content:line ${p.line}`, message: p.message }));
    if (problems.length > shown.length) shown.push({ path: 'content', message: `and ${problems.length - shown.length} more lines` });
    throw new ValidationError(shown);
  }
  if (!values.length) throw new ValidationError([{ path: 'content', message: 'holds no hashes' }]);
  return inTransaction(
    ctx,
    async (unit) => {
      const generation = await nextGeneration(unit, bankId);
      let added = 0;
      for (let i = 0; i < values.length; i += IMPORT_CHUNK) added += await insertHashes(unit, bankId, algorithm, values.slice(i, i + IMPORT_CHUNK), generation);
      const result = { bankId, algorithm, submitted: values.length, added, alreadyPresent: values.length - added };
      unit.audit({ action: 'hash_bank.imported', entityType: 'HashBank', entityId: bankId, changes: { algorithm, submitted: result.submitted, added, alreadyPresent: result.alreadyPresent, generation } });
      announce(ctx, unit);
      return result;
    },
    { timeoutMs: options.timeoutMs },
  );
}

/** Inserts hashes not in the bank and restores removed ones; returns how many changed. */
async function insertHashes(unit: Unit, bankId: string, algorithm: HashAlgorithm, values: string[], generation: number): Promise<number> {
  return unit.tx.$executeRaw`
    INSERT INTO "BankHash" ("bankId", algorithm, value, "addedAt", "addedGeneration")
    SELECT ${bankId}::uuid, ${algorithm}::"HashAlgorithm", v, ${utcTimestamp(unit.now)}, ${generation} FROM unnest(${values}::text[]) AS v
    ON CONFLICT ("bankId", algorithm, value) DO UPDATE
      SET "addedAt" = EXCLUDED."addedAt", "addedGeneration" = EXCLUDED."addedGeneration", "removedAt" = NULL, "removedGeneration" = NULL
      WHERE "BankHash"."removedGeneration" IS NOT NULL`;
}

const singleSchema = z.object({ bankId: z.string() }).and(mediaHashSchema);

export type BankHashInput = z.input<typeof singleSchema>;

/**
 * Adds or removes one hash. Adding a hash the bank holds, or removing one it lacks, changes (and writes) nothing. A
 * removed hash keeps its row, marked removed, so other instances can catch up.
 */
async function changeBankHash(ctx: ServiceContext, raw: BankHashInput, change: 'add' | 'remove'): Promise<{ changed: boolean }> {
  requireBankAdmin(ctx);
  const parsed = singleSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { bankId, algorithm, value } = parsed.data;
  const where = { bankId_algorithm_value: { bankId, algorithm, value } };
  return inTransaction(ctx, async (unit) => {
    // Bumped first, for its lock; a request that changes nothing rolls it back.
    const generation = await nextGeneration(unit, bankId);
    const row = await unit.tx.bankHash.findUnique({ where, select: { removedGeneration: true } });
    const present = row !== null && row.removedGeneration === null;
    if (present === (change === 'add')) throw new NoChange({ changed: false });
    if (change === 'add') await insertHashes(unit, bankId, algorithm, [value], generation);
    else await unit.tx.bankHash.update({ where, data: { removedAt: unit.now, removedGeneration: generation } });
    unit.audit({
      action: change === 'add' ? 'hash_bank.hash_added' : 'hash_bank.hash_removed',
      entityType: 'HashBank',
      entityId: bankId,
      changes: { algorithm, value, generation },
    });
    announce(ctx, unit);
    return { changed: true };
  });
}

export const addBankHash = (ctx: ServiceContext, raw: BankHashInput) => changeBankHash(ctx, raw, 'add');
export const removeBankHash = (ctx: ServiceContext, raw: BankHashInput) => changeBankHash(ctx, raw, 'remove');
