// A reviewer record is created on first sight of a token's `sub`, and its name and roles follow the token.
import type { PrismaClient } from '../db/database.js';
import type { Role } from '../policy/index.js';

/** What each database already holds for each reviewer, so a request upserts only when the token says something new. */
const seenByDatabase = new WeakMap<PrismaClient, Map<string, string>>();

export async function ensureReviewer(prisma: PrismaClient, user: { id: string; name: string; roles: Role[] }): Promise<void> {
  let seen = seenByDatabase.get(prisma);
  if (!seen) seenByDatabase.set(prisma, (seen = new Map()));
  const fingerprint = `${user.name}\u0000${[...user.roles].sort().join(',')}`;
  if (seen.get(user.id) === fingerprint) return;
  await prisma.reviewer.upsert({
    where: { id: user.id },
    create: { id: user.id, name: user.name, roles: user.roles },
    update: { name: user.name, roles: user.roles, lastSeenAt: new Date() },
  });
  seen.set(user.id, fingerprint);
}
