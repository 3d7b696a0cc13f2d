import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDays, localInstant, localInstantFormatter } from '../../gateway/occupancy/local-days.js';

describe('local days', () => {
  it('runs from local midnight to local midnight, 23 and 25 hours long on the changes of time', () => {
    const hours = (from: string) => localDays(from, from, 'Europe/Paris').map((day) => (day.span.end - day.span.start) / 3_600_000)[0];
    expect([hours('2026-03-29'), hours('2026-03-30'), hours('2026-10-25')]).toEqual([23, 24, 25]);
    expect(localDays('2026-10-24', '2026-10-26', 'Europe/Paris').map((day) => [day.date, day.weekday])).toEqual([['2026-10-24', 6], ['2026-10-25', 7], ['2026-10-26', 1]]);
  });
});

describe('writing many instants', () => {
  const zones = ['Europe/Paris', 'America/Cayenne', 'Pacific/Noumea', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];

  it('writes what Temporal writes, on days with and without a change, inside and outside the days', () => {
    const from = Date.parse('2026-03-20T00:00:00Z');
    const to = Date.parse('2026-11-10T00:00:00Z');
    fc.assert(fc.property(fc.constantFrom(...zones), fc.array(fc.integer({ min: from, max: to }), { maxLength: 40 }), fc.boolean(), (zone, instants, wholeSeconds) => {
      const format = localInstantFormatter(localDays('2026-03-25', '2026-11-05', zone), zone);
      for (const instant of instants) {
        const ms = wholeSeconds ? instant - (instant % 60_000) : instant;
        expect(format(ms)).toBe(localInstant(ms, zone));
      }
    }), { numRuns: 60 });
  });

  it('writes the offset of each side of the change', () => {
    const format = localInstantFormatter(localDays('2026-10-25', '2026-10-25', 'Europe/Paris'), 'Europe/Paris');
    expect([format(Date.parse('2026-10-25T00:59:00Z')), format(Date.parse('2026-10-25T01:00:00Z'))]).toEqual(['2026-10-25T02:59:00+02:00', '2026-10-25T02:00:00+01:00']);
  });
});
