// Streaming CSV for exports of any size (ONDE, the national directory): rows come out one at a time, keyed by
// their header, with their line; a missing required column stops the file with a problem that names it.
import { parse } from 'csv-parse';
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
  /** Header names that must be present (compared after `normalize`). */
  required?: readonly string[];
  /** How header names are compared: by default, trimmed, lower case, without accents. */
  normalize?: (header: string) => string;
  /** The encoding, when known; otherwise told from the bytes. */
  encoding?: string;
}

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
  const parser = parse({
    delimiter: options.delimiter ?? ';',
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    trim: true,
  });
  const feeding = (async () => {
    try {
      for await (const text of decodeText(source, (head) => forced ?? textEncoding(head), options.file)) {
        if (!parser.write(text)) await new Promise((resolve) => parser.once('drain', resolve));
      }
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();

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
        const missing = (options.required ?? []).filter((name) => !header!.includes(normalize(name)));
        if (missing.length) {
          throw new FileProblem({
            file: options.file, line: info.lines, code: 'missing-column', severity: 'error', field: missing[0],
            detail: `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
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
    if (error instanceof FileProblem) throw error;
    const line = (error as { lines?: number }).lines;
    throw new FileProblem({ file: options.file, line, code: 'malformed-csv', severity: 'error', detail: `the CSV cannot be read: ${(error as Error).message}` });
  } finally {
    parser.destroy();
    await feeding;
  }
  if (!header) throw new FileProblem({ file: options.file, code: 'empty-file', severity: 'error', detail: 'the file is empty: expected a header line' });
}
