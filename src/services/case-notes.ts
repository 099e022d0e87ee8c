// Case notes: what staff working a case together tell each other. A note is never edited; an admin may redact its
// body, with a reason kept in the audit log. Bodies are report-like text: the audit records a note's id and length,
// never its body, and nothing else (analytics, the enforcement feed, CyberTipline reports) reads them.
import type { CaseNote } from '../generated/prisma/client.js';
import type { ServiceContext } from './context.js';
import { ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError } from './errors.js';
import { currentRoles, visibleCase } from './access.js';
import { requireUser } from './claims.js';
import { inTransaction } from './transaction.js';
import { isUuid } from './validation.js';

export const MAX_NOTE_LENGTH = 5000;
export const MAX_REDACTION_REASON_LENGTH = 2000;

function text(value: string, path: string, max: number): string {
  const trimmed = value.trim();
  if (!trimmed) throw new ValidationError([{ path, message: 'must not be empty' }]);
  if (trimmed.length > max) throw new ValidationError([{ path, message: `must be at most ${max} characters` }]);
  return trimmed;
}

/** Adds a note to a case the caller may read now (a case they may not see is refused as not found). */
export async function addCaseNote(ctx: ServiceContext, caseId: string, body: string): Promise<CaseNote> {
  const user = requireUser(ctx);
  const note = text(body, 'body', MAX_NOTE_LENGTH);
  return inTransaction(ctx, async (unit) => {
    const { case: found } = await visibleCase(ctx, unit, caseId);
    const created = await unit.tx.caseNote.create({ data: { caseId: found.id, authorId: user.id, body: note, createdAt: unit.now } });
    unit.audit({ action: 'case.note_added', entityType: 'CaseNote', entityId: created.id, caseId: found.id, changes: { noteId: created.id, length: note.length } });
    unit.publish({ kind: 'UPDATED', queue: found.queue, caseId: found.id, category: found.category });
    return created;
  });
}

/** Removes a note's body for good (admins). The reason stays in the audit log; the note keeps its author and time. */
export async function redactCaseNote(ctx: ServiceContext, noteId: string, reason: string): Promise<CaseNote> {
  const user = requireUser(ctx);
  const why = text(reason, 'reason', MAX_REDACTION_REASON_LENGTH);
  if (!user.roles.includes('ADMIN')) throw new ForbiddenError('Only admins redact case notes');
  return inTransaction(ctx, async (unit) => {
    if (!(await currentRoles(unit.tx, user)).includes('ADMIN')) throw new ForbiddenError('Only admins redact case notes');
    const locked = isUuid(noteId) ? await unit.tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "CaseNote" WHERE "id" = ${noteId}::uuid FOR UPDATE` : [];
    if (!locked.length) throw new NotFoundError('Case note');
    const note = await unit.tx.caseNote.findUniqueOrThrow({ where: { id: noteId }, include: { case: { select: { queue: true, category: true } } } });
    if (note.redactedAt) throw new InvalidTransitionError('This note is already redacted');
    const redacted = await unit.tx.caseNote.update({ where: { id: noteId }, data: { body: null, redactedAt: unit.now, redactedById: user.id } });
    unit.audit({
      action: 'case.note_redacted',
      entityType: 'CaseNote',
      entityId: noteId,
      caseId: note.caseId,
      changes: { noteId, length: note.body?.length ?? 0, reason: why },
    });
    unit.publish({ kind: 'UPDATED', queue: note.case.queue, caseId: note.caseId, category: note.case.category });
    return redacted;
  });
}
