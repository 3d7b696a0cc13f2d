import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import shippedFile from '../../gateway/timetable/calendar/shipped-holidays.json' with { type: 'json' };
import { shippedHolidaysFrom, type ShippedHolidaysFile } from '../../gateway/timetable/calendar/ship-holidays.js';
import { shippedHolidays, shippedSchoolYear } from '../../gateway/timetable/calendar/shipped.js';
import { HOLIDAY_ZONES } from '../../gateway/timetable/calendar/zones.js';
import { chunked } from '../support/bytes.js';

const shipped = shippedFile as ShippedHolidaysFile;
// The export the shipped file was built from (see its notes), shaped like the dataset's JSON export.
const FIXTURE = new URL('../fixtures/calendrier-scolaire/export-2025-2027.json', import.meta.url);
const isDate = (text: unknown) => typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text));

describe('the shipped school holidays', () => {
  it('hold the three school years asked for, each zone’s year within its bounds, periods in order', () => {
    expect(shipped.source).toBe('fr-en-calendrier-scolaire');
    expect(shipped.schoolYears).toEqual(['2025-2026', '2026-2027', '2027-2028']);
    for (const [zone, years] of Object.entries(shipped.zones)) {
      expect(HOLIDAY_ZONES).toContain(zone);
      for (const [schoolYear, year] of Object.entries(years!)) {
        expect(shipped.schoolYears).toContain(schoolYear);
        const [first, second] = schoolYear.split('-');
        expect(year.periods.length).toBeGreaterThan(0);
        for (const period of year.periods) {
          expect(isDate(period.startDate) && isDate(period.endDate)).toBe(true);
          expect(period.startDate <= period.endDate).toBe(true);
          expect(period.startDate >= `${first}-08-01` && period.endDate <= `${second}-08-31`).toBe(true);
          // Days without classes, never the day classes stop (after class) or resume.
          if (year.startDate) expect(period.startDate > year.startDate).toBe(true);
        }
        const starts = year.periods.map((period) => period.startDate);
        expect(starts).toEqual([...starts].sort());
        year.periods.slice(1).forEach((period, i) => expect(period.startDate > year.periods[i].endDate).toBe(true));
      }
    }
  });

  it('say, for each school year, which zones they do not hold', () => {
    for (const schoolYear of shipped.schoolYears) {
      const absent = HOLIDAY_ZONES.filter((zone) => !shipped.zones[zone]?.[schoolYear]);
      if (absent.length === 0) continue;
      const note = shipped.notes.find((text) => text.startsWith(`${schoolYear}: not in the export`));
      expect(note, `a note on ${schoolYear}`).toBeDefined();
      if (absent.length < HOLIDAY_ZONES.length) for (const zone of absent) expect(note).toContain(zone);
    }
  });

  it('give a zone’s periods by school year, and nothing for what is not shipped', () => {
    expect(shippedHolidays('A', '2026-2027')).toContainEqual({ name: "Vacances d'Hiver", startDate: '2027-02-14', endDate: '2027-02-28' });
    expect(shippedHolidays('C', '2025-2026')).toContainEqual({ name: 'Vacances de Printemps', startDate: '2026-04-19', endDate: '2026-05-03' });
    expect(shippedSchoolYear('B', '2026-2027')).toMatchObject({ startDate: '2026-09-01', endDate: '2027-07-03' });
    expect(shippedHolidays('corse', '2026-2027')).toBeUndefined();
    expect(shippedHolidays('A', '2027-2028')).toBeUndefined();
  });

  it('are what the tool rebuilds from the export they came from', async () => {
    const { shipped: rebuilt, problems } = await shippedHolidaysFrom(chunked(fs.readFileSync(FIXTURE), 512), {
      file: 'export-2025-2027.json', schoolYears: shipped.schoolYears,
    });
    expect(problems).toEqual([]);
    expect(rebuilt.zones).toEqual(shipped.zones);
    expect(shipped.notes).toEqual(expect.arrayContaining(rebuilt.notes));
  });

  it('leave out the years the tool is not asked for', async () => {
    const { shipped: rebuilt } = await shippedHolidaysFrom(chunked(fs.readFileSync(FIXTURE), 512), {
      file: 'export-2025-2027.json', schoolYears: ['2026-2027'], notes: ['from a test'],
    });
    expect(Object.values(rebuilt.zones).map((years) => Object.keys(years!))).toEqual([['2026-2027'], ['2026-2027'], ['2026-2027']]);
    expect(rebuilt.notes[0]).toBe('from a test');
  });
});
