// The committed case a live event carries: which selections it answers, and how it survives the trip through Redis.
import { describe, expect, it } from 'vitest';
import { covers, fromSnapshot, withCommitted, type CaseSnapshot } from '../src/services/case-snapshot.js';

const slaDueAt = new Date('2026-11-25T12:00:00.000Z');
const claimedAt = new Date('2026-11-25T10:00:00.000Z');
const snapshot: CaseSnapshot = {
  row: { id: 'case-1', status: 'IN_REVIEW', priority: 1, slaDueAt: slaDueAt.toISOString(), assignee: { id: 'r-1', name: 'Reviewer r-1', since: claimedAt.toISOString() }, decidedAt: null },
  dates: ['slaDueAt', 'assignee.since'],
};

describe('case snapshot', () => {
  it('restores its dates whether it arrives in process or as JSON', () => {
    for (const arrived of [snapshot, JSON.parse(JSON.stringify(snapshot)) as CaseSnapshot]) {
      const row = fromSnapshot(arrived);
      expect(row.slaDueAt).toEqual(slaDueAt);
      expect((row.assignee as { since: Date }).since).toEqual(claimedAt);
      expect(row.decidedAt).toBeNull();
    }
    // Each receiver gets its own copy.
    expect(fromSnapshot(snapshot)).not.toBe(fromSnapshot(snapshot));
  });

  it('answers plain selections of what it holds, and nothing else', () => {
    const row = fromSnapshot(snapshot);
    expect(covers({ select: { id: true, status: true, assignee: { select: { id: true, name: true } } } }, row)).toBe(true);
    // A case without an assignee answers any selection of it.
    expect(covers({ select: { assignee: { select: { id: true, roles: true } } } }, { ...row, assignee: null })).toBe(true);
    expect(covers({ select: { id: true, contentId: true } }, row)).toBe(false);
    expect(covers({ select: { assignee: true } }, row)).toBe(false);
    expect(covers({ select: { assignee: { select: { id: true, roles: true } } } }, row)).toBe(false);
    expect(covers({ select: { reports: { select: { id: true }, take: 10 } } }, row)).toBe(false);
    expect(covers({ select: { assignee: { select: { id: true }, where: { id: 'r-1' } } } }, row)).toBe(false);
    expect(covers({ include: { assignee: true } }, row)).toBe(false);
    expect(covers({}, row)).toBe(false);
  });

  it('keeps the committed value of every field it holds when the rest is read from the database', () => {
    const committed = fromSnapshot(snapshot);
    const read = { id: 'case-1', status: 'CLOSED', priority: 0, contentId: 'content-123', assignee: { id: 'r-2', roles: ['REVIEWER'] } };
    const query = { select: { id: true, status: true, priority: true, contentId: true, assignee: { select: { id: true, roles: true } } } };
    // The assignee selection asks for more than the snapshot holds, so it stays as read.
    expect(withCommitted(query, read, committed)).toEqual({ ...read, status: 'IN_REVIEW', priority: 1 });
    expect(withCommitted(query, null, committed)).toBeNull();
  });
});
