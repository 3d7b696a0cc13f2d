// Which file of a UDT delivery (the unpacked ZIP of `UDCal_*.xml` files) plays which part, told by its base name
// whatever its case and folder (ENTCORE's UDTImporter reads both `UDCal_24.xml` and `udcal_24.xml`).
import type { ConnectorProblem } from '../kit/problem.js';
import { FileProblem } from '../kit/problem.js';
import type { TimetableFile } from '../kit/timetable.js';

/** The files read once each, by their base name in lower case. */
export const TABLES = {
  calendar: 'udcal_24.xml',
  parameters: 'udcal_00.xml',
  publishedWeeks: 'semaines.xml',
  rooms: 'udcal_03.xml',
  teachers: 'udcal_04.xml',
  subjects: 'udcal_05.xml',
  halfSequences: 'udcal_07.xml',
  divisions: 'udcal_08.xml',
  groups: 'udcal_19.xml',
  regroupings: 'udcal_13.xml',
  coTeaching: 'udcal_23.xml',
  fiches: 'udcal_11.xml',
  lines: 'udcal_12.xml',
} as const;

export type TableName = keyof typeof TABLES;

/** Without these there is no timetable to place: the school year, the slots, the fiches-T and their lines. */
const REQUIRED = ['calendar', 'parameters', 'halfSequences', 'fiches', 'lines'] as const;
type RequiredTable = (typeof REQUIRED)[number];

/** A table's file name as UDT writes it (`UDCal_11.xml`). */
export const fileNameOf = (table: TableName): string => TABLES[table].replace('udcal', 'UDCal');

// Pupils (UDCal_10) and their groups (UDCal_21) are personal data a timetable does not need: never opened.
const PERSONAL = new Set(['udcal_10.xml', 'udcal_21.xml']);

const WEEK_FILE = /^udcal_(12|23)_(\d{1,2})\.xml$/;

/** A delivery's files by part: the tables, and per ISO week the lines (UDCal_12_NN) and co-teachings (UDCal_23_NN). */
export interface UdtDelivery {
  tables: Partial<Record<TableName, TimetableFile>> & Record<RequiredTable, TimetableFile>;
  weekLines: Map<number, TimetableFile>;
  weekCoTeaching: Map<number, TimetableFile>;
  /** One warning for all the files that are not read, if any. */
  ignored?: ConnectorProblem;
}

export const baseName = (name: string): string => name.split(/[/\\]/).pop() ?? name;

/**
 * Sorts a delivery's files by part. Throws FileProblem naming a required file that is missing, or a file given
 * twice (two `UDCal_12.xml` in different folders: which one holds the timetable cannot be told).
 */
export function sortDelivery(files: readonly TimetableFile[]): UdtDelivery {
  const byName = new Map<string, TimetableFile>();
  for (const file of files) {
    const name = baseName(file.name).toLowerCase();
    const earlier = byName.get(name);
    if (earlier) {
      throw new FileProblem({
        file: file.name, code: 'duplicate-file', severity: 'error',
        detail: `the delivery holds ${baseName(file.name)} twice (${earlier.name} and ${file.name}); expected one of each UDCal file`,
      });
    }
    byName.set(name, file);
  }

  const tables: Partial<Record<TableName, TimetableFile>> = {};
  const weekLines = new Map<number, TimetableFile>();
  const weekCoTeaching = new Map<number, TimetableFile>();
  const tableOf = new Map<string, TableName>(Object.entries(TABLES).map(([table, name]) => [name, table as TableName]));
  const notRead: string[] = [];
  for (const [name, file] of byName) {
    const table = tableOf.get(name);
    const week = WEEK_FILE.exec(name);
    if (table) tables[table] = file;
    else if (week) (week[1] === '12' ? weekLines : weekCoTeaching).set(Number(week[2]), file);
    else if (!PERSONAL.has(name)) notRead.push(file.name);
  }

  const missing = REQUIRED.filter((table) => !tables[table]);
  if (missing.length > 0) {
    const names = missing.map(fileNameOf);
    throw new FileProblem({
      file: names[0], code: 'missing-file', severity: 'error',
      detail: `the delivery has no ${names.join(', ')}; expected a UDT export (UDCal_24, UDCal_00, UDCal_07, UDCal_11 and UDCal_12 at least)`,
    });
  }
  const delivery: UdtDelivery = { tables: tables as UdtDelivery['tables'], weekLines, weekCoTeaching };
  if (notRead.length > 0) {
    delivery.ignored = {
      file: notRead[0], code: 'ignored-file', severity: 'warning',
      detail: `${notRead.length} file(s) that a UDT timetable does not use were not read: ${notRead.slice(0, 20).join(', ')}${notRead.length > 20 ? '…' : ''}`,
    };
  }
  return delivery;
}
