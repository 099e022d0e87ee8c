// What a reporter may learn with their follow-up token: where their report stands, nothing more.
import type { PrismaClient } from '../db/database.js';
import { sha256Hex } from './secrets.js';

export const REPORT_STATUSES = ['RECEIVED', 'UNDER_REVIEW', 'ACTION_TAKEN', 'NO_ACTION_TAKEN', 'UNDER_APPEAL'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

interface CaseState {
  status: 'OPEN' | 'IN_REVIEW' | 'DECIDED' | 'APPEALED' | 'CLOSED';
  decisions: Array<{ actions: string[]; reversedAt: Date | null }>;
}

/** What `reportStatusOf` needs of a report: its case's status and latest decision. */
export const REPORT_STATUS_SELECT = {
  case: { select: { status: true, decisions: { orderBy: { decidedAt: 'desc' }, take: 1, select: { actions: true, reversedAt: true } } } },
} as const;

/** The reporter-facing status, derived from the case and its latest decision. */
export function reportStatusOf(c: CaseState): ReportStatus {
  switch (c.status) {
    case 'OPEN':
      return 'RECEIVED';
    case 'IN_REVIEW':
      return 'UNDER_REVIEW';
    case 'APPEALED':
      return 'UNDER_APPEAL';
    default: {
      const latest = c.decisions[0];
      const enforced = latest && !latest.reversedAt && latest.actions.some((a) => a !== 'NO_ACTION');
      return enforced ? 'ACTION_TAKEN' : 'NO_ACTION_TAKEN';
    }
  }
}

export interface ReportStatusView {
  reportId: string;
  status: ReportStatus;
  updatedAt: Date;
  /** Until when the reporter may appeal: set only while the standing decision is open to this notifier's appeal. */
  appealableUntil: Date | null;
}

export async function reportStatusByToken(prisma: PrismaClient, token: string, now: Date): Promise<ReportStatusView | null> {
  if (!token || token.length > 200) return null;
  const report = await prisma.report.findUnique({
    where: { followUpTokenHash: sha256Hex(token) },
    select: {
      id: true,
      case: {
        select: {
          status: true,
          updatedAt: true,
          decisions: {
            orderBy: { decidedAt: 'desc' },
            take: 1,
            select: { actions: true, reversedAt: true, appealableUntil: true, appeals: { where: { appellantKind: 'NOTIFIER', report: { followUpTokenHash: sha256Hex(token) } }, select: { id: true } } },
          },
        },
      },
    },
  });
  if (!report) return null;
  const latest = report.case.decisions[0];
  const status = reportStatusOf(report.case);
  // A notifier may appeal any standing decision on their notice once (DSA Art. 20), while its window is open.
  const notifierMayAppeal =
    (status === 'NO_ACTION_TAKEN' || status === 'ACTION_TAKEN') && latest && !latest.reversedAt && latest.appeals.length === 0 && latest.appealableUntil > now;
  return { reportId: report.id, status, updatedAt: report.case.updatedAt, appealableUntil: notifierMayAppeal ? latest.appealableUntil : null };
}
