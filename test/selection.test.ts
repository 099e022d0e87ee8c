// When a row read inside a unit of work answers the query Pothos builds for a selection, so nothing is read again.
import { describe, expect, it } from 'vitest';
import { answeredBy } from '../src/services/selection.js';
import { COMMITTED_REPORT_SELECT } from '../src/services/intake.js';
import { REPORT_STATUS_SELECT } from '../src/services/report-status.js';

describe('answeredBy', () => {
  it('answers a plain select of fields the row was read with, relations with the very same arguments', () => {
    expect(answeredBy({ select: { id: true, createdAt: true } }, COMMITTED_REPORT_SELECT)).toBe(true);
    expect(answeredBy({ select: { id: true, category: true, createdAt: true, ...REPORT_STATUS_SELECT } }, COMMITTED_REPORT_SELECT)).toBe(true);
    // Fields not asked for, or asked for as false, need nothing.
    expect(answeredBy({ select: { id: true, contactEmail: false } }, { id: true })).toBe(true);
  });

  it('refuses what the row was not read with', () => {
    // A column it lacks.
    expect(answeredBy({ select: { id: true, contentId: true } }, COMMITTED_REPORT_SELECT)).toBe(false);
    // The same relation with another order, limit or selection.
    const status = REPORT_STATUS_SELECT.case.select;
    expect(answeredBy({ select: { case: { select: { ...status, decisions: { ...status.decisions, take: 2 } } } } }, COMMITTED_REPORT_SELECT)).toBe(false);
    expect(answeredBy({ select: { case: { select: { status: true, contentId: true } } } }, COMMITTED_REPORT_SELECT)).toBe(false);
    expect(answeredBy({ select: { case: true } }, COMMITTED_REPORT_SELECT)).toBe(false);
    // Anything but a plain select.
    expect(answeredBy({ include: { case: true } }, COMMITTED_REPORT_SELECT)).toBe(false);
    expect(answeredBy({ select: { id: true }, where: { id: 'x' } }, COMMITTED_REPORT_SELECT)).toBe(false);
    expect(answeredBy({}, COMMITTED_REPORT_SELECT)).toBe(false);
    expect(answeredBy(null, COMMITTED_REPORT_SELECT)).toBe(false);
  });
});
