// The DateTime scalar reads what the schema says it reads: ISO-8601 in UTC, real calendar dates only.
import { describe, expect, it } from 'vitest';
import { parseDate } from '../src/schema/builder.js';

describe('DateTime', () => {
  it('reads a date-time without a zone as UTC, whatever the server’s time zone', () => {
    expect(parseDate('2020-01-01T05:30').toISOString()).toBe('2020-01-01T05:30:00.000Z');
    expect(parseDate('2020-01-01').toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(parseDate('2020-01-01T05:30:00+02:00').toISOString()).toBe('2020-01-01T03:30:00.000Z');
    expect(parseDate('2020-02-29T23:59:59.999Z').toISOString()).toBe('2020-02-29T23:59:59.999Z');
  });

  it('refuses dates the calendar has not, instead of rolling them over', () => {
    for (const bad of ['2020-02-30T00:00:00Z', '2021-02-29', '2020-13-01', '2020-04-31T00:00Z', '2020-01-01T24:00:00Z', '2020-01-01T23:60Z']) {
      expect(() => parseDate(bad), bad).toThrow('DateTime must be a valid date');
    }
  });

  it('refuses what is not ISO-8601, and years before 1970', () => {
    for (const bad of ['yesterday', '2020/01/01', 1577836800000, '+275760-09-13T00:00:00Z']) expect(() => parseDate(bad)).toThrow('ISO-8601');
    expect(() => parseDate('0000-01-01T00:00:00Z')).toThrow('before 1970');
  });
});
