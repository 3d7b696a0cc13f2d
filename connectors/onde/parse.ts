// ONDE (first degree), the export "élèves de l'école" (CSV `;`, a header line, encoding told from the bytes):
// pupils with their INE, their class and level → pupils (each with its own level: an école's CM1-CM2 class
// holds two), classes (divisions, at the level all their pupils share) and pupil memberships; and, when the
// export carries them, each pupil's responsables with their contacts and link (guardians.ts).
// Headers are matched loosely (accents, case, spaces; `Nom élève` or `Nom`…), as ONDE and its extractions vary.
// The export has no pupil identifier but the INE, which is therefore each pupil's ONDE source id. Exports from
// before ONDE (BE1D: every field quoted, `Classe` for the class, no INE) carry the BE1D pupil id instead, which
// is then the source id: those pupils are matched by it alone.
import { isoDate } from '../kit/date.js';
import { normalizeHeader, readCsvRows } from '../kit/csv.js';
import type { CanonicalOperation, ConnectorItem } from '../kit/operation.js';
import type { SourcePosition } from '../kit/problem.js';
import { levelFields, normaliseLevel } from '../kit/levels.js';
import { guardiansOnLine } from './guardians.js';

export const SOURCE = 'onde';

const COLUMNS = {
  familyName: ['nom eleve', 'nom'],
  usageName: ["nom d'usage eleve", "nom d'usage"],
  givenName: ['prenom eleve', 'prenom'],
  birthDate: ['date naissance', 'date de naissance'],
  ine: ['ine'],
  be1dId: ['identifiant eleve', 'id eleve', 'numero eleve'],
  level: ['niveau'],
  classLabel: ['libelle classe', 'classe'],
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
  const guardians = new Set<string>();
  // A class's level is the one all its pupils share, known once every line is read: an école's export is a few
  // hundred lines, held in memory.
  const rows: { line: number; values: Record<string, string> }[] = [];
  const classLevels = new Map<string, Set<string>>();
  for await (const row of readCsvRows(source, {
    file: options.file,
    encoding: options.encoding,
    required: [['Nom élève', 'Nom'], ['Prénom élève', 'Prénom'], ['INE', 'Identifiant élève', 'ID élève', 'Numéro élève']],
    normalize: (header) => normalizeHeader(header).replace(/\s+/g, ' ').replace(/[’`]/g, "'"),
  })) {
    rows.push(row);
    const classId = pick(row.values, 'classId') || pick(row.values, 'classLabel');
    const niveau = pick(row.values, 'level').toUpperCase();
    if (classId) classLevels.set(classId, (classLevels.get(classId) ?? new Set()).add(normaliseLevel(niveau) ?? niveau));
  }
  for (const row of rows) {
    const position: SourcePosition = { file: options.file, line: row.line };
    // `sourceId`: the pupil's, when its line is refused (a complete import then keeps it, stored as it was).
    const problem = (field: string, detail: string, severity: 'error' | 'warning' = 'error', sourceId?: string): ConnectorItem =>
      ({ kind: 'problem', problem: { ...position, field, code: 'invalid-field', severity, detail, ...(sourceId ? { sourceId } : {}) } });
    const ine = pick(row.values, 'ine').toUpperCase();
    const pupilId = ine || pick(row.values, 'be1dId');
    const familyName = pick(row.values, 'familyName');
    const givenName = pick(row.values, 'givenName');
    if (!pupilId) {
      const column = 'ine' in row.values ? 'INE' : 'Identifiant élève';
      yield problem(column, `${column} is empty; expected the pupil's ${column === 'INE' ? 'INE' : 'BE1D id'}, the only identifier the export gives`);
      continue;
    }
    if (!familyName || !givenName) {
      yield problem(familyName ? 'Prénom élève' : 'Nom élève', `${familyName ? 'Prénom élève' : 'Nom élève'} is empty; expected a name`, 'error', pupilId);
      continue;
    }
    const birthText = pick(row.values, 'birthDate');
    const birthDate = birthText ? isoDate(birthText) : undefined;
    if (birthText && !birthDate) yield problem('Date naissance', `Date naissance is "${birthText}"; expected a date as DD/MM/YYYY`, 'warning');

    const classId = pick(row.values, 'classId') || pick(row.values, 'classLabel');
    const level = levelFields([pick(row.values, 'level').toUpperCase()], position, 'Niveau');
    if (classId && !classes.has(classId)) {
      // The first line's level fields, when every pupil of the class has that level.
      const shared = classLevels.get(classId)!.size === 1 ? level.fields : {};
      const operation: CanonicalOperation = {
        entity: 'group',
        record: { kind: 'division', code: classId, name: pick(row.values, 'classLabel') || classId, ...shared, sourceIds: { [SOURCE]: classId } },
        position,
      };
      classes.set(classId, operation);
      yield { kind: 'operation', operation };
    }
    const firstSight = !pupils.has(pupilId);
    if (firstSight) {
      pupils.add(pupilId);
      for (const problem of level.problems) yield { kind: 'problem', problem };
      yield {
        kind: 'operation',
        operation: {
          entity: 'person',
          record: { kind: 'pupil', familyName, givenName, ...(ine ? { ine } : {}), ...level.fields, ...(birthDate ? { birthDate } : {}), sourceIds: { [SOURCE]: pupilId } },
          position,
        },
      };
    } else if (!classId || memberships.has(`${pupilId}/${classId}`)) {
      yield problem('INE', `the pupil ${pupilId} is listed again`, 'warning');
      continue;
    }
    if (classId) {
      memberships.add(`${pupilId}/${classId}`);
      yield {
        kind: 'operation',
        operation: {
          entity: 'membership',
          record: { role: 'pupil', sourceIds: { [SOURCE]: `${pupilId}/${classId}` } },
          links: { personId: { source: SOURCE, id: pupilId }, groupId: { source: SOURCE, id: classId } },
          position,
        },
      };
    }
    if (firstSight) {
      const named = guardiansOnLine(row.values, pupilId, position, SOURCE, guardians);
      for (const problem of named.problems) yield { kind: 'problem', problem };
      for (const operation of named.operations) yield { kind: 'operation', operation };
    }
  }
}
