// Imports an école's ONDE pupils export. The export names no école but is one's: the request names it (uai),
// and an école the store does not know is created from its UAI, inside the submitter's perimeter.
import path from 'node:path';
import { parseOnde, SOURCE } from '../../connectors/onde/parse.js';
import { writeDescribedEstablishment } from './described-establishment.js';
import { applySettings, establishmentOutcome, importRoster } from './import-roster.js';
import { ImportRequestError, type ImporterDefinition } from './importer.js';

export const ondeImporter: ImporterDefinition<'onde'> = {
  name: 'onde',
  summary: 'an école\'s ONDE pupils export (CSV)',
  needs: { uai: true },
  createsItsEstablishment: true,
  files: { description: 'one CSV file (the ONDE pupils export)', extensions: ['.csv'] },
  run: async (db, request) => {
    if (!request.uai) throw new ImportRequestError('the ONDE export does not name its école: give its UAI (uai)');
    if (request.files.length !== 1) throw new ImportRequestError(`an ONDE import takes one file (got ${request.files.length})`);
    const [file] = request.files;
    const uai = request.uai;
    const described = await writeDescribedEstablishment(db, { uai, source: SOURCE, sourceId: uai, type: 'ecole', position: { file: path.basename(file.name) } }, {
      perimeter: request.perimeter, lenientIdentifiers: request.lenientIdentifiers, field: 'uai',
    });
    if (!described.written) throw new ImportRequestError(described.problems.map((p) => p.detail).join('; '));
    const report = await importRoster(db, parseOnde(file.open(), { file: path.basename(file.name), encoding: request.encoding }), {
      uai,
      source: SOURCE,
      ...applySettings(request),
      onRecords: (read) => request.onProgress?.({ stage: `reading ${file.name}`, done: read }),
    });
    return { counts: report.counts, establishments: [establishmentOutcome(uai, report)], problems: [...described.problems, ...report.problems] };
  },
};
