// Imports a timetable export (EDT, UDT, STS-Web's reverse file, iCalendar) into one establishment: the
// connector's items are matched to the roster (resolve.ts), made into records (operations.ts) and applied in
// one transaction through the one write path, which materialises the occurrences they change. A complete export
// replaces what its source delivered before (with the safety brake); a file that cannot be read changes nothing.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { FileProblem, type ConnectorProblem } from '../../../connectors/kit/problem.js';
import type { TimetableItem, TimetableParseOptions, TimetableParser } from '../../../connectors/kit/timetable.js';
import { establishmentsWritableBy } from '../../perimeter/submitter.js';
import type { Database } from '../../store/tables.js';
import { calendarInputs } from '../../store/timetable/inputs.js';
import { rosterIndex } from '../../store/timetable/roster-index.js';
import { schoolYearOf } from '../../timetable/calendar/assemble.js';
import { calendarFor } from '../../timetable/establishment-timetable.js';
import { UnknownEstablishment } from '../../store/write-errors.js';
import { applyWithRetry } from '../apply-with-retry.js';
import { noCounts, sumCounts } from '../import-counts.js';
import { ImportRequestError, type ImporterDefinition, type ImportOutcome, type ImportRequest } from '../importer.js';
import { timetableOperations } from './operations.js';
import { RosterMatcher } from './resolve.js';

/** More items than any establishment's timetable holds (a lycée: a few thousand courses and changes). */
export const MAX_TIMETABLE_ITEMS = 200_000;

interface TimetableConnector {
  name: string;
  summary: string;
  parse: TimetableParser;
  /** Its files name their establishment (EDT's partner export, STS-Web): `uai` may be left out. */
  namesEstablishment: boolean;
  files: ImporterDefinition['files'];
  /** Read when the import runs (the EDT partner key, from the gateway's settings). */
  options?: () => TimetableParseOptions;
}

async function readItems(parse: TimetableParser, request: ImportRequest, options: TimetableParseOptions) {
  const items: TimetableItem[] = [];
  const files = request.files.map((file) => ({ name: path.basename(file.name), open: () => file.open() }));
  for await (const item of parse(files, options)) {
    request.signal?.throwIfAborted();
    items.push(item);
    if (items.length > MAX_TIMETABLE_ITEMS) {
      throw new FileProblem({ file: files[0]?.name ?? 'upload', code: 'too-many-records', severity: 'error', detail: `the export holds more than ${MAX_TIMETABLE_ITEMS} courses, changes and resources: it is not an establishment's timetable` });
    }
    if (items.length % 1000 === 0) request.onProgress?.({ stage: `reading ${files[0]?.name ?? 'upload'}`, done: items.length });
  }
  return items;
}

/** The one establishment the request and the file agree on. */
function establishmentOf(connector: TimetableConnector, request: ImportRequest, items: readonly TimetableItem[]): string {
  const requested = request.uai?.trim().toUpperCase();
  const named = [...new Set(items.flatMap((item) => (item.kind === 'establishment' ? [item.uai.trim().toUpperCase()] : [])))];
  if (named.length > 1) throw new ImportRequestError(`the export names several establishments (${named.join(', ')}); expected one`);
  if (requested && named[0] && named[0] !== requested) {
    throw new ImportRequestError(`the request names establishment ${requested} but the export names ${named[0]}; expected one establishment`);
  }
  const uai = requested ?? named[0];
  if (!uai) throw new ImportRequestError(`the ${connector.name} export does not name its establishment: give its UAI (uai)`);
  return uai;
}

function importerRun(connector: TimetableConnector) {
  return async (db: Kysely<Database>, request: ImportRequest): Promise<ImportOutcome> => {
    if (request.files.length === 0) throw new ImportRequestError(`a ${connector.name} import takes its export's files (got none)`);
    request.signal?.throwIfAborted();
    let items: TimetableItem[];
    try {
      items = await readItems(connector.parse, request, connector.options?.() ?? {});
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      // A file that cannot be read is not applied at all: it could be a truncated export.
      if (!request.uai) throw new ImportRequestError(`${error.message}; the establishment cannot be told: give its UAI (uai)`);
      return { counts: { ...noCounts(), rejected: 1 }, establishments: [{ uai: request.uai, state: 'failed', counts: noCounts() }], problems: [error.problem] };
    }
    const uai = establishmentOf(connector, request, items);
    const missing = `establishment ${uai} is not known to the gateway, or not inside your perimeter: import the national directory first (passerelle import annuaire)`;
    if (!(await establishmentsWritableBy(db, request.perimeter, [uai])).has(uai)) throw new ImportRequestError(missing);

    const problems: ConnectorProblem[] = items.flatMap((item) => (item.kind === 'problem' ? [item.problem] : []));
    const counts = noCounts();
    counts.rejected = problems.filter((p) => p.severity === 'error').length;
    request.onProgress?.({ stage: `matching ${uai}'s roster`, done: items.length });
    const matcher = new RosterMatcher(await rosterIndex(db, uai), connector.name);
    const built = timetableOperations(items, matcher);
    problems.push(...built.problems);
    request.onProgress?.({ stage: `writing ${uai}`, done: 0, total: built.operations.length });
    try {
      const applied = await applyWithRetry(db, uai, built.operations, {
        source: connector.name, mode: request.mode, maxDeletionShare: request.maxDeletionShare, confirmed: request.confirmed,
        lenientIdentifiers: request.lenientIdentifiers,
        refused: problems.filter((p) => p.severity === 'error' && p.sourceId !== undefined).map((p) => p.sourceId!),
      }, problems);
      problems.push(...(await calendarWarnings(db, uai, request.files[0]?.name ?? 'upload')));
      const total = sumCounts([counts, applied.counts]);
      return {
        counts: total,
        establishments: [{ uai, state: applied.held ? 'held' : 'completed', counts: applied.counts, ...(applied.held ? { held: applied.held } : {}) }],
        problems,
      };
    } catch (error) {
      if (error instanceof UnknownEstablishment) throw new ImportRequestError(missing);
      throw error;
    }
  };
}

/** A warning when nothing tells the establishment's school days this school year: no occurrence is made then. */
async function calendarWarnings(db: Kysely<Database>, uai: string, file: string): Promise<ConnectorProblem[]> {
  const inputs = (await calendarInputs(db, [uai])).get(uai);
  const year = schoolYearOf(new Date().toISOString().slice(0, 10));
  if (!inputs || calendarFor(inputs, year)) return [];
  return [{
    file: path.basename(file), code: 'no-calendar', severity: 'warning',
    detail: `no school calendar is known for ${uai} in ${year} (holiday zone ${inputs.place.holidayZone ?? 'unknown'}): its sessions are materialised once \`passerelle import calendrier-scolaire\` or an academicYear record gives the year's dates`,
  }];
}

export function timetableImporter<Name extends string>(connector: TimetableConnector & { name: Name }): ImporterDefinition<Name> {
  return {
    name: connector.name,
    summary: connector.summary,
    needs: { uai: !connector.namesEstablishment },
    files: connector.files,
    run: importerRun(connector),
  };
}
