// The importers, registered as data: what a sync job, the command line and the jobs API may run, and what
// each one needs. A new connector's importer is a module that declares its ImporterDefinition, listed here.
import { aafImporter } from './import-aaf.js';
import { annuaireImporter } from './import-annuaire.js';
import { ondeImporter } from './import-onde.js';
import { stsWebImporter } from './import-sts.js';
import type { ImporterDefinition } from './importer.js';

export const IMPORTERS = [annuaireImporter, aafImporter, ondeImporter, stsWebImporter] as const;

export type ConnectorName = (typeof IMPORTERS)[number]['name'];

export const IMPORTER_NAMES: readonly ConnectorName[] = IMPORTERS.map((importer) => importer.name);

/** The importer of a connector, or undefined when no connector of that name imports. */
export function importerNamed(name: string): ImporterDefinition | undefined {
  return IMPORTERS.find((importer) => importer.name === name);
}
