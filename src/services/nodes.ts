// Object identification for `node(id)` / `nodes(ids)`. Ids stay what each type's `id` field has always answered: the
// row's UUID (a reviewer's: their identity provider subject), so ids clients already store keep working. A raw id
// does not say its type, so it is looked up in every table that could hold it: one query per table for any number of
// ids. UUIDs are random, so an id names at most one row. Derived ids (`Queue:<name>`, `ReportStatusView:<report id>`)
// carry their type. An object the caller may not read is answered as null, exactly like one that does not exist.
import type { PrismaClient } from '../db/database.js';
import { QUEUE_NAMES, canWorkQueue, type QueueName, type Role } from '../policy/index.js';
import { maySeeCase } from './access.js';
import { ValidationError } from './errors.js';
import { isUuid } from './validation.js';
import { casesNamedBy, mayReadAuditEvent } from './audit-visibility.js';

export const MAX_NODES = 100;

export type NodeTypename =
  | 'Case'
  | 'Report'
  | 'Assessment'
  | 'CaseNote'
  | 'Decision'
  | 'Appeal'
  | 'NcmecReport'
  | 'LawEnforcementReferral'
  | 'HashBank'
  | 'Reviewer'
  | 'Queue'
  | 'ReportStatusView'
  | 'AuditEvent';

export interface FoundNode {
  typename: NodeTypename;
  value: object;
}

export const queueNodeId = (name: QueueName) => `Queue:${name}`;
export const reportStatusNodeId = (reportId: string) => `ReportStatusView:${reportId}`;
export const auditEventNodeId = (seq: bigint | number) => `AuditEvent:${seq}`;

const STAFF: readonly Role[] = ['REVIEWER', 'CHILD_SAFETY_SPECIALIST', 'APPEALS_REVIEWER', 'LEAD', 'ADMIN', 'LAW_ENFORCEMENT_LIAISON'];
const AUDITORS: readonly Role[] = ['LEAD', 'ADMIN'];

/** Each id's object if the caller may read it, else null; in the order asked. */
export async function findNodes(prisma: PrismaClient, roles: readonly Role[], ids: readonly string[]): Promise<Array<FoundNode | null>> {
  if (ids.length > MAX_NODES) throw new ValidationError([{ path: 'ids', message: `at most ${MAX_NODES}` }]);
  const found = new Map<string, FoundNode>();
  const uuids = [...new Set(ids.filter(isUuid))];
  const others = [...new Set(ids.filter((id) => !isUuid(id)))];
  const sees = (category: Parameters<typeof maySeeCase>[1]) => maySeeCase(roles, category);
  const add = (typename: NodeTypename, rows: Array<{ id: string }>) => {
    for (const row of rows) if (!found.has(row.id)) found.set(row.id, { typename, value: row });
  };

  for (const id of others) {
    const queue = /^Queue:(.+)$/.exec(id)?.[1];
    if (queue && (QUEUE_NAMES as readonly string[]).includes(queue) && canWorkQueue(roles, queue as QueueName)) {
      found.set(id, { typename: 'Queue', value: { name: queue } });
    }
    // `ReportStatusView:<id>` is read with its report's follow-up token only: never through node.
  }

  const staff = roles.some((r) => STAFF.includes(r));
  if (staff) {
    // Objects of a case: readable by whoever may see that case (like `case(id)`), whatever else they hold.
    const ofCase = { case: { select: { category: true } } } as const;
    const visible = <T extends { id: string; case: { category: Parameters<typeof maySeeCase>[1] } }>(rows: T[]) =>
      rows.filter((r) => sees(r.case.category)).map((r) => r.id);
    const where = { where: { id: { in: uuids } } };
    const [cases, reports, assessments, decisions, appeals, ncmec, referrals, banks, reviewers, notes] = await Promise.all([
      uuids.length ? prisma.case.findMany({ ...where, select: { id: true, category: true } }) : [],
      uuids.length ? prisma.report.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
      uuids.length ? prisma.assessment.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
      uuids.length ? prisma.decision.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
      uuids.length ? prisma.appeal.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
      uuids.length ? prisma.ncmecReport.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
      uuids.length ? prisma.lawEnforcementReferral.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
      uuids.length && roles.some((r) => AUDITORS.includes(r)) ? prisma.hashBank.findMany({ ...where, select: { id: true } }) : [],
      ids.length ? prisma.reviewer.findMany({ where: { id: { in: [...uuids, ...others] } }, select: { id: true } }) : [],
      uuids.length ? prisma.caseNote.findMany({ ...where, select: { id: true, ...ofCase } }) : [],
    ]);
    // The rows themselves, with every scalar, for the readable ids only.
    const load = async <R extends { id: string }>(readable: string[], read: (ids: string[]) => Promise<R[]>) => (readable.length ? read(readable) : []);
    const [c, r, a, d, ap, n, l, b, v, cn] = await Promise.all([
      load(cases.filter((x) => sees(x.category)).map((x) => x.id), (in_) => prisma.case.findMany({ where: { id: { in: in_ } } })),
      load(visible(reports), (in_) => prisma.report.findMany({ where: { id: { in: in_ } } })),
      load(visible(assessments), (in_) => prisma.assessment.findMany({ where: { id: { in: in_ } } })),
      load(visible(decisions), (in_) => prisma.decision.findMany({ where: { id: { in: in_ } } })),
      load(visible(appeals), (in_) => prisma.appeal.findMany({ where: { id: { in: in_ } } })),
      load(visible(ncmec), (in_) => prisma.ncmecReport.findMany({ where: { id: { in: in_ } } })),
      load(visible(referrals), (in_) => prisma.lawEnforcementReferral.findMany({ where: { id: { in: in_ } } })),
      load(banks.map((x) => x.id), (in_) => prisma.hashBank.findMany({ where: { id: { in: in_ } } })),
      load(reviewers.map((x) => x.id), (in_) => prisma.reviewer.findMany({ where: { id: { in: in_ } } })),
      load(visible(notes), (in_) => prisma.caseNote.findMany({ where: { id: { in: in_ } }, include: { case: { select: { category: true } } } })),
    ]);
    add('Case', c);
    add('Report', r);
    add('Assessment', a);
    add('Decision', d);
    add('Appeal', ap);
    add('NcmecReport', n);
    add('LawEnforcementReferral', l);
    add('HashBank', b);
    add('Reviewer', v);
    add('CaseNote', cn);

    // Audit events (`AuditEvent:<seq>`): the whole log for leads and admins; a case's events to those who may see it.
    const seqs = [...new Set(others.map((id) => /^AuditEvent:([1-9][0-9]{0,17})$/.exec(id)?.[1]).filter((s): s is string => !!s))].map(BigInt);
    if (seqs.length) {
      const events = await prisma.auditEvent.findMany({ where: { seq: { in: seqs } } });
      // The event's own case, and any other case it names (a link, a decision applied to linked cases): an event
      // naming a case the reader may not see answers null to them (src/services/audit-visibility.ts).
      const caseIds = [...new Set(events.flatMap((e) => [e.caseId, ...casesNamedBy(e)]).filter((id): id is string => !!id))];
      const categories = new Map(
        (caseIds.length ? await prisma.case.findMany({ where: { id: { in: caseIds } }, select: { id: true, category: true } }) : []).map((c) => [c.id, c.category]),
      );
      const auditor = roles.some((r) => AUDITORS.includes(r));
      for (const event of events) {
        const category = event.caseId ? categories.get(event.caseId) : undefined;
        if (auditor || (category && sees(category) && mayReadAuditEvent(roles, event, (id) => categories.get(id)))) found.set(auditEventNodeId(event.seq), { typename: 'AuditEvent', value: event });
      }
    }
  }
  return ids.map((id) => found.get(id) ?? null);
}
