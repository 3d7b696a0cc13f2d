// The importers, registered as data: what a sync job, the command line and the jobs API may run, and what
// each one needs. A new connector's importer is a module that declares its ImporterDefinition, listed here.
import { aafImporter } from './import-aaf.js';
import { annuaireImporter } from './import-annuaire.js';
import { ondeImporter } from './import-onde.js';
import { stsWebImporter } from './import-sts.js';
import type { ImporterDefinition } from './importer.js';
import { schoolHolidaysImporter } from './timetable/import-school-holidays.js';
import { edtImporter, icalImporter, stsEdtImporter, udtImporter } from './timetable/importers.js';

export const IMPORTERS = [
  annuaireImporter, aafImporter, ondeImporter, stsWebImporter,
  edtImporter, udtImporter, stsEdtImporter, icalImporter, schoolHolidaysImporter,
] as const;

export type ConnectorName = (typeof IMPORTERS)[number]['name'];

export const IMPORTER_NAMES: readonly ConnectorName[] = IMPORTERS.map((importer) => importer.name);

/** What any delivery may come as: the job unpacks these (input.ts) and gives the importer what they hold. */
export const ARCHIVE_EXTENSIONS = ['.zip', '.tar', '.tar.gz', '.tgz', '.gz'] as const;

/**
 * Whether a delivered file may hold what the importer reads: its name ends with one of the importer's
 * extensions or an archive's, or has no extension to tell (`upload`: the bytes will).
 */
export function mayHoldWhatItReads(importer: ImporterDefinition, name: string): boolean {
  const lower = name.toLowerCase();
  if (!/\.[a-z][a-z0-9]{0,4}$/.test(lower)) return true;
  return [...importer.files.extensions, ...ARCHIVE_EXTENSIONS].some((extension) => lower.endsWith(extension));
}

/** The importer of a connector, or undefined when no connector of that name imports. */
export function importerNamed(name: string): ImporterDefinition | undefined {
  return IMPORTERS.find((importer) => importer.name === name);
}
