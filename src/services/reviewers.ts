// Reviewer records: created on first sight of a token's `sub`, name and roles following the token; and access an admin
// withdraws, which applies at once to every request and every live subscription event even while tokens stay valid.
import { z } from 'zod';
import type { PrismaClient } from '../db/database.js';
import type { AccessWatch } from '../db/access-watch.js';
import { ROLES, type Role } from '../policy/index.js';
import { userOf, type ServiceContext } from './context.js';
import { ForbiddenError, NotFoundError } from './errors.js';
import { inTransaction } from './transaction.js';
import { releaseWithdrawnLeases } from './access.js';
import { toValidationError } from './validation.js';

export interface ReviewerAccess {
  revokedRoles: Role[];
  suspended: boolean;
}

const sameRoles = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** Creates or refreshes the reviewer record and returns what an admin has withdrawn (read fresh every call). */
export async function ensureReviewer(prisma: PrismaClient, user: { id: string; name: string; roles: Role[] }): Promise<ReviewerAccess> {
  return (await ensureReviewerAt(prisma, user)).access;
}

/**
 * As `ensureReviewer`, with the access generation the record was read at: one statement reads both, so the record
 * reflects every access change the generation counts.
 */
async function ensureReviewerAt(prisma: PrismaClient, user: { id: string; name: string; roles: Role[] }): Promise<{ access: ReviewerAccess; generation: number }> {
  const [row] = await prisma.$queryRaw<Array<{ generation: bigint; name: string | null; roles: string[] | null; revokedRoles: string[] | null; suspended: boolean | null }>>`
    SELECT h."accessGeneration" AS "generation", r."name", r."roles", r."revokedRoles", r."suspendedAt" IS NOT NULL AS "suspended"
    FROM "AuditChainHead" h LEFT JOIN "Reviewer" r ON r."id" = ${user.id}
    WHERE h."id" = 1`;
  if (!row) throw new Error('audit chain head is missing');
  if (row.name === null || row.name !== user.name || !sameRoles(row.roles ?? [], user.roles)) {
    await prisma.reviewer.upsert({
      where: { id: user.id },
      create: { id: user.id, name: user.name, roles: user.roles },
      update: { name: user.name, roles: user.roles, lastSeenAt: new Date() },
    });
  }
  return { access: { revokedRoles: (row.revokedRoles ?? []) as Role[], suspended: row.suspended === true }, generation: Number(row.generation) };
}

/**
 * The reviewer records of authenticated requests, kept per access generation: a record read at generation g answers
 * later requests of the same token name and roles while no access change after g has committed (as the pool's
 * connections hear it: src/db/access-watch.ts). The first request after a change reads it again.
 */
export class ReviewerRecords {
  readonly #entries = new Map<string, { name: string; roles: string; access: ReviewerAccess; generation: number; stamp: { epoch: number } }>();
  constructor(
    private readonly prisma: PrismaClient,
    private readonly watch: AccessWatch,
    private readonly limit = 10_000,
  ) {}

  async ensure(user: { id: string; name: string; roles: Role[] }): Promise<ReviewerAccess> {
    const roles = [...user.roles].sort().join();
    const kept = this.#entries.get(user.id);
    if (kept && kept.name === user.name && kept.roles === roles && this.watch.current(kept.stamp, kept.generation)) return kept.access;
    const stamp = this.watch.stamp();
    const { access, generation } = await ensureReviewerAt(this.prisma, user);
    this.watch.observe(generation);
    if (stamp) {
      if (this.#entries.size >= this.limit) this.#entries.clear();
      this.#entries.set(user.id, { name: user.name, roles, access, generation, stamp });
    } else {
      this.#entries.delete(user.id);
    }
    return access;
  }
}

export const effectiveRoles = (roles: Role[], access: ReviewerAccess): Role[] => roles.filter((r) => !access.revokedRoles.includes(r));

/** The roles a reviewer may use now: none when suspended or when their record is gone (`undefined`). */
export const grantedRoles = (roles: Role[], access: ReviewerAccess | undefined): Role[] | null =>
  access && !access.suspended ? effectiveRoles(roles, access) : null;

/** A reviewer's access as live delivery holds it: none when their record is gone, and the generation it was read at. */
export interface KnownAccess {
  access: ReviewerAccess | undefined;
  generation: number;
}

/** Whether access read at generation `readAt` is current for an event of `eventGeneration` (an unknown one: never). */
export const accessCurrentFor = (readAt: number, eventGeneration: number | undefined) => eventGeneration !== undefined && readAt >= eventGeneration;

/** What `readAccess` found, and the access generation it is current for (see AuditChainHead.accessGeneration). */
export interface AccessRead {
  access: Map<string, ReviewerAccess>;
  generation: number;
}

/**
 * The access of each of these reviewers, read afresh in one statement together with the access generation, so the two
 * agree: the records reflect every access change counted by the generation (live events are checked against it).
 */
export async function readAccess(prisma: PrismaClient, ids: string[]): Promise<AccessRead> {
  const rows = await prisma.$queryRaw<Array<{ generation: bigint; id: string | null; revokedRoles: string[] | null; suspended: boolean | null }>>`
    SELECT h."accessGeneration" AS "generation", r."id", r."revokedRoles", r."suspendedAt" IS NOT NULL AS "suspended"
    FROM "AuditChainHead" h LEFT JOIN "Reviewer" r ON r."id" = ANY(${ids}::text[])
    WHERE h."id" = 1`;
  if (!rows[0]) throw new Error('audit chain head is missing');
  const access = new Map<string, ReviewerAccess>();
  for (const r of rows) if (r.id) access.set(r.id, { revokedRoles: (r.revokedRoles ?? []) as Role[], suspended: r.suspended === true });
  return { access, generation: Number(rows[0].generation) };
}

const accessSchema = z.object({
  reviewerId: z.string().trim().min(1).max(200),
  revokedRoles: z.array(z.enum(ROLES)).max(ROLES.length),
  suspended: z.boolean(),
});

export type SetReviewerAccessInput = z.input<typeof accessSchema>;

/** Admins only: withdraw roles from a reviewer, or suspend them, whatever their tokens say. */
export async function setReviewerAccess(ctx: ServiceContext, raw: SetReviewerAccessInput) {
  const user = userOf(ctx.actor);
  if (!user?.roles.includes('ADMIN')) throw new ForbiddenError('Only admins change reviewer access');
  const parsed = accessSchema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  if (input.reviewerId === user.id && (input.suspended || input.revokedRoles.includes('ADMIN'))) {
    throw new ForbiddenError('Admins cannot suspend themselves or withdraw their own admin role');
  }
  return inTransaction(ctx, async (unit) => {
    const before = await unit.tx.reviewer.findUnique({ where: { id: input.reviewerId } });
    if (!before) throw new NotFoundError('Reviewer');
    const revokedRoles = [...new Set(input.revokedRoles)].sort();
    const suspendedAt = input.suspended ? (before.suspendedAt ?? unit.now) : null;
    const updated = await unit.tx.reviewer.update({ where: { id: before.id }, data: { revokedRoles, suspendedAt } });
    // Cases the reviewer may no longer handle go back to their queues in this same transaction.
    const granted = grantedRoles(updated.roles as Role[], { revokedRoles: revokedRoles as Role[], suspended: input.suspended }) ?? [];
    const released = await releaseWithdrawnLeases(unit, before.id, granted);
    unit.audit({
      action: 'reviewer.access_changed',
      entityType: 'Reviewer',
      entityId: before.id,
      changes: {
        revokedRoles: { from: before.revokedRoles, to: revokedRoles },
        suspended: { from: before.suspendedAt !== null, to: input.suspended },
        ...(released ? { releasedCases: released } : {}),
      },
    });
    return updated;
  });
}
