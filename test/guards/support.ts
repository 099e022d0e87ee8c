// What the guards' tests share: callers of the services on a test server (one database per file), without HTTP.
import { expect } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { claimNextCase } from '../../src/services/claims.js';
import type { QueueName, Role } from '../../src/policy/index.js';
import { ensureReviewer } from '../../src/services/reviewers.js';
import { hex, type TestServer } from '../support/harness.js';

export type UserContext = ServiceContext & { actor: { kind: 'USER'; id: string; name: string; roles: Role[] } };

export const idOf = (ctx: ServiceContext) => (ctx.actor as { id: string }).id;

/** Service contexts on the server `server()` returns once it has started. */
export function serviceActors(server: () => TestServer) {
  return {
    /** A signed-in reviewer with these roles, their record created as a first request would. */
    async user(prefix: string, roles: Role[], overrides: Partial<ServiceContext> = {}): Promise<UserContext> {
      const id = `${prefix}-${hex(3)}`;
      const actor = { kind: 'USER' as const, id, name: `Reviewer ${id}`, roles };
      await ensureReviewer(server().app.db.prisma, actor);
      return { ...server().app.serviceContext(actor), ...overrides } as UserContext;
    },
    anonymous: () => server().app.serviceContext({ kind: 'ANONYMOUS', clientAddress: '127.0.0.1' }),
    caseOf: (id: string) => server().app.db.prisma.case.findUniqueOrThrow({ where: { id } }),
    /** Gives `ctx` a lease on the case as a claim would (status IN_REVIEW unless APPEALED), expiring at `until`. */
    async hold(caseId: string, ctx: ServiceContext, until = new Date(Date.now() + 10 * 60_000)) {
      const prisma = server().app.db.prisma;
      const c = await prisma.case.findUniqueOrThrow({ where: { id: caseId } });
      await prisma.case.update({ where: { id: caseId }, data: { assigneeId: idOf(ctx), leaseExpiresAt: until, status: c.status === 'OPEN' ? 'IN_REVIEW' : c.status } });
    },
  };
}

/** Expects a rejection with this error class name and, if given, message (a substring or pattern); returns the error. */
export async function refused(promise: Promise<unknown>, name: string, message?: string | RegExp): Promise<Error & Record<string, unknown>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error & Record<string, unknown>,
  );
  expect(error, 'expected a refusal').not.toBeNull();
  expect(error!.constructor.name, error!.message).toBe(name);
  if (message !== undefined) expect(error!.message).toMatch(message);
  return error!;
}

/** Claims from `queue` until `target` comes up or the queue has nothing more for this user; returns the ids taken. */
export async function claimUntil(ctx: ServiceContext, queue: QueueName, target: string, limit = 500): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; i < limit && !got.includes(target); i++) {
    try {
      got.push((await claimNextCase(ctx, queue)).case.id);
    } catch (e) {
      if ((e as Error).constructor.name === 'NoCaseAvailableError') break;
      throw e;
    }
  }
  return got;
}
