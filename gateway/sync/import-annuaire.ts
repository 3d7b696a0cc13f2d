// Imports the national directory of establishments: each open establishment it lists is created or updated
// (matched by UAI) through the store's write path; what cannot be used is reported with its file and line.
// The directory never deletes: a closed establishment is simply not listed. A submitter writes only inside its
// perimeter: an establishment outside it, where it is or where the directory would move it, is refused in the
// same words either way, so that the report never tells whether it exists.
import type { Kysely } from 'kysely';
import { parseAnnuaire } from '../../connectors/annuaire/parse.js';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { putEstablishment } from '../store/establishments.js';
import { EstablishmentOutsidePerimeter, EstablishmentRejected } from '../store/write-errors.js';
import type { Database } from '../store/tables.js';
import { noCounts, sumCounts, type ImportCounts } from './import-counts.js';
import { identifierWarningsAt } from './identifier-warnings.js';
import type { ImporterDefinition, ImportOutcome } from './importer.js';

export interface ImportReport {
  counts: ImportCounts;
  problems: ConnectorProblem[];
}

export async function importAnnuaire(
  db: Kysely<Database>,
  source: AsyncIterable<Buffer | Uint8Array>,
  options: {
    file: string;
    lenientIdentifiers?: boolean;
    /** The submitter's perimeter (absent: the operator's, national). */
    perimeter?: readonly PerimeterEntry[];
    onProgress?: (counts: ImportCounts) => void;
  },
): Promise<ImportReport> {
  const counts = noCounts();
  const problems: ConnectorProblem[] = [];
  try {
    for await (const item of parseAnnuaire(source, { file: options.file })) {
      if (item.kind === 'problem') {
        problems.push(item.problem);
        // A warning (entries that are not schools, skipped) rejects nothing.
        if (item.problem.severity === 'error') counts.rejected += 1;
        continue;
      }
      try {
        counts[(await putEstablishment(db, item.record, { lenientIdentifiers: options.lenientIdentifiers, perimeter: options.perimeter })).outcome] += 1;
        if (options.lenientIdentifiers) problems.push(...identifierWarningsAt(item.record, item.position));
      } catch (error) {
        if (error instanceof EstablishmentOutsidePerimeter) {
          counts.rejected += 1;
          problems.push({
            ...item.position, field: 'identifiant_de_l_etablissement', code: 'outside-perimeter', severity: 'error',
            detail: `establishment ${error.uai} is not inside your perimeter: it may not be written`,
          });
          continue;
        }
        if (!(error instanceof EstablishmentRejected)) throw error;
        counts.rejected += 1;
        for (const p of error.problems) {
          problems.push({ ...item.position, field: p.pointer.slice(1), code: 'invalid-field', severity: 'error', detail: `${p.pointer.slice(1)} ${p.detail}` });
        }
      }
      if ((counts.created + counts.updated + counts.unchanged) % 500 === 0) options.onProgress?.({ ...counts });
    }
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    problems.push(error.problem);
  }
  return { counts, problems };
}

export const annuaireImporter: ImporterDefinition<'annuaire'> = {
  name: 'annuaire',
  summary: 'the national directory of establishments (fr-en-annuaire-education, CSV or JSON); creates them',
  needs: { uai: false, admin: true },
  files: { description: 'the directory as CSV or JSON, one file or several', extensions: ['.csv', '.json'] },
  run: async (db, request) => {
    const outcome: ImportOutcome = { counts: sumCounts([]), establishments: [], problems: [] };
    for (const file of request.files) {
      request.signal?.throwIfAborted();
      const report = await importAnnuaire(db, file.open(), {
        file: file.name,
        lenientIdentifiers: request.lenientIdentifiers,
        perimeter: request.perimeter,
        onProgress: (counts) => request.onProgress?.({ stage: `reading ${file.name}`, done: counts.created + counts.updated + counts.unchanged + counts.rejected }),
      });
      outcome.counts = sumCounts([outcome.counts, report.counts]);
      outcome.problems.push(...report.problems);
    }
    return outcome;
  },
};
