import { describe, expect, it } from 'vitest';
import { schoolCalendar, schoolYearOf, schoolYearRange, type ZoneYear } from '../../gateway/timetable/calendar/assemble.js';

// The zone's calendar as a shipped file gives it: several school years, the summer on both sides.
const ZONE_C: ZoneYear = {
  startDate: '2026-09-01',
  endDate: '2027-07-02',
  holidays: [
    { name: "Vacances d'été", startDate: '2026-07-05', endDate: '2026-08-31' },
    { name: 'Vacances de Noël', startDate: '2026-12-20', endDate: '2027-01-03' },
    { name: 'Vacances de la Toussaint', startDate: '2026-10-18', endDate: '2026-11-01' },
    { name: "Vacances d'été", startDate: '2027-07-03', endDate: '2027-08-31' },
    { name: 'Vacances de la Toussaint', startDate: '2027-10-17', endDate: '2027-10-31' },
  ],
};

describe('the school year', () => {
  it('runs from 1 September to 31 August', () => {
    expect(schoolYearOf('2026-09-01')).toBe('2026-2027');
    expect(schoolYearOf('2027-01-15')).toBe('2026-2027');
    expect(schoolYearOf('2027-08-31')).toBe('2026-2027');
    expect(schoolYearOf('2026-08-31')).toBe('2025-2026');
    expect(schoolYearRange('2026-2027')).toEqual({ startDate: '2026-09-01', endDate: '2027-08-31' });
  });

  it('refuses a school year that is not two consecutive years', () => {
    expect(() => schoolYearRange('2026-2028')).toThrow(RangeError);
    expect(() => schoolYearRange('2026/2027')).toThrow(RangeError);
  });
});

describe('an establishment calendar', () => {
  it('takes the zone calendar of the school year, its public holidays and its time zone', () => {
    const calendar = schoolCalendar({ schoolYear: '2026-2027', timeZone: 'Europe/Paris', departementCode: '075', zone: ZONE_C });
    expect(calendar).toMatchObject({ timeZone: 'Europe/Paris', startDate: '2026-09-01', endDate: '2027-07-02', closures: [], alternations: {} });
    expect(calendar.holidays.map(({ name, startDate }) => `${name} ${startDate}`)).toEqual([
      'Vacances de la Toussaint 2026-10-18', 'Vacances de Noël 2026-12-20', "Vacances d'été 2027-07-03",
    ]);
    expect(calendar.publicHolidays[0]).toEqual({ date: '2026-11-01', name: 'Toussaint' });
    expect(calendar.publicHolidays.map(({ date }) => date)).toContain('2027-05-07');
    expect(calendar.publicHolidays.map(({ date }) => date)).not.toContain('2026-07-14');
  });

  it('lets the establishment record win, field by field, and adds the local holidays of its département', () => {
    const calendar = schoolCalendar({
      schoolYear: '2026-2027', timeZone: 'Europe/Paris', departementCode: '067', zone: ZONE_C,
      establishmentYear: {
        endDate: '2027-06-30',
        holidays: [{ name: 'Fermeture', startDate: '2026-10-24', endDate: '2026-11-08' }],
        closures: [{ name: 'Journée pédagogique', startDate: '2026-11-20', endDate: '2026-11-20' }],
        alternations: { A: ['2026-08-31'] },
      },
      territoryClosures: [
        { name: 'Neige', startDate: '2027-01-12', endDate: '2027-01-12' },
        { name: 'Neige 2025', startDate: '2025-12-01', endDate: '2025-12-01' },
      ],
    });
    expect(calendar.startDate).toBe('2026-09-01');
    expect(calendar.endDate).toBe('2027-06-30');
    expect(calendar.holidays).toEqual([{ name: 'Fermeture', startDate: '2026-10-24', endDate: '2026-11-08' }]);
    expect(calendar.closures.map(({ name }) => name)).toEqual(['Journée pédagogique', 'Neige']);
    expect(calendar.alternations).toEqual({ A: ['2026-08-31'] });
    expect(calendar.publicHolidays).toContainEqual({ date: '2026-12-26', name: 'Saint-Étienne' });
    expect(calendar.publicHolidays).toContainEqual({ date: '2027-03-26', name: 'Vendredi saint' });
  });

  it('keeps the zone holidays when the establishment record lists none', () => {
    const calendar = schoolCalendar({
      schoolYear: '2026-2027', timeZone: 'Europe/Paris', zone: ZONE_C, establishmentYear: { holidays: [] },
    });
    expect(calendar.holidays).toHaveLength(3);
  });

  it('falls back on the school year bounds with neither a zone nor a record', () => {
    const calendar = schoolCalendar({ schoolYear: '2026-2027', timeZone: 'Indian/Reunion', departementCode: '974' });
    expect(calendar).toMatchObject({ startDate: '2026-09-01', endDate: '2027-08-31', holidays: [] });
    expect(calendar.publicHolidays).toContainEqual({ date: '2026-12-20', name: "Abolition de l'esclavage" });
  });

  it('reaches back to a rentrée before 1 September (La Réunion, mid-August)', () => {
    const calendar = schoolCalendar({
      schoolYear: '2026-2027', timeZone: 'Indian/Reunion', departementCode: '974',
      establishmentYear: { startDate: '2026-08-17', endDate: '2027-07-02' },
      territoryClosures: [{ name: 'Alerte cyclonique', startDate: '2026-08-20', endDate: '2026-08-20' }],
    });
    expect(calendar.startDate).toBe('2026-08-17');
    expect(calendar.closures).toHaveLength(1);
    expect(calendar.publicHolidays[0]).toEqual({ date: '2026-11-01', name: 'Toussaint' });
  });
});
