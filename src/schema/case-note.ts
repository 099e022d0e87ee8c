// Case notes: staff working a case together. Readable by whoever may read the case; added by them; redacted by admins.
import { builder, readersOf } from './builder.js';
import { NodeRef } from './node.js';
import { COMMON_ERRORS } from './errors.js';
import { addCaseNote, redactCaseNote } from '../services/case-notes.js';


export const CaseNoteRef = builder.prismaObject('CaseNote', {
  interfaces: [NodeRef],
  description: 'A note on a case by the staff working it. Never edited; an admin may redact its body (the reason is in the audit log)',
  select: { id: true, case: { select: { category: true } } },
  authScopes: (n) => readersOf(n.case.category),
  fields: (t) => ({
    id: t.exposeID('id'),
    author: t.relation('author'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    body: t.exposeString('body', { nullable: true, description: 'Null once redacted' }),
    redacted: t.boolean({ select: { redactedAt: true }, resolve: (n) => n.redactedAt !== null }),
    redactedAt: t.expose('redactedAt', { type: 'DateTime', nullable: true }),
    redactedBy: t.relation('redactedBy', { nullable: true }),
  }),
});

const CaseNoteSuccess = (name: string) =>
  builder.objectRef<{ noteId: string; caseId: string }>(name).implement({
    fields: (t) => ({
      note: t.prismaField({ type: 'CaseNote', resolve: (query, r, _a, ctx) => ctx.prisma.caseNote.findUniqueOrThrow({ ...query, where: { id: r.noteId } }) }),
      case: t.prismaField({
        type: 'Case',
        // Nullable: admins and liaisons add notes too, and some of a case's non-null fields (its assessments) answer
        // only to those who handle its category; a denied one must not null the note that was written.
        nullable: true,
        description: 'The case the note is on',
        resolve: (query, r, _a, ctx) => ctx.prisma.case.findUniqueOrThrow({ ...query, where: { id: r.caseId } }) }),
    }),
  });

const AddCaseNoteSuccess = CaseNoteSuccess('AddCaseNoteSuccess');
const RedactCaseNoteSuccess = CaseNoteSuccess('RedactCaseNoteSuccess');

builder.mutationField('addCaseNote', (t) =>
  t.field({
    type: AddCaseNoteSuccess,
    authScopes: { $any: { reviewer: true, oversight: true } },
    description: 'Add a note to a case you may read. Notes are never edited; a case you may not see is NotFoundError, like a missing one',
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'AddCaseNoteResult' } },
    args: { caseId: t.arg.id({ required: true }), body: t.arg.string({ required: true }) },
    resolve: async (_root, { caseId, body }, ctx) => {
      const note = await addCaseNote(ctx.services, String(caseId), body);
      return { noteId: note.id, caseId: note.caseId };
    },
  }),
);

builder.mutationField('redactCaseNote', (t) =>
  t.field({
    type: RedactCaseNoteSuccess,
    authScopes: { role: 'ADMIN' },
    description: "Remove a note's body for good (admins); the reason is kept in the audit log",
    errors: { types: COMMON_ERRORS, directResult: true, union: { name: 'RedactCaseNoteResult' } },
    args: { noteId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, { noteId, reason }, ctx) => {
      const note = await redactCaseNote(ctx.services, String(noteId), reason);
      return { noteId: note.id, caseId: note.caseId };
    },
  }),
);
