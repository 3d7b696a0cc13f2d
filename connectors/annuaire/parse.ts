// The national directory of establishments (open data `fr-en-annuaire-education`, data.education.gouv.fr),
// as its CSV export (`;`) or its JSON exports (a plain array, or the API's `records[].fields` / `results[]`),
// turned into canonical Establishment records. Closed establishments are skipped; a record the directory
// describes incompletely is reported and left out, the others go on.
import { normalizeHeader, readCsvRows } from '../kit/csv.js';
import { readJsonElements } from '../kit/json.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { departementCode, holidayZoneOf } from './territories.js';

export const SOURCE = 'annuaire';

export type AnnuaireItem =
  | { kind: 'record'; record: Record<string, unknown>; position: SourcePosition }
  | { kind: 'problem'; problem: ConnectorProblem };

const REQUIRED = [
  'identifiant_de_l_etablissement', 'nom_etablissement', 'type_etablissement', 'statut_public_prive', 'code_commune',
  'code_departement', 'code_region', 'code_academie',
] as const;

const TYPES: Record<string, string> = {
  ecole: 'ecole', college: 'college', lycee: 'lycee', erea: 'erea',
};

/** One directory entry (field name → value, as the directory names them) → a record, a problem, or nothing. */
export function establishmentOf(fields: Record<string, unknown>, position: SourcePosition): AnnuaireItem | undefined {
  const value = (name: string) => {
    const raw = fields[name];
    return raw === undefined || raw === null ? '' : String(raw).trim();
  };
  if (value('etat') && normalizeHeader(value('etat')) !== 'ouvert') return undefined;
  const problem = (field: string, detail: string): AnnuaireItem => ({
    kind: 'problem', problem: { ...position, field, code: 'invalid-field', severity: 'error', detail },
  });
  const missing = REQUIRED.find((name) => !value(name));
  if (missing) return problem(missing, `${missing} is empty; expected a value`);

  const nature = normalizeHeader(value('libelle_nature'));
  const declaredType = TYPES[normalizeHeader(value('type_etablissement'))];
  const type = declaredType === 'lycee' && nature.includes('professionnel') ? 'lycee-pro' : declaredType ?? 'other';
  const statut = normalizeHeader(value('statut_public_prive'));
  if (statut !== 'public' && statut !== 'prive') {
    return problem('statut_public_prive', `statut_public_prive is "${value('statut_public_prive')}"; expected Public or Privé`);
  }
  const academieCode = value('code_academie').padStart(2, '0');
  const holidayZone = holidayZoneOf(academieCode);
  const record: Record<string, unknown> = {
    uai: value('identifiant_de_l_etablissement').toUpperCase(),
    sourceIds: { [SOURCE]: value('identifiant_de_l_etablissement').toUpperCase() },
    name: value('nom_etablissement'),
    type,
    sector: statut === 'public' ? 'public' : 'private',
    communeCode: value('code_commune').toUpperCase(),
    departementCode: departementCode(value('code_departement')),
    regionCode: value('code_region').padStart(2, '0'),
    academieCode,
    ...(value('nom_commune') ? { communeName: value('nom_commune') } : {}),
    ...(holidayZone ? { holidayZone } : {}),
  };
  return { kind: 'record', record, position };
}

/**
 * Reads a directory export, CSV or JSON (told by `format`, or by the file name), yielding records and
 * problems as they come. A file that cannot be read at all throws a FileProblem.
 */
export async function* parseAnnuaire(
  source: AsyncIterable<Buffer | Uint8Array>,
  options: { file: string; format?: 'csv' | 'json' },
): AsyncGenerator<AnnuaireItem> {
  const format = options.format ?? (/\.json$/i.test(options.file) ? 'json' : 'csv');
  if (format === 'csv') {
    for await (const row of readCsvRows(source, { file: options.file, required: REQUIRED, normalize: (h) => normalizeHeader(h).replace(/[\s-]+/g, '_') })) {
      const item = establishmentOf(row.values, { file: options.file, line: row.line });
      if (item) yield item;
    }
    return;
  }
  for await (const { index, value } of readJsonElements(source, options.file)) {
    const entry = value as Record<string, unknown>;
    const fields = entry.fields && typeof entry.fields === 'object' ? (entry.fields as Record<string, unknown>) : entry;
    // JSON has no lines worth giving: the entry's rank in the file says where it is.
    const item = establishmentOf(fields, { file: `${options.file}#${index + 1}` });
    if (item) yield item;
  }
}
