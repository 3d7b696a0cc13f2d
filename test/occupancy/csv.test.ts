import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { heatingCsv, occupancyCsv } from '../../gateway/occupancy/csv.js';
import { heatingPlan } from '../../gateway/occupancy/heating.js';
import { establishmentOccupancy } from '../../gateway/occupancy/rates.js';
import type { RoomBusy } from '../../gateway/occupancy/model.js';
import { at, PARIS } from './fixtures.js';

const MON = '2026-10-05';
const ROOMS: RoomBusy[] = [
  { id: 'r1', code: 'B12', name: 'Salle "Curie"; labo', building: 'Bâtiment B', capacity: 24, busy: [at(MON, '08:00', '12:10')] },
  { id: 'r2', code: '-1', busy: [] },
];
const occupancy = establishmentOccupancy({ uai: '0691234A', timeZone: PARIS, from: MON, to: '2026-10-06', rooms: ROOMS });
const plan = heatingPlan({ uai: '0691234A', timeZone: PARIS, from: MON, to: MON, rooms: ROOMS });

describe('occupancy as CSV for a French spreadsheet', () => {
  const text = occupancyCsv([occupancy]);

  it('starts with a BOM, separates cells with ; and ends every line with CRLF', () => {
    expect(text.startsWith('\ufeffuai;batiment;salle;libelle;capacite;date;minutes_ouverture;minutes_occupees;taux\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('writes one row per room and open day, rates with a decimal comma, quoting where needed', () => {
    expect(text.split('\r\n').slice(1, -1)).toEqual([
      '0691234A;Bâtiment B;B12;"Salle ""Curie""; labo";24;2026-10-05;600;250;0,4167',
      '0691234A;Bâtiment B;B12;"Salle ""Curie""; labo";24;2026-10-06;600;0;0,0000',
      "0691234A;;'-1;;;2026-10-05;600;0;0,0000", // a cell that a spreadsheet would take for a formula is defused
      "0691234A;;'-1;;;2026-10-06;600;0;0,0000",
    ]);
  });

  it('reads back as the same cells with a CSV reader', () => {
    const records = parse(text, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];
    expect(records[0]).toMatchObject({ libelle: 'Salle "Curie"; labo', taux: '0,4167' });
  });

  it('writes one header for several establishments', () => {
    expect(occupancyCsv([occupancy, occupancy]).match(/uai;/g)).toHaveLength(1);
  });
});

describe('heating as CSV', () => {
  it('writes one row per comfort period with the local date and times, then the instants', () => {
    expect(heatingCsv([plan])).toBe(
      '\ufeffuai;zone;batiment;date;heure_debut;heure_fin;debut;fin\r\n' +
      '0691234A;Bâtiment B;Bâtiment B;2026-10-05;07:00;12:10;2026-10-05T07:00:00+02:00;2026-10-05T12:10:00+02:00\r\n',
    );
  });

  it('writes only the header for a plan with no comfort', () => {
    const holidays = heatingPlan({ uai: '0691234A', timeZone: PARIS, from: MON, to: MON, rooms: ROOMS, closedDates: [MON] });
    expect(heatingCsv([holidays])).toBe('\ufeffuai;zone;batiment;date;heure_debut;heure_fin;debut;fin\r\n');
  });
});
