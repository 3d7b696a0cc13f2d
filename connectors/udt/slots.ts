// When a fiche-T takes place. UDT cuts each day into half-sequences (UDCal_07 `demi_seq@code@code_jour@code_site
// @hre_deb@hre_fin`, a slot numbered within its day and site) and a fiche-T (UDCal_11 `fiche@code@jour@demi_seq
// @site`) stands in one of them; ENTCORE's UDTImporter finds a fiche's slot by day, half-sequence and site, and
// a slot without hre_fin lasts half a sequence (UDCal_00 `duree_seq / 2`). Day 1 is Monday (ENTCORE places a
// course `jour - 1` days after the week's Monday).
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import type { TimetableFile } from '../kit/timetable.js';
import { minutesOf, numberCode, problemAt, readUdtRecords } from './read.js';

export interface Slot {
  /** Minutes since midnight. */
  start: number;
  end: number;
}

export interface Fiche extends Slot {
  code: string;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  position: SourcePosition;
}

export interface Fiches {
  usable: Map<string, Fiche>;
  /** Fiches refused for a problem already reported, with where it is (a line naming one is refused in turn). */
  refused: Map<string, SourcePosition>;
}

const slotKey = (day: string, halfSequence: string, site: string): string => `${numberCode(day)}|${numberCode(halfSequence)}|${site}`;

/** The half-sequences of UDCal_07 by day, number and site. */
export async function* readHalfSequences(
  file: TimetableFile, halfSequenceMinutes: number | undefined,
): AsyncGenerator<ConnectorProblem, Map<string, Slot>> {
  const slots = new Map<string, Slot>();
  for await (const record of readUdtRecords(file, new Set(['demi_seq']))) {
    const { code = '', code_jour: day = '', code_site: site = '', hre_deb: from = '', hre_fin: to = '' } = record.attributes;
    if (!code || !day) {
      yield problemAt(record, code ? 'code_jour' : 'code', 'missing-field', 'error', 'demi_seq without code or code_jour; it is left out');
      continue;
    }
    const start = minutesOf(from);
    if (start === undefined) {
      yield problemAt(record, 'hre_deb', 'bad-time', 'error', `"${from}" is not a time; expected HHhMM or HH:MM`);
      continue;
    }
    const end = to ? minutesOf(to) : halfSequenceMinutes === undefined ? undefined : start + halfSequenceMinutes;
    if (end === undefined || end <= start) {
      yield problemAt(record, 'hre_fin', 'bad-time', 'error', `"${to}" is not a time after hre_deb ${from}; expected HHhMM or HH:MM (or a duree_seq in UDCal_00)`);
      continue;
    }
    const key = slotKey(day, code, site);
    if (slots.has(key)) yield problemAt(record, 'code', 'duplicate-record', 'warning', `half-sequence ${code} of day ${day} is listed again; the first one is kept`);
    else slots.set(key, { start, end });
  }
  return slots;
}

/** The fiches-T of UDCal_11, each placed in its half-sequence; a fiche in no known half-sequence is refused. */
export async function* readFiches(file: TimetableFile, slots: ReadonlyMap<string, Slot>): AsyncGenerator<ConnectorProblem, Fiches> {
  const fiches: Fiches = { usable: new Map(), refused: new Map() };
  for await (const record of readUdtRecords(file, new Set(['fiche']))) {
    const { code = '', jour = '', demi_seq: halfSequence = '', site = '' } = record.attributes;
    if (!code) {
      yield problemAt(record, 'code', 'missing-field', 'error', 'fiche without code; it is left out');
      continue;
    }
    if (fiches.usable.has(code) || fiches.refused.has(code)) {
      yield problemAt(record, 'code', 'duplicate-record', 'warning', `fiche ${code} is listed again; the first one is kept`);
      continue;
    }
    const weekday = Number(jour);
    if (!/^\d+$/.test(jour) || weekday < 1 || weekday > 7) {
      fiches.refused.set(code, record.position);
      yield problemAt(record, 'jour', 'bad-day', 'error', `"${jour}" is not a day; expected 1 (Monday) to 7`);
      continue;
    }
    const slot = slots.get(slotKey(jour, halfSequence, site));
    if (!slot) {
      fiches.refused.set(code, record.position);
      yield problemAt(record, 'demi_seq', 'unknown-reference', 'error',
        `half-sequence "${halfSequence}" of day ${jour}${site ? ` (site ${site})` : ''} is not in UDCal_07; the fiche and its lines are left out`);
      continue;
    }
    fiches.usable.set(code, { code, weekday, ...slot, position: record.position });
  }
  return fiches;
}
