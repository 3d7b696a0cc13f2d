// Imports the national school calendar (fr-en-calendrier-scolaire, CSV or JSON export) as each holiday zone's
// school years (territory `zone:A`), then materialises again the timetables of the establishments of the zones
// that changed. National reference data: the operator's (admin) to import.
import path from 'node:path';
import { FileProblem, type ConnectorProblem } from '../../../connectors/kit/problem.js';
import { parseSchoolHolidays, SOURCE } from '../../../connectors/calendrier-scolaire/parse.js';
import { calendarInputs } from '../../store/timetable/inputs.js';
import { establishmentsWithCourses, rematerialiseEstablishments } from '../../store/timetable/rematerialise.js';
import { writeTerritoryRecords, type TerritoryRecord } from '../../store/territory-records.js';
import { OCCURRENCE_NAMESPACE, uuidV5 } from '../../timetable/occurrence-id.js';
import { noCounts } from '../import-counts.js';
import { ImportRequestError, type ImporterDefinition } from '../importer.js';

/** The id of a zone's school year: the same zone and year always designate the same record. */
export function schoolHolidaysId(zone: string, schoolYear: string): string {
  return uuidV5(OCCURRENCE_NAMESPACE, `schoolHolidays/${zone}/${schoolYear}`);
}

export const schoolHolidaysImporter: ImporterDefinition<'calendrier-scolaire'> = {
  name: 'calendrier-scolaire',
  summary: 'the national school calendar (fr-en-calendrier-scolaire export, CSV or JSON): each holiday zone\'s holidays',
  needs: { uai: false, admin: true },
  files: { description: 'the dataset\'s CSV or JSON export', extensions: ['.csv', '.json'] },
  run: async (db, request) => {
    if (request.files.length !== 1) throw new ImportRequestError(`a calendrier-scolaire import takes one file (got ${request.files.length})`);
    const [file] = request.files;
    const name = path.basename(file.name);
    const problems: ConnectorProblem[] = [];
    const records: TerritoryRecord[] = [];
    try {
      for await (const item of parseSchoolHolidays(file.open(), { file: name })) {
        if (item.kind === 'problem') {
          problems.push(item.problem);
          continue;
        }
        const { kind: _kind, ...year } = item;
        records.push({
          entity: 'schoolHolidays', territory: `zone:${year.zone}`, id: schoolHolidaysId(year.zone, year.schoolYear),
          sourceIds: { [SOURCE]: `${year.zone}/${year.schoolYear}` }, data: { ...year },
        });
      }
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      return { counts: { ...noCounts(), rejected: 1 }, establishments: [], problems: [...problems, error.problem] };
    }
    request.onProgress?.({ stage: 'writing the zones\' school years', done: 0, total: records.length });
    const outcomes = await writeTerritoryRecords(db, records);
    const counts = noCounts();
    for (const outcome of outcomes) counts[outcome] += 1;
    counts.rejected = problems.filter((p) => p.severity === 'error').length;
    const changedZones = new Set(records.filter((_, i) => outcomes[i] !== 'unchanged').map((r) => r.territory.slice('zone:'.length)));
    if (changedZones.size) {
      const withCourses = await establishmentsWithCourses(db);
      const places = await calendarInputs(db, withCourses);
      const stale = withCourses.filter((uai) => changedZones.has(places.get(uai)?.place.holidayZone ?? ''));
      request.onProgress?.({ stage: 'materialising the timetables of the zones that changed', done: 0, total: stale.length });
      await rematerialiseEstablishments(db, stale);
    }
    return { counts, establishments: [], problems };
  },
};
