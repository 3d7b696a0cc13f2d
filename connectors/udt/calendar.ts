// The school year of a UDT export: its days of classes and closures (UDCal_24), the ISO week it starts and the
// length of a half-sequence (UDCal_00), and the weeks UDT published (semaines.xml). As ENTCORE's UDTImporter
// reads them: `debut_eleve` and `fin_eleve` text nodes and `fermeture@debut@fin`, all `dd/MM/yyyy`;
// `init@premiere_semaine_ISO@duree_seq`, a half-sequence lasting `duree_seq / 2`; `semaine@num`.
import { Temporal } from 'temporal-polyfill';
import { isoDate } from '../kit/date.js';
import { FileProblem, type ConnectorProblem } from '../kit/problem.js';
import type { TimetableCalendar, TimetableFile } from '../kit/timetable.js';
import { problemAt, readUdtRecords, type UdtRecord } from './read.js';

/** A calendar UDCal_24 gives: always with the school year's first and last day. */
export type UdtCalendar = TimetableCalendar & { startDate: string; endDate: string };

export interface SchoolYear {
  calendar: UdtCalendar;
  startDate: string;
  endDate: string;
  /** The ISO week of the year's first week (UDCal_00 `premiere_semaine_ISO`). */
  firstWeek: number;
  /** A half-sequence's length when a slot gives no end (`hre_fin`), in minutes. */
  halfSequenceMinutes?: number;
  /** The weeks semaines.xml lists, when the export has it: the only weeks whose UDCal_12_NN file counts. */
  publishedWeeks?: Set<number>;
}

const CALENDAR_NAMES = new Set(['debut_eleve', 'fin_eleve', 'fermeture']);

/** The school year and closures of UDCal_24; throws FileProblem when the year's first or last day is not there. */
export async function* readCalendar(file: TimetableFile): AsyncGenerator<ConnectorProblem, UdtCalendar> {
  const bounds: Partial<Record<'debut_eleve' | 'fin_eleve', string>> = {};
  const closures: NonNullable<TimetableCalendar['closures']> = [];
  for await (const record of readUdtRecords(file, CALENDAR_NAMES)) {
    if (record.name === 'fermeture') {
      const closure = closureOf(record);
      if ('detail' in closure) yield closure;
      else closures.push(closure);
      continue;
    }
    const name = record.name as keyof typeof bounds;
    const date = isoDate(record.text);
    if (!date) throw new FileProblem(problemAt(record, name, 'bad-date', 'error', `"${record.text}" is not a date; expected dd/MM/yyyy`));
    bounds[name] ??= date;
  }
  for (const field of ['debut_eleve', 'fin_eleve'] as const) {
    if (!bounds[field]) {
      throw new FileProblem({
        file: file.name, field, code: 'missing-field', severity: 'error',
        detail: `no ${field}; expected the first and last day of classes (dd/MM/yyyy) to place the timetable's weeks`,
      });
    }
  }
  const [startDate, endDate] = [bounds.debut_eleve as string, bounds.fin_eleve as string];
  if (endDate < startDate) {
    throw new FileProblem({ file: file.name, field: 'fin_eleve', code: 'bad-date', severity: 'error', detail: `fin_eleve ${endDate} comes before debut_eleve ${startDate}` });
  }
  return { startDate, endDate, closures, position: { file: file.name, line: 1 } };
}

function closureOf(record: UdtRecord): { startDate: string; endDate: string; name?: string } | ConnectorProblem {
  const startDate = isoDate(record.attributes.debut ?? '');
  const endDate = isoDate(record.attributes.fin ?? '');
  if (!startDate) return problemAt(record, 'debut', 'bad-date', 'error', `"${record.attributes.debut ?? ''}" is not a date; expected dd/MM/yyyy`);
  if (!endDate || endDate < startDate) return problemAt(record, 'fin', 'bad-date', 'error', `"${record.attributes.fin ?? ''}" is not a date on or after debut; expected dd/MM/yyyy`);
  // [UNVERIFIED] the closure's label attribute: ENTCORE reads only debut and fin.
  const name = record.attributes.libelle || record.attributes.nom || undefined;
  return { startDate, endDate, ...(name ? { name } : {}) };
}

/** A `duree_seq` of 600 or more is taken for seconds (ENTCORE adds `duree_seq / 2` to seconds), less for minutes. */
function halfSequenceMinutes(text: string): number | undefined {
  if (!/^\d+$/.test(text) || Number(text) === 0) return undefined;
  const value = Number(text); // [UNVERIFIED] the unit of duree_seq
  return value >= 600 ? value / 120 : value / 2;
}

/** The first ISO week and the half-sequence's length (UDCal_00); a missing first week is debut_eleve's. */
export async function* readParameters(
  file: TimetableFile, calendar: UdtCalendar,
): AsyncGenerator<ConnectorProblem, Pick<SchoolYear, 'firstWeek' | 'halfSequenceMinutes'>> {
  let init: UdtRecord | undefined;
  for await (const record of readUdtRecords(file, new Set(['init']))) init ??= record;
  const startWeek = Temporal.PlainDate.from(calendar.startDate).weekOfYear ?? 1;
  if (!init) {
    yield { file: file.name, field: 'init', code: 'missing-field', severity: 'warning', detail: `no init element; the first week is taken as debut_eleve's (${startWeek})` };
    return { firstWeek: startWeek };
  }
  const week = init.attributes.premiere_semaine_ISO ?? '';
  let firstWeek = startWeek;
  if (/^\d{1,2}$/.test(week) && Number(week) >= 1 && Number(week) <= 53) firstWeek = Number(week);
  else yield problemAt(init, 'premiere_semaine_ISO', 'bad-week', 'warning', `"${week}" is not an ISO week (1-53); debut_eleve's week ${startWeek} is used`);
  const half = halfSequenceMinutes(init.attributes.duree_seq ?? '');
  if (half === undefined && init.attributes.duree_seq) {
    yield problemAt(init, 'duree_seq', 'bad-duration', 'warning', `"${init.attributes.duree_seq}" is not a sequence length; slots without hre_fin cannot be used`);
  }
  return { firstWeek, ...(half ? { halfSequenceMinutes: half } : {}) };
}

/** The weeks semaines.xml lists. */
export async function* readPublishedWeeks(file: TimetableFile): AsyncGenerator<ConnectorProblem, Set<number>> {
  const weeks = new Set<number>();
  for await (const record of readUdtRecords(file, new Set(['semaine']))) {
    const num = record.attributes.num ?? '';
    if (/^\d{1,2}$/.test(num) && Number(num) >= 1 && Number(num) <= 53) weeks.add(Number(num));
    else yield problemAt(record, 'num', 'bad-week', 'warning', `"${num}" is not an ISO week (1-53); the week is left out`);
  }
  return weeks;
}

/** The Monday (ISO date) of ISO week `week` of the school year, or undefined when that year has no such week. */
export function mondayOfWeek(year: Pick<SchoolYear, 'startDate' | 'firstWeek'>, week: number): string | undefined {
  // Weeks from the first week's number on fall in the year the school year starts, the others in the next.
  const firstYear = Number(year.startDate.slice(0, 4));
  const calendarYear = week >= year.firstWeek ? firstYear : firstYear + 1;
  const mondayOfWeekOne = (y: number) => {
    const january4 = Temporal.PlainDate.from({ year: y, month: 1, day: 4 });
    return january4.subtract({ days: january4.dayOfWeek - 1 });
  };
  const start = mondayOfWeekOne(calendarYear);
  const weeksInYear = start.until(mondayOfWeekOne(calendarYear + 1)).days / 7;
  return week >= 1 && week <= weeksInYear ? start.add({ weeks: week - 1 }).toString() : undefined;
}

export const addDays = (date: string, days: number): string => Temporal.PlainDate.from(date).add({ days }).toString();

/** Whether a date is a day of the school year outside its closures. */
export function isSchoolDay(year: SchoolYear, date: string): boolean {
  if (date < year.startDate || date > year.endDate) return false;
  return !(year.calendar.closures ?? []).some((closure) => date >= closure.startDate && date <= closure.endDate);
}
