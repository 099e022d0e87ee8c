// When a UTC day's figures are stored: only once the day has been over for an hour. Earlier, a unit of work that began
// before midnight may still commit rows timestamped on that day, and a day stored too soon would lose them for good.
// Each test builds its own days on its own database, with a controlled clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, startServer, type TestServer } from './support/harness.js';
import { submitReport } from '../src/services/intake.js';
import { transparencyReport } from '../src/services/analytics.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

async function reportAt(iso: string) {
  const ctx = { ...server.app.serviceContext({ kind: 'ANONYMOUS', clientAddress: '192.0.2.9' }), now: () => new Date(iso) };
  await submitReport(ctx, { contentId: `content-${hex(6)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description' });
}

const opened = async (from: string, to: string, now: string) =>
  (await transparencyReport(server.app.db.prisma, { from: new Date(from), to: new Date(to) }, new Date(now))).casesOpened;

const storedDays = async () => (await server.app.db.prisma.dailyFigureDay.findMany({ orderBy: { day: 'asc' } })).map((d) => d.day.toISOString().slice(0, 10));

describe('stored figures of closed days', () => {
  it('a day is not stored in the hour after it ends, so a late commit timestamped on it still counts', async () => {
    await reportAt('2026-03-10T22:00:00Z');
    // 00:30 the next day: 10 March ended half an hour ago. Counted live, and not stored.
    expect(await opened('2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z', '2026-03-11T00:30:00Z')).toBe(1);
    expect(await storedDays()).not.toContain('2026-03-10');
    // A unit of work that began at 23:50 commits now, its rows timestamped on 10 March.
    await reportAt('2026-03-10T23:50:00Z');
    // 01:30: the day has been closed for more than an hour: stored now, with both cases, and read from storage after.
    expect(await opened('2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z', '2026-03-11T01:30:00Z')).toBe(2);
    expect(await storedDays()).toContain('2026-03-10');
    expect(await opened('2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z')).toBe(2);
  });

  it('the current day is counted live, never stored while it runs', async () => {
    await reportAt('2026-04-20T00:45:00Z');
    expect(await opened('2026-04-20T00:00:00Z', '2026-04-21T00:00:00Z', '2026-04-20T01:00:00Z')).toBe(1);
    await reportAt('2026-04-20T02:00:00Z');
    expect(await opened('2026-04-20T00:00:00Z', '2026-04-21T00:00:00Z', '2026-04-20T03:00:00Z')).toBe(2);
    // A period over the previous days and today: the days before are stored, today is not.
    expect(await opened('2026-04-17T00:00:00Z', '2026-04-21T00:00:00Z', '2026-04-20T03:00:00Z')).toBe(2);
    const days = await storedDays();
    expect(days).toEqual(expect.arrayContaining(['2026-04-17', '2026-04-18', '2026-04-19']));
    expect(days).not.toContain('2026-04-20');
  });
});
