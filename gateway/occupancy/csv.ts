// Occupancy and heating as CSV for a French spreadsheet (Excel or LibreOffice in a French locale): UTF-8 with a
// BOM (else Excel reads the accents as Windows-1252), `;` between cells, CRLF, decimal commas, French headers.
// A facilities manager filters by building and room and sums minutes, so each row carries its labels whole.

import { csvCell } from '../../connectors/kit/csv-cell.js';
import type { EstablishmentOccupancy, HeatingPlan } from './model.js';

const BOM = '\ufeff';

/** One row per room and open day; `libelle` is the room's name, `taux` its busy minutes over its open minutes. */
export const OCCUPANCY_CSV_HEADER = ['uai', 'batiment', 'salle', 'libelle', 'capacite', 'date', 'minutes_ouverture', 'minutes_occupees', 'taux'];

/**
 * One row per comfort period: `uai;zone;batiment;date;heure_debut;heure_fin;debut;fin`, the local date and
 * wall-clock times to read, then the RFC 3339 instants (with their offset) for a controller to import.
 */
export const HEATING_CSV_HEADER = ['uai', 'zone', 'batiment', 'date', 'heure_debut', 'heure_fin', 'debut', 'fin'];

export function occupancyCsv(occupancies: readonly EstablishmentOccupancy[]): string {
  const rows = occupancies.flatMap((occupancy) => occupancy.rooms.flatMap((room) => room.byDay.map((day) => [
    occupancy.uai, room.building, room.code, room.name, room.capacity, day.date, day.openMinutes, day.busyMinutes, decimal(day.rate),
  ])));
  return document(OCCUPANCY_CSV_HEADER, rows);
}

export function heatingCsv(plans: readonly HeatingPlan[]): string {
  const rows = plans.flatMap((plan) => plan.zones.flatMap((zone) => zone.comfort.map((period) => [
    plan.uai, zone.zone, zone.building,
    period.start.slice(0, 10), period.start.slice(11, 16), period.end.slice(11, 16), // local: the offset is already in
    period.start, period.end,
  ])));
  return document(HEATING_CSV_HEADER, rows);
}

/** A cell written as is, unquoted: only for the numbers formatted here. */
interface RawCell {
  raw: string;
}
type Cell = string | number | null | RawCell;

/**
 * A rate as a French spreadsheet reads a number, `0,4167`, and unquoted: the shared cell writer quotes every
 * comma, being written for `,`-separated files too.
 */
const decimal = (rate: number): RawCell => ({ raw: rate.toFixed(4).replace('.', ',') });

function document(header: readonly string[], rows: readonly Cell[][]): string {
  const text = (cell: Cell) => (typeof cell === 'object' && cell !== null ? cell.raw : csvCell(cell));
  const line = (cells: readonly Cell[]) => `${cells.map(text).join(';')}\r\n`;
  return BOM + [header, ...rows].map(line).join('');
}
