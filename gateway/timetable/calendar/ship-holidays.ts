// Builds the holidays Passerelle ships (shipped-holidays.json) from an export of the national calendar dataset,
// through the calendrier-scolaire connector: the school years asked for, every zone the export has, and notes
// saying which zones and years it lacks, so the file never claims more than it holds.
import { parseSchoolHolidays } from '../../../connectors/calendrier-scolaire/parse.js';
import type { ConnectorProblem } from '../../../connectors/kit/problem.js';
import type { DatePeriod } from '../model.js';
import { HOLIDAY_ZONES, type HolidayZone } from './zones.js';

/** One zone's school year as shipped. */
export interface ShippedSchoolYear {
  /** First and last day of classes, when the dataset gives them. */
  startDate?: string;
  endDate?: string;
  /** Periods without classes, inclusive dates. */
  periods: DatePeriod[];
}

export interface ShippedHolidaysFile {
  /** The dataset the dates come from. */
  source: string;
  /** The school years the file was built for; `notes` says which zones of them it lacks. */
  schoolYears: string[];
  /** Where the dates come from, and what is missing. */
  notes: string[];
  /** Holiday zone → school year → its calendar. */
  zones: Partial<Record<HolidayZone, Record<string, ShippedSchoolYear>>>;
}

export interface ShipOptions {
  file: string;
  /** The school years to ship (`2026-2027`); others in the export are left out. */
  schoolYears: readonly string[];
  /** Notes to keep at the head of the file (provenance). */
  notes?: readonly string[];
}

/** The shipped file from an export, and the problems the connector found in it. Throws a FileProblem. */
export async function shippedHolidaysFrom(
  source: AsyncIterable<Buffer | Uint8Array>,
  options: ShipOptions,
): Promise<{ shipped: ShippedHolidaysFile; problems: ConnectorProblem[] }> {
  const zones: ShippedHolidaysFile['zones'] = {};
  const problems: ConnectorProblem[] = [];
  for await (const item of parseSchoolHolidays(source, { file: options.file })) {
    if (item.kind === 'problem') {
      problems.push(item.problem);
      continue;
    }
    if (!options.schoolYears.includes(item.schoolYear)) continue;
    const { zone, schoolYear, periods, startDate, endDate } = item;
    (zones[zone] ??= {})[schoolYear] = { ...(startDate ? { startDate } : {}), ...(endDate ? { endDate } : {}), periods };
  }
  const missing = options.schoolYears.flatMap((year) => {
    const absent = HOLIDAY_ZONES.filter((zone) => !zones[zone]?.[year]);
    if (absent.length === 0) return [];
    return [`${year}: not in the export, so not shipped: ${absent.length === HOLIDAY_ZONES.length ? 'every zone' : absent.join(', ')}`];
  });
  return {
    shipped: { source: 'fr-en-calendrier-scolaire', schoolYears: [...options.schoolYears], notes: [...(options.notes ?? []), ...missing], zones },
    problems,
  };
}
