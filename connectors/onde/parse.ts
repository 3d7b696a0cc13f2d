// ONDE (first degree), the export "élèves de l'école" (CSV `;`, a header line, encoding told from the bytes):
// pupils with their INE, their class and level → pupils, classes (divisions) and pupil memberships.
// Headers are matched loosely (accents, case, spaces; `Nom élève` or `Nom`…), as ONDE and its extractions vary.
// The export has no pupil identifier but the INE, which is therefore each pupil's ONDE source id.
import { isoDate } from '../kit/date.js';
import { normalizeHeader, readCsvRows } from '../kit/csv.js';
import type { CanonicalOperation, ConnectorItem } from '../kit/operation.js';
import { FileProblem, type SourcePosition } from '../kit/problem.js';

export const SOURCE = 'onde';

const COLUMNS = {
  familyName: ['nom eleve', 'nom'],
  usageName: ["nom d'usage eleve", "nom d'usage"],
  givenName: ['prenom eleve', 'prenom'],
  birthDate: ['date naissance', 'date de naissance'],
  ine: ['ine'],
  level: ['niveau'],
  classLabel: ['libelle classe'],
  classId: ['identifiant classe'],
} as const;

type Column = keyof typeof COLUMNS;

function pick(values: Record<string, string>, column: Column): string {
  for (const name of COLUMNS[column]) {
    const value = values[name];
    if (value !== undefined && value !== '') return value;
  }
  return '';
}

/** The pupils of an ONDE export as operations, classes first met first, and a problem for each unusable line. */
/**
 * `encoding`: the file's encoding when known. Undeclared, it is told from the bytes (UTF-8 or windows-1252):
 * an ISO-8859-15 file (Œ at 0xBC, € at 0xA4) cannot be told apart and must be named.
 */
export async function* parseOnde(source: AsyncIterable<Buffer | Uint8Array>, options: { file: string; encoding?: string }): AsyncGenerator<ConnectorItem> {
  const classes = new Map<string, CanonicalOperation>();
  const pupils = new Set<string>();
  const memberships = new Set<string>();
  const rows = readCsvRows(source, {
    file: options.file,
    encoding: options.encoding,
    required: ['ine'],
    normalize: (header) => normalizeHeader(header).replace(/\s+/g, ' ').replace(/[’`]/g, "'"),
  });
  let sawNames = false;
  for await (const row of rows) {
    const position: SourcePosition = { file: options.file, line: row.line };
    // `sourceId`: the pupil's, when its line is refused (a complete import then keeps it, stored as it was).
    const problem = (field: string, detail: string, severity: 'error' | 'warning' = 'error', sourceId?: string): ConnectorItem =>
      ({ kind: 'problem', problem: { ...position, field, code: 'invalid-field', severity, detail, ...(sourceId ? { sourceId } : {}) } });
    if (!sawNames) {
      sawNames = true;
      if (!('nom eleve' in row.values || 'nom' in row.values) || !('prenom eleve' in row.values || 'prenom' in row.values)) {
        throw new FileProblem({ file: options.file, line: 1, field: 'Nom élève', code: 'missing-column', severity: 'error',
          detail: 'the header lacks the pupils\' names: expected "Nom élève" (or "Nom") and "Prénom élève" (or "Prénom")' });
      }
    }
    const ine = pick(row.values, 'ine').toUpperCase();
    const familyName = pick(row.values, 'familyName');
    const givenName = pick(row.values, 'givenName');
    if (!ine) {
      yield problem('INE', 'INE is empty; expected the pupil\'s INE, the only identifier the export gives');
      continue;
    }
    if (!familyName || !givenName) {
      yield problem(familyName ? 'Prénom élève' : 'Nom élève', `${familyName ? 'Prénom élève' : 'Nom élève'} is empty; expected a name`, 'error', ine);
      continue;
    }
    const birthText = pick(row.values, 'birthDate');
    const birthDate = birthText ? isoDate(birthText) : undefined;
    if (birthText && !birthDate) yield problem('Date naissance', `Date naissance is "${birthText}"; expected a date as DD/MM/YYYY`, 'warning');

    const classId = pick(row.values, 'classId') || pick(row.values, 'classLabel');
    const level = pick(row.values, 'level').toUpperCase();
    if (classId && !classes.has(classId)) {
      const operation: CanonicalOperation = {
        entity: 'group',
        record: { kind: 'division', code: classId, name: pick(row.values, 'classLabel') || classId, ...(level ? { level } : {}), sourceIds: { [SOURCE]: classId } },
        position,
      };
      classes.set(classId, operation);
      yield { kind: 'operation', operation };
    }
    if (!pupils.has(ine)) {
      pupils.add(ine);
      yield {
        kind: 'operation',
        operation: {
          entity: 'person',
          record: { kind: 'pupil', familyName, givenName, ine, ...(birthDate ? { birthDate } : {}), sourceIds: { [SOURCE]: ine } },
          position,
        },
      };
    } else if (!classId || memberships.has(`${ine}/${classId}`)) {
      yield problem('INE', `the pupil ${ine} is listed again`, 'warning');
      continue;
    }
    if (classId) {
      memberships.add(`${ine}/${classId}`);
      yield {
        kind: 'operation',
        operation: {
          entity: 'membership',
          record: { role: 'pupil', sourceIds: { [SOURCE]: `${ine}/${classId}` } },
          links: { personId: { source: SOURCE, id: ine }, groupId: { source: SOURCE, id: classId } },
          position,
        },
      };
    }
  }
}
