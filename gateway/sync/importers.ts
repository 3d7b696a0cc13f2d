// The importers, by connector name: what a sync job, the command line and the API may run.
import path from 'node:path';
import { parseOnde, SOURCE as ONDE } from '../../connectors/onde/parse.js';
import { writeDescribedEstablishment } from './described-establishment.js';
import { importAaf as aaf } from './import-aaf.js';
import { importAnnuaire } from './import-annuaire.js';
import { sumCounts } from './import-counts.js';
import { establishmentOutcome, importRoster } from './import-roster.js';
import { stsWeb } from './import-sts.js';
import { ImportRequestError, type Importer, type ImportOutcome } from './importer.js';

const annuaire: Importer = async (db, request) => {
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
};

const onde: Importer = async (db, request) => {
  if (!request.uai) throw new ImportRequestError('the ONDE export does not name its école: give its UAI (uai)');
  if (request.files.length !== 1) throw new ImportRequestError(`an ONDE import takes one file (got ${request.files.length})`);
  const [file] = request.files;
  const uai = request.uai;
  // The export names no école but is one's: an école the store does not know is created from its UAI.
  const described = await writeDescribedEstablishment(db, { uai, source: ONDE, sourceId: uai, type: 'ecole', position: { file: path.basename(file.name) } }, {
    perimeter: request.perimeter, lenientIdentifiers: request.lenientIdentifiers, field: 'uai',
  });
  if (!described.written) throw new ImportRequestError(described.problems.map((p) => p.detail).join('; '));
  const report = await importRoster(db, parseOnde(file.open(), { file: path.basename(file.name), encoding: request.encoding }), {
    uai,
    source: ONDE,
    mode: request.mode,
    maxDeletionShare: request.maxDeletionShare,
    confirmed: request.confirmed,
    lenientIdentifiers: request.lenientIdentifiers,
    signal: request.signal,
    onRecords: (read) => request.onProgress?.({ stage: `reading ${file.name}`, done: read }),
  });
  return { counts: report.counts, establishments: [establishmentOutcome(uai, report)], problems: [...described.problems, ...report.problems] };
};

export const IMPORTERS = { annuaire, aaf, onde, 'sts-web': stsWeb } satisfies Record<string, Importer>;

export type ConnectorName = keyof typeof IMPORTERS;

/** Connectors whose files do not name their establishment: a request names it (uai), or it is refused. */
export const NEEDS_UAI: ReadonlySet<string> = new Set<ConnectorName>(['onde']);

export function isConnectorName(name: string): name is ConnectorName {
  return Object.hasOwn(IMPORTERS, name);
}
