import { describe, expect, it } from 'vitest';
import { easterSunday, publicHolidays } from '../../gateway/timetable/calendar/public-holidays.js';
import { isoDate } from '../../gateway/timetable/calendar/days.js';

describe('public holidays', () => {
  it('computes Easter by the anonymous Gregorian algorithm', () => {
    expect(isoDate(easterSunday(2026))).toBe('2026-04-05');
    expect(isoDate(easterSunday(2027))).toBe('2027-03-28');
    expect(isoDate(easterSunday(2025))).toBe('2025-04-20');
    expect(isoDate(easterSunday(2038))).toBe('2038-04-25');
    expect(isoDate(easterSunday(2008))).toBe('2008-03-23');
  });

  it('lists the national holidays of 2026, with the Ascension bridge', () => {
    expect(publicHolidays('2026-01-01', '2026-12-31')).toEqual([
      { date: '2026-01-01', name: "Jour de l'an" },
      { date: '2026-04-06', name: 'Lundi de Pâques' },
      { date: '2026-05-01', name: 'Fête du Travail' },
      { date: '2026-05-08', name: 'Victoire 1945' },
      { date: '2026-05-14', name: 'Ascension' },
      { date: '2026-05-15', name: "Pont de l'Ascension" },
      { date: '2026-05-25', name: 'Lundi de Pentecôte' },
      { date: '2026-07-14', name: 'Fête nationale' },
      { date: '2026-08-15', name: 'Assomption' },
      { date: '2026-11-01', name: 'Toussaint' },
      { date: '2026-11-11', name: 'Armistice 1918' },
      { date: '2026-12-25', name: 'Noël' },
    ]);
  });

  it('lists the national holidays of 2027 (Easter 28 March), the bridge on Friday 7 May', () => {
    expect(publicHolidays('2027-01-01', '2027-12-31')).toEqual([
      { date: '2027-01-01', name: "Jour de l'an" },
      { date: '2027-03-29', name: 'Lundi de Pâques' },
      { date: '2027-05-01', name: 'Fête du Travail' },
      { date: '2027-05-06', name: 'Ascension' },
      { date: '2027-05-07', name: "Pont de l'Ascension" },
      { date: '2027-05-08', name: 'Victoire 1945' },
      { date: '2027-05-17', name: 'Lundi de Pentecôte' },
      { date: '2027-07-14', name: 'Fête nationale' },
      { date: '2027-08-15', name: 'Assomption' },
      { date: '2027-11-01', name: 'Toussaint' },
      { date: '2027-11-11', name: 'Armistice 1918' },
      { date: '2027-12-25', name: 'Noël' },
    ]);
  });

  it('keeps only the dates within the range asked, across calendar years', () => {
    expect(publicHolidays('2026-09-01', '2027-01-31').map(({ date }) => date))
      .toEqual(['2026-11-01', '2026-11-11', '2026-12-25', '2027-01-01']);
  });

  it('adds Good Friday and 26 December in Alsace-Moselle (057, 067, 068) and nowhere else', () => {
    for (const departementCode of ['057', '067', '068']) {
      const local = publicHolidays('2027-01-01', '2027-12-31', { departementCode })
        .filter(({ name }) => name === 'Vendredi saint' || name === 'Saint-Étienne');
      expect(local).toEqual([
        { date: '2027-03-26', name: 'Vendredi saint' },
        { date: '2027-12-26', name: 'Saint-Étienne' },
      ]);
    }
    expect(publicHolidays('2027-01-01', '2027-12-31', { departementCode: '075' })).toHaveLength(12);
    expect(publicHolidays('2026-01-01', '2026-12-31', { departementCode: '067' }).map(({ date }) => date))
      .toContain('2026-04-03');
  });

  it('adds the abolition of slavery in each overseas département, on its own day', () => {
    const abolition = (departementCode: string) => publicHolidays('2026-01-01', '2026-12-31', { departementCode })
      .filter(({ name }) => name === "Abolition de l'esclavage").map(({ date }) => date);
    expect(abolition('971')).toEqual(['2026-05-27']);
    expect(abolition('972')).toEqual(['2026-05-22']);
    expect(abolition('973')).toEqual(['2026-06-10']);
    expect(abolition('974')).toEqual(['2026-12-20']);
    expect(abolition('976')).toEqual(['2026-04-27']);
    expect(abolition('02A')).toEqual([]);
  });

  it('lists both holidays when two fall on one day (Ascension on 1 May 2008)', () => {
    expect(publicHolidays('2008-05-01', '2008-05-02')).toEqual([
      { date: '2008-05-01', name: 'Ascension' },
      { date: '2008-05-01', name: 'Fête du Travail' },
      { date: '2008-05-02', name: "Pont de l'Ascension" },
    ]);
  });
});
