// Imports an STS-Web export (`sts_emp_<UAI>_<year>.xml`) into the establishment it describes: the request's
// UAI, the export's PARAMETRES/UAJ and its file name must agree on it, and at least one must say it. Complete
// imports replace what STS-Web delivered before (with the safety brake); deltas only apply what they carry.
import path from 'node:path';
import { readStsEstablishment, uaiInFileName, type StsEstablishment } from '../../connectors/sts-web/establishment.js';
import type { EstablishmentDescription } from '../../connectors/annuaire/described-establishment.js';
import { parseStsWeb, SOURCE } from '../../connectors/sts-web/parse.js';
import type { ConnectorItem } from '../../connectors/kit/operation.js';
import { FileProblem } from '../../connectors/kit/problem.js';
import { UnknownEstablishment } from '../store/write-errors.js';
import { writeDescribedEstablishment } from './described-establishment.js';
import { applySettings, establishmentOutcome, importRoster } from './import-roster.js';
import { ImportRequestError, type Importer, type ImporterDefinition, type SourceFile } from './importer.js';

/**
 * The one UAI the request, the export and its name agree on, described as the export's UAJ describes it.
 * Throws ImportRequestError otherwise.
 */
async function establishmentOf(file: SourceFile, name: string, requested: string | undefined): Promise<EstablishmentDescription> {
  const sayings: { uai: string; by: string }[] = [];
  if (requested) sayings.push({ uai: requested.trim().toUpperCase(), by: 'the request (uai)' });
  let unreadable: FileProblem | undefined;
  let described: StsEstablishment = {};
  try {
    described = await readStsEstablishment(file.open(), { file: name });
    const { uai, line } = described;
    if (uai) sayings.push({ uai, by: `the export (PARAMETRES/UAJ CODE, line ${line})` });
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    // Told by the request or the name, the import goes on and reports the unreadable file as its outcome.
    unreadable = error;
  }
  const named = uaiInFileName(name);
  if (named) sayings.push({ uai: named, by: 'the file name' });

  const [first] = sayings;
  if (!first) {
    throw new ImportRequestError(unreadable
      ? `${unreadable.message}; the establishment cannot be told: give its UAI (uai)`
      : `${name} names no establishment (no PARAMETRES/UAJ CODE, and the name is not sts_emp_<UAI>_<year>.xml): give its UAI (uai)`);
  }
  const other = sayings.find((saying) => saying.uai !== first.uai);
  if (other) {
    throw new ImportRequestError(`${name}: ${first.by} names establishment ${first.uai} but ${other.by} names ${other.uai}; expected one establishment`);
  }
  return { ...described.description, uai: first.uai, source: SOURCE, sourceId: first.uai, position: { file: name, ...(described.line ? { line: described.line } : {}) } };
}

const PROGRESS_EVERY = 100; // records: an establishment's export holds hundreds to a few thousand

/** The connector's items, telling how many records were read as they go by and once the file is read. */
async function* told(items: AsyncIterable<ConnectorItem>, tell: (read: number) => void): AsyncGenerator<ConnectorItem> {
  let read = 0;
  for await (const item of items) {
    yield item;
    if (item.kind === 'operation' && ++read % PROGRESS_EVERY === 0) tell(read);
  }
  tell(read);
}

export const stsWeb: Importer = async (db, request) => {
  if (request.files.length !== 1) throw new ImportRequestError(`an STS-Web import takes one file, sts_emp_<UAI>_<year>.xml (got ${request.files.length})`);
  const [file] = request.files;
  const name = path.basename(file.name);
  request.signal?.throwIfAborted();
  const description = await establishmentOf(file, name, request.uai);
  const { uai } = description;
  const described = await writeDescribedEstablishment(db, description, { perimeter: request.perimeter, lenientIdentifiers: request.lenientIdentifiers, field: 'UAJ' });
  if (!described.written) throw new ImportRequestError(`${name}: ${described.problems.map((p) => p.detail).join('; ')}`);
  try {
    const items = told(parseStsWeb(file.open(), { file: name }), (read) => request.onProgress?.({ stage: `reading ${name}`, done: read }));
    const report = await importRoster(db, items, { uai, source: SOURCE, ...applySettings(request) });
    return {
      counts: report.counts,
      establishments: [establishmentOutcome(uai, report)],
      problems: [...described.problems, ...report.problems],
    };
  } catch (error) {
    if (!(error instanceof UnknownEstablishment)) throw error;
    throw new ImportRequestError(`establishment ${uai} is not known to the gateway: import the national directory first (passerelle import annuaire)`);
  }
};

export const stsWebImporter: ImporterDefinition<'sts-web'> = {
  name: 'sts-web',
  summary: 'an établissement\'s STS-Web export (sts_emp_<UAI>_<year>.xml)',
  needs: { uai: false },
  createsItsEstablishment: true,
  files: { description: 'one file, sts_emp_<UAI>_<year>.xml (give uai when neither its name nor its PARAMETRES/UAJ says it)', extensions: ['.xml'] },
  run: stsWeb,
};
