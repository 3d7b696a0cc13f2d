// One record of `fr-en-calendrier-scolaire` (a CSV row or a JSON entry, its field names made one) → what it says
// of a zone's school year, in Paris calendar dates, or the problem that keeps it out. Facts:
// shared/design/french-formats.md §7.2: `start_date` is the day classes stop (after the last class), `end_date`
// the morning they resume; the JSON gives them as UTC instants standing for Paris midnight
// (`2026-10-16T22:00:00+00:00` is 17 October), the CSV export as plain dates or the same instants.
import { Temporal } from 'temporal-polyfill';
import { normalizeHeader } from '../kit/csv.js';
import { isoDate } from '../kit/date.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { holidayZoneOfLabel, type HolidayZone } from './zones.js';

/** The dataset's field names (the API's), by the names its CSV export and older exports give them. */
const FIELD_ALIASES: Record<string, string> = {
  date_de_debut: 'start_date', date_debut: 'start_date', debut: 'start_date',
  date_de_fin: 'end_date', date_fin: 'end_date', fin: 'end_date',
  academies: 'location', academie: 'location',
  zone: 'zones',
  annee: 'annee_scolaire',
};

/** A column or field name as this connector reads it: `Date de début` and `start_date` are both `start_date`. */
export function fieldName(name: string): string {
  const normalized = normalizeHeader(name).replace(/[\s'’-]+/g, '_');
  return FIELD_ALIASES[normalized] ?? normalized;
}

/** How problems name a field: as the CSV export's header spells it, or as the JSON's key. */
export const CSV_LABELS: Record<string, string> = {
  description: 'Description', population: 'Population', start_date: 'Date de début', end_date: 'Date de fin',
  location: 'Académies', zones: 'Zones', annee_scolaire: 'annee_scolaire',
};

/** What one record says, once read. */
export type CalendarFact =
  /** A period without classes: first and last day, inclusive. */
  | { kind: 'period'; name: string; startDate: string; endDate: string }
  /** The summer holidays: the day classes stop, and the morning they resume when the record gives it. */
  | { kind: 'summer'; name: string; stopDate: string; resumeDate?: string }
  /** The first day of classes of the school year (`Rentrée scolaire des élèves`). */
  | { kind: 'rentree'; date: string };

export type EntryOutcome =
  | { kind: 'fact'; zone: HolidayZone; schoolYear: string; academie: string; fact: CalendarFact }
  | { kind: 'problem'; problem: ConnectorProblem }
  /** A record for teachers only: pupils' days are what matters. */
  | { kind: 'skipped' };

const PARIS = 'Europe/Paris';
/** The longest period or académie name kept: real ones are under 50 characters. */
const MAX_NAME_LENGTH = 200;

/**
 * The Paris calendar date a dataset value stands for: `2026-10-17`, `17/10/2026`, or an instant with its offset
 * (`2026-10-16T22:00:00+00:00`, `2026-10-17T00:00:00+02:00`); an instant without one is read as UTC, as the
 * Opendatasoft exports write them. Undefined when the text is none of these.
 */
export function parisDate(text: string): string | undefined {
  const plain = isoDate(text);
  if (plain) return plain;
  const instant = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!instant || !isoDate(instant[1])) return undefined;
  try {
    return Temporal.Instant.from(instant[3] ? text : `${text}Z`).toZonedDateTimeISO(PARIS).toPlainDate().toString();
  } catch {
    return undefined;
  }
}

/** `date` moved by `days` (negative: back). */
export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** `Début des Vacances d'Été` → `Vacances d'Été`: the name of the period, not of the record. */
function periodName(description: string): string {
  const name = description.replace(/^d[ée]but\s+des\s+/i, '').trim();
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * One record (fields keyed by `fieldName`) → a fact about a zone's school year, a problem naming the field, or
 * skipped (teachers only). `labels` names fields as the file does.
 */
export function readEntry(fields: Record<string, unknown>, position: SourcePosition, labels: Record<string, string>): EntryOutcome {
  const value = (name: string): string => {
    const raw = fields[name];
    return raw === undefined || raw === null ? '' : String(raw).trim();
  };
  const problem = (field: string, code: string, detail: string): EntryOutcome => ({
    kind: 'problem', problem: { ...position, field: labels[field] ?? field, code, severity: 'error', detail },
  });
  if (normalizeHeader(value('population')) === 'enseignants') return { kind: 'skipped' };
  // Values are quoted in problems, cut short: a hostile file's could be a megabyte long.
  const quoted = (field: string) => `"${value(field).slice(0, 60)}"`;

  const description = value('description');
  if (!description) return problem('description', 'missing-field', 'the description is empty; expected the name of a period ("Vacances de la Toussaint")');
  // Names are kept until the whole file is read: a hostile file's megabyte-long ones are not.
  if (description.length > MAX_NAME_LENGTH) {
    return problem('description', 'invalid-field', `the description is ${description.length} characters long; expected the name of a period, at most ${MAX_NAME_LENGTH}`);
  }
  const zoneLabel = value('zones');
  const zone = holidayZoneOfLabel(zoneLabel);
  if (!zone) {
    return problem('zones', 'unknown-zone', `${quoted('zones')} is not a holiday zone; expected Zone A, Zone B, Zone C, Corse or an overseas territory (Guadeloupe, La Réunion, Nouvelle Calédonie…)`);
  }
  const schoolYear = value('annee_scolaire');
  const years = /^(\d{4})-(\d{4})$/.exec(schoolYear);
  if (!years || Number(years[2]) !== Number(years[1]) + 1) {
    return problem('annee_scolaire', 'invalid-field', `${quoted('annee_scolaire')} is not a school year; expected two following years ("2026-2027")`);
  }
  const dateOf = (field: 'start_date' | 'end_date'): string | undefined | 'bad' => {
    const text = value(field);
    if (!text) return undefined;
    return parisDate(text) ?? 'bad';
  };
  const start = dateOf('start_date');
  const end = dateOf('end_date');
  const expectedDate = 'expected a date (2026-10-17) or an instant with its offset (2026-10-16T22:00:00+00:00)';
  if (start === 'bad' || start === undefined) {
    return problem('start_date', 'invalid-date', `${start ? `${quoted('start_date')} is not a date` : 'the start date is empty'}; ${expectedDate}`);
  }
  if (end === 'bad') return problem('end_date', 'invalid-date', `${quoted('end_date')} is not a date; ${expectedDate}`);
  const found = { kind: 'fact' as const, zone, schoolYear, academie: value('location').slice(0, MAX_NAME_LENGTH) };

  const key = normalizeHeader(description);
  // `Rentrée scolaire des enseignants` is the teachers' day, whatever its population says.
  if (key.includes('rentree') && key.includes('enseignants')) return { kind: 'skipped' };
  if (key.includes('rentree')) return { ...found, fact: { kind: 'rentree', date: start } };
  // The summer holidays end the school year; La Réunion's austral summer (December, January) falls within it.
  if (/\bete\b/.test(key) && !key.includes('austral')) {
    // The summer record of the year to come gives only its start, or ends where it starts.
    const resumeDate = end !== undefined && end > start ? end : undefined;
    return { ...found, fact: { kind: 'summer', name: periodName(description), stopDate: start, ...(resumeDate ? { resumeDate } : {}) } };
  }
  if (end === undefined) return problem('end_date', 'missing-field', 'the end date is empty; expected the day classes resume');
  if (end < start) return problem('end_date', 'invalid-date', `the day classes resume (${end}) is before the day they stop (${start}); expected it after`);
  // A record that ends where it starts names a single day without classes (the Ascension bridge, 7 May 2027).
  if (end === start) return { ...found, fact: { kind: 'period', name: periodName(description), startDate: start, endDate: start } };
  const [startDate, endDate] = [addDays(start, 1), addDays(end, -1)];
  if (startDate > endDate) {
    return { kind: 'problem', problem: { ...position, field: labels.end_date ?? 'end_date', code: 'empty-period', severity: 'warning',
      detail: `classes stop on ${start} and resume on ${end}: no day without classes between them; the record is left out` } };
  }
  return { ...found, fact: { kind: 'period', name: periodName(description), startDate, endDate } };
}
