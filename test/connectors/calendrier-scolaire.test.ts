import { describe, expect, it } from 'vitest';
import { MAX_PERIODS_PER_YEAR } from '../../connectors/calendrier-scolaire/collect.js';
import { parisDate } from '../../connectors/calendrier-scolaire/entry.js';
import { parseSchoolHolidays, SOURCE, type SchoolHolidaysItem } from '../../connectors/calendrier-scolaire/parse.js';
import { holidayZoneOfLabel } from '../../connectors/calendrier-scolaire/zones.js';
import { FileProblem } from '../../connectors/kit/problem.js';
import { chunked } from '../support/bytes.js';

async function parse(bytes: Buffer, file: string): Promise<SchoolHolidaysItem[]> {
  const items: SchoolHolidaysItem[] = [];
  for await (const item of parseSchoolHolidays(chunked(bytes, 13), { file })) items.push(item);
  return items;
}
const holidaysOf = (items: SchoolHolidaysItem[]) => items.filter((item) => item.kind === 'holidays');
const problemsOf = (items: SchoolHolidaysItem[]) => items.flatMap((item) => (item.kind === 'problem' ? [item.problem] : []));

// Shaped like the dataset's CSV export: its header labels, `;`, UTF-8 with a BOM, CRLF; dates as plain dates or
// as the UTC instants standing for Paris midnight; records repeated per académie; a teachers' record; a summer
// record with a start only; Corse and an overseas zone; a bad date, an unknown zone, an académie out of step.
const header = 'Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire';
const csvRows = [
  header,
  'Rentrée scolaire des élèves;Élèves;2026-09-01;2026-09-01;Lyon;Zone A;2026-2027',
  'Vacances de la Toussaint;-;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Lyon;Zone A;2026-2027',
  'Vacances de la Toussaint;-;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Grenoble;Zone A;2026-2027',
  'Vacances de Noël;-;2026-12-19;2027-01-04;Lyon;Zone A;2026-2027',
  "Vacances d'Été;Enseignants;2027-07-02T22:00:00+00:00;2027-08-30T22:00:00+00:00;Lyon;Zone A;2026-2027",
  "Vacances d'Été;Élèves;2027-07-02T22:00:00+00:00;;Lyon;Zone A;2026-2027",
  'Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Corse;Corse;2026-2027',
  'Vacances de Carnaval;-;2027-02-12T23:00:00+00:00;2027-02-21T23:00:00+00:00;Guadeloupe;Guadeloupe;2026-2027',
  'Vacances de Printemps;-;2027-04-31T22:00:00+00:00;2027-05-02T22:00:00+00:00;Lille;Zone B;2026-2027',
  "Vacances d'Hiver;-;2027-02-19T23:00:00+00:00;2027-03-07T23:00:00+00:00;Atlantis;Zone Z;2026-2027",
  "Vacances d'Hiver;-;2027-02-12T23:00:00+00:00;2027-02-28T23:00:00+00:00;Bordeaux;Zone A;2026-2027",
  "Vacances d'Hiver;-;2027-02-19T23:00:00+00:00;2027-03-07T23:00:00+00:00;Limoges;Zone A;2026-2027",
];
const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvRows.join('\r\n'))]);

describe('the calendrier-scolaire connector', () => {
  it('names its source', () => {
    expect(SOURCE).toBe('calendrier-scolaire');
  });

  it('turns the CSV export into each zone’s school year once, days without classes as inclusive Paris dates', async () => {
    const items = await parse(csv, 'fr-en-calendrier-scolaire.csv');
    expect(holidaysOf(items)).toEqual([
      {
        kind: 'holidays', zone: 'A', schoolYear: '2026-2027', startDate: '2026-09-01', endDate: '2027-07-03',
        periods: [
          // Classes stop after class on Saturday 17 October (22:00 UTC = Paris midnight) and resume on Monday 2 November.
          { name: 'Vacances de la Toussaint', startDate: '2026-10-18', endDate: '2026-11-01' },
          // Plain dates: stop on 19 December, resume on 4 January.
          { name: 'Vacances de Noël', startDate: '2026-12-20', endDate: '2027-01-03' },
          { name: "Vacances d'Hiver", startDate: '2027-02-14', endDate: '2027-02-28' },
          // A start only: up to the end of the school year; the teachers' record (back on 31 August) is skipped.
          { name: "Vacances d'Été", startDate: '2027-07-04', endDate: '2027-08-31' },
        ],
      },
      { kind: 'holidays', zone: 'corse', schoolYear: '2026-2027', periods: [{ name: 'Vacances de Noël', startDate: '2026-12-20', endDate: '2027-01-03' }] },
      { kind: 'holidays', zone: 'guadeloupe', schoolYear: '2026-2027', periods: [{ name: 'Vacances de Carnaval', startDate: '2027-02-14', endDate: '2027-02-21' }] },
    ]);
    expect(problemsOf(items)).toEqual([
      {
        file: 'fr-en-calendrier-scolaire.csv', line: 10, field: 'Date de début', code: 'invalid-date', severity: 'error',
        detail: '"2027-04-31T22:00:00+00:00" is not a date; expected a date (2026-10-17) or an instant with its offset (2026-10-16T22:00:00+00:00)',
      },
      {
        file: 'fr-en-calendrier-scolaire.csv', line: 11, field: 'Zones', code: 'unknown-zone', severity: 'error',
        detail: '"Zone Z" is not a holiday zone; expected Zone A, Zone B, Zone C, Corse or an overseas territory (Guadeloupe, La Réunion, Nouvelle Calédonie…)',
      },
      {
        file: 'fr-en-calendrier-scolaire.csv', line: 13, code: 'conflicting-dates', severity: 'warning',
        detail: '"Vacances d\'Hiver" of A 2026-2027 is 2027-02-21 to 2027-03-07 for Limoges, but 2027-02-14 to 2027-02-28 for Bordeaux (fr-en-calendrier-scolaire.csv line 12); expected the same dates across a zone\'s académies: the first is kept',
      },
    ]);
  });

  it('reads the API’s JSON (results), its Paris-offset instants, a one-day bridge and a summer that ends with the next rentrée', async () => {
    const record = (description: string, start: string, end: string, annee = '2026-2027') => ({
      description, population: '-', start_date: start, end_date: end, location: 'La Réunion', zones: 'La Réunion', annee_scolaire: annee,
    });
    const api = {
      total_count: 6,
      results: [
        // The teachers' rentrée, whatever its population says, is not the pupils'.
        record('Rentrée scolaire des enseignants', '2026-08-14T00:00:00+02:00', '2026-08-14T00:00:00+02:00'),
        record('Rentrée scolaire des élèves', '2026-08-17T00:00:00+02:00', '2026-08-17T00:00:00+02:00'),
        record("Vacances de l'Été austral", '2026-12-19T00:00:00+01:00', '2027-01-25T00:00:00+01:00'),
        record("Pont de l'Ascension", '2027-05-06T22:00:00+00:00', '2027-05-06T22:00:00+00:00'),
        record("Début des Vacances d'Été", '2027-07-02T22:00:00+00:00', '2027-07-02T22:00:00+00:00'),
        record('Rentrée scolaire des élèves', '2027-08-15T22:00:00+00:00', '2027-08-15T22:00:00+00:00', '2027-2028'),
      ],
    };
    // No extension: the content tells JSON from CSV.
    const items = await parse(Buffer.from(JSON.stringify(api, null, 1)), 'export');
    expect(problemsOf(items)).toEqual([]);
    expect(holidaysOf(items)).toEqual([
      {
        kind: 'holidays', zone: 'reunion', schoolYear: '2026-2027', startDate: '2026-08-17', endDate: '2027-07-03',
        periods: [
          // The austral summer falls within the school year: a period like the others.
          { name: "Vacances de l'Été austral", startDate: '2026-12-20', endDate: '2027-01-24' },
          // A record that ends where it starts is that single day without classes.
          { name: "Pont de l'Ascension", startDate: '2027-05-07', endDate: '2027-05-07' },
          // `Début des …` names the period; it ends the day before the next rentrée the file gives.
          { name: "Vacances d'Été", startDate: '2027-07-04', endDate: '2027-08-15' },
        ],
      },
      { kind: 'holidays', zone: 'reunion', schoolYear: '2027-2028', startDate: '2027-08-16', periods: [] },
    ]);
  });

  it('reads a plain JSON array and the older records[].fields, naming an entry’s problems by its place', async () => {
    const fields = { description: 'Vacances de la Toussaint', population: 'Élèves', start_date: '2026-10-16T22:00:00+00:00', end_date: '2026-11-01T23:00:00+00:00', location: 'Nouméa', zones: 'Nouvelle Calédonie', annee_scolaire: '2026-2027' };
    const older = { nhits: 2, records: [{ fields }, { fields: { ...fields, zones: 'Polynésie', annee_scolaire: '2026' } }] };
    const items = await parse(Buffer.from(JSON.stringify(older)), 'calendrier.json');
    expect(holidaysOf(items)).toEqual([
      { kind: 'holidays', zone: 'nouvelle-caledonie', schoolYear: '2026-2027', periods: [{ name: 'Vacances de la Toussaint', startDate: '2026-10-18', endDate: '2026-11-01' }] },
    ]);
    expect(problemsOf(items)).toEqual([{
      file: 'calendrier.json#2', field: 'annee_scolaire', code: 'invalid-field', severity: 'error',
      detail: '"2026" is not a school year; expected two following years ("2026-2027")',
    }]);
    const plain = await parse(Buffer.from(`\ufeff [${JSON.stringify(fields)}, 42]`), 'calendrier.json');
    expect(holidaysOf(plain)).toHaveLength(1);
    expect(problemsOf(plain)).toMatchObject([{ file: 'calendrier.json#2', code: 'invalid-entry' }]);
  });

  it('stops a truncated JSON export at its line', async () => {
    const truncated = '[\n {"description": "Vacances de Noël", "zones": "Zone A",\n  "start_date": "2026-12-18T23:00:00+00:00",\n  "end_date": "2027-01';
    await expect(parse(Buffer.from(truncated), 'calendrier.json')).rejects.toSatisfy((error: unknown) =>
      error instanceof FileProblem && error.problem.code === 'malformed-json' && error.problem.line === 4);
  });

  it('stops a CSV export without its zones column, naming it as the export and the API do', async () => {
    const noZones = 'Description;Population;Date de début;Date de fin;annee_scolaire\r\nVacances de Noël;-;2026-12-19;2027-01-04;2026-2027';
    await expect(parse(Buffer.from(noZones), 'calendrier.csv')).rejects.toSatisfy((error: unknown) =>
      error instanceof FileProblem && error.problem.code === 'missing-column' && error.problem.field === 'Zones'
      && error.problem.detail.includes('"Zones" or "zones"'));
  });

  it('reads the API’s field names as CSV headers, and reports an end before the start', async () => {
    const rows = ['description;population;start_date;end_date;location;zones;annee_scolaire', 'Vacances de Noël;-;2027-01-04;2026-12-19;Lyon;Zone A;2026-2027'];
    const items = await parse(Buffer.from(rows.join('\n')), 'calendrier.csv');
    expect(holidaysOf(items)).toEqual([]);
    expect(problemsOf(items)).toMatchObject([{ line: 2, field: 'Date de fin', code: 'invalid-date' }]);
  });

  it('bounds the periods of a zone’s year, whatever the file holds', async () => {
    const rows = [header, ...Array.from({ length: MAX_PERIODS_PER_YEAR + 2 }, (_, i) => `Congé ${i};-;2026-10-${String((i % 27) + 1).padStart(2, '0')};2026-11-30;Lyon;Zone A;2026-2027`)];
    const items = await parse(Buffer.from(rows.join('\n')), 'calendrier.csv');
    expect(holidaysOf(items)[0]).toMatchObject({ zone: 'A' });
    expect((holidaysOf(items)[0] as { periods: unknown[] }).periods).toHaveLength(MAX_PERIODS_PER_YEAR);
    expect(problemsOf(items).map((p) => [p.code, p.line])).toEqual([['too-many-periods', MAX_PERIODS_PER_YEAR + 2], ['too-many-periods', MAX_PERIODS_PER_YEAR + 3]]);
  });

  it('keeps no overlong period name in memory', async () => {
    const rows = [header, `${'Vacances '.repeat(100)};-;2026-10-17;2026-11-02;Lyon;Zone A;2026-2027`];
    const items = await parse(Buffer.from(rows.join('\n')), 'calendrier.csv');
    expect(holidaysOf(items)).toEqual([]);
    expect(problemsOf(items)).toMatchObject([{ line: 2, field: 'Description', code: 'invalid-field' }]);
  });
});

describe('the dataset’s zones and dates', () => {
  it('maps the zones labels, with or without accents and hyphens, to our zone codes', () => {
    expect(['Zone A', 'zone b', 'Zone-C', 'Corse', 'La Réunion', 'Reunion', 'Mayotte', 'Nouvelle Calédonie', 'nouvelle-caledonie',
      'Polynésie', 'Saint Pierre et Miquelon', 'Saint-Pierre-et-Miquelon', 'Wallis et Futuna', 'Guyane', 'Martinique', 'Guadeloupe'].map(holidayZoneOfLabel))
      .toEqual(['A', 'B', 'C', 'corse', 'reunion', 'reunion', 'mayotte', 'nouvelle-caledonie', 'nouvelle-caledonie', 'polynesie',
        'saint-pierre-et-miquelon', 'saint-pierre-et-miquelon', 'wallis-et-futuna', 'guyane', 'martinique', 'guadeloupe']);
    expect(holidayZoneOfLabel('Zone D')).toBeUndefined();
  });

  it('reads instants as Paris calendar dates, across both offsets', () => {
    expect(parisDate('2026-10-16T22:00:00+00:00')).toBe('2026-10-17');
    expect(parisDate('2026-12-18T23:00:00+00:00')).toBe('2026-12-19');
    expect(parisDate('2027-03-27T23:00:00Z')).toBe('2027-03-28');
    expect(parisDate('2026-10-17T00:00:00+02:00')).toBe('2026-10-17');
    expect(parisDate('2026-10-16T22:00:00')).toBe('2026-10-17');
    expect(parisDate('17/10/2026')).toBe('2026-10-17');
    expect(parisDate('2026-02-30')).toBeUndefined();
    expect(parisDate('demain')).toBeUndefined();
  });
});
