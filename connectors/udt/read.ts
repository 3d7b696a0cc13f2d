// Reading one UDCal file: its records are elements whose attributes carry the data (`<salle code="S14"
// nom="Salle 14"/>`), read as they stream by with the kit's strict XML reader (UDT writes ISO-8859-1, read as
// windows-1252 by kit/decode.ts). A file cannot hand out more records than a real establishment has.
import { FileProblem, type ConnectorProblem } from '../kit/problem.js';
import type { SourcePosition } from '../kit/problem.js';
import type { TimetableFile } from '../kit/timetable.js';
import { readXmlElements } from '../kit/xml.js';

/** An element of a UDCal file: its attributes (trimmed) and own text, and where it is. */
export interface UdtRecord {
  name: string;
  attributes: Record<string, string>;
  text: string;
  position: SourcePosition & { line: number };
}

/** Far more lines than a lycée's timetable has (a few thousand): past it the file is not a timetable. */
export const MAX_RECORDS = 200_000;

/** The elements named `names` of a UDCal file, in document order. Throws FileProblem for a file that is not XML. */
export async function* readUdtRecords(file: TimetableFile, names: ReadonlySet<string>): AsyncGenerator<UdtRecord> {
  let count = 0;
  for await (const element of readXmlElements(file.open(), { file: file.name, select: (name) => names.has(name) })) {
    count += 1;
    if (count > MAX_RECORDS) {
      throw new FileProblem({
        file: file.name, line: element.line, code: 'too-many-records', severity: 'error',
        detail: `more than ${MAX_RECORDS} records; expected the timetable of one establishment`,
      });
    }
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(element.attributes)) attributes[key] = value.trim();
    yield { name: element.name, attributes, text: element.text, position: { file: file.name, line: element.line } };
  }
}

/** A problem at a record's position. */
export function problemAt(
  record: UdtRecord, field: string, code: string, severity: ConnectorProblem['severity'], detail: string,
): ConnectorProblem {
  return { ...record.position, field, code, severity, detail };
}

/** `08h00`, `8:00`, `08:00:00` (ENTCORE's Slot splits on `h` or `:`) or `0800` → minutes since midnight. */
export function minutesOf(text: string): number | undefined {
  const match = /^(\d{1,2})[h:](\d{2})(?::\d{2})?$/i.exec(text) ?? /^(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : undefined;
}

export const clockTime = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A code as UDT numbers it, without the leading zeros some files write (`07` and `7` name the same slot). */
export const numberCode = (text: string): string => (/^\d+$/.test(text) ? String(Number(text)) : text);
