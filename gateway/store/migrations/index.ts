// The static list of migrations, in order. A migration, once released, is never edited: add a new one.
import type { Migration, MigrationProvider } from 'kysely';
import * as core from './20261123_0001_core.js';
import * as jobs from './20261123_0002_jobs.js';
import * as leanIndexes from './20261124_0003_lean_indexes.js';
import * as minimalSourceIds from './20261125_0004_minimal_source_ids.js';
import * as jobProblemCounts from './20261201_0005_job_problem_counts.js';
import * as establishmentPlaceOptional from './20261201_0008_establishment_place_optional.js';
import * as sharedRecords from './20261202_0013_shared_records.js';
import * as normalisedLevels from './20261202_0014_normalised_levels.js';
import * as timetables from './20261203_0015_timetables.js';
import * as perimeterTypes from './20261203_0016_perimeter_types.js';
import * as sso from './20261204_0017_sso.js';
import * as aggregates from './20261205_0018_aggregates.js';
import * as aggregateMeasures from './20261206_0019_aggregate_measures.js';
import * as occurrenceDays from './20261207_0020_occurrence_days.js';

const migrations: Record<string, Migration> = {
  '20261123_0001_core': core,
  '20261123_0002_jobs': jobs,
  '20261124_0003_lean_indexes': leanIndexes,
  '20261125_0004_minimal_source_ids': minimalSourceIds,
  '20261201_0005_job_problem_counts': jobProblemCounts,
  '20261201_0008_establishment_place_optional': establishmentPlaceOptional,
  '20261202_0013_shared_records': sharedRecords,
  '20261202_0014_normalised_levels': normalisedLevels,
  '20261203_0015_timetables': timetables,
  '20261203_0016_perimeter_types': perimeterTypes,
  '20261204_0017_sso': sso,
  '20261205_0018_aggregates': aggregates,
  '20261206_0019_aggregate_measures': aggregateMeasures,
  '20261207_0020_occurrence_days': occurrenceDays,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
