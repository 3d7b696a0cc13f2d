// What a connector reports about its input: where (file, line, field) and what was expected. Connectors never
// throw for bad data; they report it, record by record, so one bad line does not hide the others.

export interface SourcePosition {
  /** The file as it was named in the delivery (`ENT_Complet_20260901_Eleve_0001.xml`). */
  file: string;
  /** One-based line in that file, when known. */
  line?: number;
}

export interface ConnectorProblem extends SourcePosition {
  /** The field, attribute or column concerned, when there is one. */
  field?: string;
  /** A stable code for what went wrong (`malformed-xml`, `missing-column`, `bad-encoding`…). */
  code: string;
  /** What was found and what was expected, in a sentence. */
  detail: string;
  /** `error`: the record (or the file) cannot be used; `warning`: it is used as it is. */
  severity: 'error' | 'warning';
  /**
   * The source's identifier of a refused record, when it could be read: a complete import then keeps the
   * stored record instead of taking it for one the export dropped.
   */
  sourceId?: string;
}

/** A problem that stops the reading of a whole file (malformed XML, an unknown encoding, no header). */
export class FileProblem extends Error {
  constructor(readonly problem: ConnectorProblem) {
    super(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.detail}`);
  }
}
