// Streaming CSV for exports of any size (ONDE, the national directory): rows come out one at a time, keyed by
// their header, with their line; a missing required column stops the file with a problem that names it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { decodeText, encodingNamed, textEncoding, type Encoding } from './decode.js';
import { FileProblem } from './problem.js';

export interface CsvRow {
  /** One-based line where the row starts (a quoted value may span lines). */
  line: number;
  values: Record<string, string>;
}

export interface CsvReadOptions {
  file: string;
  delimiter?: string;
  /**
   * Columns that must be present, compared after `normalize`: a name, or the names one column goes by (any
   * of them will do), as the problem should show them.
   */
  required?: readonly (string | readonly string[])[];
  /** How header names are compared: by default, trimmed, lower case, without accents. */
  normalize?: (header: string) => string;
  /** The encoding, when known; otherwise told from the bytes. */
  encoding?: string;
}

/** The longest row read, in characters: real rows are well under a kilobyte. */
const MAX_RECORD_CHARS = 1024 * 1024;

export function normalizeHeader(header: string): string {
  return header.trim().normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** The rows of a CSV byte stream. Throws FileProblem when the header lacks a required column. */
export async function* readCsvRows(source: AsyncIterable<Buffer | Uint8Array>, options: CsvReadOptions): AsyncGenerator<CsvRow> {
  const normalize = options.normalize ?? normalizeHeader;
  let forced: Encoding | undefined;
  if (options.encoding !== undefined) {
    forced = encodingNamed(options.encoding);
    if (!forced) {
      throw new FileProblem({ file: options.file, code: 'unsupported-encoding', severity: 'error',
        detail: `encoding "${options.encoding}" is not supported; expected UTF-8, ISO-8859-1, ISO-8859-15 or windows-1252` });
    }
  }
  const delimiter = options.delimiter ?? ';';
  const parser = parse({
    delimiter,
    relax_column_count: true,
    // An unclosed quote would otherwise take the rest of the file, however large, as one value held in memory.
    max_record_size: MAX_RECORD_CHARS,
    skip_empty_lines: true,
    info: true,
    trim: true,
  });
  // pipeline, not a hand-written pump: a reader that stops early (a bad header) destroys the parser, and a pump
  // waiting for its 'drain' then waited forever, the import with it. pipeline ends on destroy and stops the
  // source; an error of the source (a bad encoding, a cancelled job) reaches the rows loop through the parser.
  const feeding = pipeline(Readable.from(decodeText(source, (head) => forced ?? textEncoding(head), options.file)), parser)
    .catch(() => undefined);

  let header: string[] | undefined;
  // csv-parse counts a CRLF inside a quoted value as two lines; the count is put right as rows come.
  let miscounted = 0;
  const startLine = (record: string[], lines: number): number => {
    let breaks = 0;
    for (const value of record) {
      miscounted += value.match(/\r\n/g)?.length ?? 0;
      breaks += value.match(/\r\n|\r|\n/g)?.length ?? 0;
    }
    return lines - miscounted - breaks;
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        startLine(record, info.lines);
        header = record.map(normalize);
        const missing = (options.required ?? []).map((names) => (typeof names === 'string' ? [names] : names))
          .filter((names) => !names.some((name) => header!.includes(normalize(name))));
        if (missing.length) {
          throw new FileProblem({
            file: options.file, line: info.lines, code: 'missing-column', severity: 'error', field: missing[0][0],
            detail: `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.map((names) => names.map((n) => `"${n}"`).join(' or ')).join(', ')}`,
          });
        }
        continue;
      }
      const values: Record<string, string> = {};
      header.forEach((name, i) => {
        values[name] = record[i] ?? '';
      });
      yield { line: startLine(record, info.lines), values };
    }
  } catch (error) {
    // Only the parser's own errors say the CSV is malformed; others (the store, a cancellation) are not the file's.
    if (!(error instanceof CsvError)) throw error;
    const line = (error as { lines?: number }).lines;
    // csv-parse quotes the value it stopped in: file content (names), perhaps megabytes of it, kept out of reports.
    const reason = error.message.replace(/,? value is .*$/s, '');
    throw new FileProblem({ file: options.file, line, code: 'malformed-csv', severity: 'error',
      detail: `the CSV cannot be read: ${reason}; expected values separated by "${delimiter}", a value with quotes or line breaks quoted whole` });
  } finally {
    parser.destroy();
    await feeding;
  }
  if (!header) throw new FileProblem({ file: options.file, line: 1, code: 'empty-file', severity: 'error', detail: 'the file is empty: expected a header line' });
}
