// The national school calendar, open dataset `fr-en-calendrier-scolaire` (data.education.gouv.fr, Opendatasoft):
// its CSV export (`;`, UTF-8 with or without BOM, headers Description;Population;Date de début;Date de fin;
// Académies;Zones;annee_scolaire, or the API's field names) or its JSON exports (an array of records, the API's
// `{results: [...]}`, or the older `{records: [{fields}]}`), told apart by their first character. Yields each
// zone's school year once (the records repeat per académie), its periods without classes as inclusive Paris
// dates, its rentrée and its last day of classes; records for teachers only are skipped.
import { readCsvRows } from '../kit/csv.js';
import { readJsonElements } from '../kit/json.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { SchoolYearCollector, type ZoneSchoolYear } from './collect.js';
import { CSV_LABELS, fieldName, readEntry } from './entry.js';

export const SOURCE = 'calendrier-scolaire';

export type SchoolHolidaysItem =
  | ({ kind: 'holidays' } & ZoneSchoolYear)
  | { kind: 'problem'; problem: ConnectorProblem };

interface Entry {
  fields: Record<string, unknown>;
  position: SourcePosition;
}

type EntryOrProblem = Entry | { problem: ConnectorProblem };

/** The bytes read to tell JSON from CSV: enough for a BOM and some blank lines. */
const SNIFF_LIMIT = 4096;

/**
 * A zone's school years from an export of the dataset, after the whole file is read (a zone's records are spread
 * through it). Bad records become problems naming file, line (a JSON entry: `file#n`) and field; a file that
 * cannot be read at all throws a FileProblem with its line.
 */
export async function* parseSchoolHolidays(
  source: AsyncIterable<Buffer | Uint8Array>,
  options: { file: string },
): AsyncGenerator<SchoolHolidaysItem> {
  const { format, bytes } = await sniffFormat(source);
  const entries = format === 'json' ? jsonEntries(bytes, options.file) : csvEntries(bytes, options.file);
  const labels = format === 'json' ? {} : CSV_LABELS;
  const collector = new SchoolYearCollector();
  for await (const entry of entries) {
    if ('problem' in entry) {
      yield { kind: 'problem', problem: entry.problem };
      continue;
    }
    const { fields, position } = entry;
    const outcome = readEntry(fields, position, labels);
    if (outcome.kind === 'problem') yield outcome;
    if (outcome.kind !== 'fact') continue;
    const problem = collector.add(outcome.zone, outcome.schoolYear, outcome.academie, outcome.fact, position);
    if (problem) yield { kind: 'problem', problem };
  }
  for (const year of collector.schoolYears()) yield { kind: 'holidays', ...year };
}

/** Whether the export is JSON (its first character, after a BOM and blanks, opens an array or object) or CSV. */
async function sniffFormat(source: AsyncIterable<Buffer | Uint8Array>): Promise<{ format: 'json' | 'csv'; bytes: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  let first: number | undefined;
  while (first === undefined && length < SNIFF_LIMIT) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    length += chunk.length;
    const text = Buffer.concat(head);
    const start = text.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0;
    first = [...text.subarray(start)].find((byte) => ![0x20, 0x09, 0x0a, 0x0d].includes(byte));
    // A BOM cut across chunks is not a character yet.
    if (first !== undefined && text.length < 3 && text[0] === 0xef) first = undefined;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value);
  }
  const json = first === 0x5b || first === 0x7b;
  return { format: json ? 'json' : 'csv', bytes: replay() };
}

async function* csvEntries(source: AsyncIterable<Buffer>, file: string): AsyncGenerator<Entry> {
  const required = ['description', 'start_date', 'zones', 'annee_scolaire'].map((name) => [CSV_LABELS[name], name]);
  for await (const row of readCsvRows(source, { file, required, normalize: fieldName })) {
    yield { fields: row.values, position: { file, line: row.line } };
  }
}

async function* jsonEntries(source: AsyncIterable<Buffer>, file: string): AsyncGenerator<EntryOrProblem> {
  for await (const { index, value } of readJsonElements(source, file)) {
    const position = { file: `${file}#${index + 1}` };
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      yield { problem: { ...position, code: 'invalid-entry', severity: 'error', detail: 'the entry is not an object; expected a record with description, start_date, end_date, zones and annee_scolaire' } };
      continue;
    }
    const entry = value as Record<string, unknown>;
    // The older API wraps each record's fields (`records[].fields`).
    const given = entry.fields && typeof entry.fields === 'object' ? (entry.fields as Record<string, unknown>) : entry;
    yield { fields: Object.fromEntries(Object.entries(given).map(([name, v]) => [fieldName(name), v])), position };
  }
}
