import { describe, expect, it } from 'vitest';
import { defaultAlternations } from '../../gateway/timetable/calendar/alternations.js';
import { PARIS_2026_2027 } from './school-year.js';

describe('default alternations', () => {
  const weeks = defaultAlternations(PARIS_2026_2027);

  it('makes the rentrée week A, then alternates, the Toussaint and Noël weeks skipped without flipping parity', () => {
    expect(weeks.A.slice(0, 8)).toEqual([
      '2026-08-31', '2026-09-14', '2026-09-28', '2026-10-12', '2026-11-09', '2026-11-23', '2026-12-07', '2027-01-04',
    ]);
    expect(weeks.B.slice(0, 8)).toEqual([
      '2026-09-07', '2026-09-21', '2026-10-05', '2026-11-02', '2026-11-16', '2026-11-30', '2026-12-14', '2027-01-11',
    ]);
  });

  it('labels no holiday week and every school week once, up to the week of the last day of classes', () => {
    const all = [...weeks.A, ...weeks.B];
    for (const holidayWeek of ['2026-10-19', '2026-10-26', '2026-12-21', '2026-12-28', '2027-02-08', '2027-02-15', '2027-04-05', '2027-04-12']) {
      expect(all).not.toContain(holidayWeek);
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(44 - 8);
    expect([...all].sort().at(-1)).toBe('2027-06-28');
  });

  it('keeps a week with a single school day (public holidays on the others) in the alternation', () => {
    const calendar = {
      ...PARIS_2026_2027,
      publicHolidays: ['2026-09-14', '2026-09-15', '2026-09-16', '2026-09-17'].map((date) => ({ date, name: 'test' })),
    };
    expect(defaultAlternations(calendar).A.slice(0, 2)).toEqual(['2026-08-31', '2026-09-14']);
    const fullWeek = { ...calendar, publicHolidays: [...calendar.publicHolidays, { date: '2026-09-18', name: 'test' }] };
    expect(defaultAlternations(fullWeek).A.slice(0, 3)).toEqual(['2026-08-31', '2026-09-21', '2026-10-05']);
  });

  it('gives Q1 the weeks of A and Q2 those of B', () => {
    expect(weeks.Q1).toEqual(weeks.A);
    expect(weeks.Q2).toEqual(weeks.B);
  });
});
