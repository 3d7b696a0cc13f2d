// The national directory of establishments (open data `fr-en-annuaire-education`, data.education.gouv.fr),
// as its CSV export (`;`) or its JSON exports (a plain array, or the API's `records[].fields` / `results[]`),
// turned into canonical Establishment records. Closed establishments are skipped; so are the entries that are
// not schools (administrative services, circonscriptions, information centres: no public/private status), told
// once with their count. A record the directory describes incompletely is reported and left out, the others go
// on. Both the current column names and those of the older export (`numero_uai`, `appellation_officielle`,
// `secteur_public_prive_libe`…, the dataset `fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre`
// it came from) are read.
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
/** The older export has no type column: its nature label tells the type. */
const REQUIRED_COLUMNS = REQUIRED.filter((name) => name !== 'type_etablissement');

const TYPES: Record<string, string> = {
  ecole: 'ecole', college: 'college', lycee: 'lycee', erea: 'erea',
};

/** The older export's column names, by the current ones they stand for. */
const OLDER_COLUMNS: Record<string, string> = {
  numero_uai: 'identifiant_de_l_etablissement',
  appellation_officielle: 'nom_etablissement',
  secteur_public_prive_libe: 'statut_public_prive',
  libelle_commune: 'nom_commune',
  nature_uai_libe: 'libelle_nature',
  nature_uai: 'code_nature',
  etat_etablissement_libe: 'etat',
  adresse_uai: 'adresse_1',
  code_postal_uai: 'code_postal',
};

/** A column or field name as this connector reads it: normalised, and the older export's names made current. */
function columnName(name: string): string {
  const normalized = normalizeHeader(name).replace(/[\s'’-]+/g, '_');
  return OLDER_COLUMNS[normalized] ?? normalized;
}

/** The school type a nature label names (the older export has no `type_etablissement`). */
function typeOfNature(nature: string): string | undefined {
  if (nature.startsWith('ecole')) return 'ecole';
  if (nature.startsWith('college')) return 'college';
  if (nature.startsWith('lycee')) return 'lycee';
  if (nature.includes('enseignement adapte')) return 'erea';
  return undefined;
}

/** What a directory entry is: an establishment, a problem, or an entry that is not a school (skipped, counted). */
type EntryOutcome = AnnuaireItem | 'not-a-school' | undefined;

/**
 * One directory entry (field name → value, as `columnName` names them) → a record, a problem, `not-a-school`,
 * or nothing (a closed establishment).
 */
export function establishmentOf(fields: Record<string, unknown>, position: SourcePosition): EntryOutcome {
  const value = (name: string) => {
    const raw = fields[name];
    return raw === undefined || raw === null ? '' : String(raw).trim();
  };
  if (value('etat') && normalizeHeader(value('etat')) !== 'ouvert') return undefined;
  const nature = normalizeHeader(value('libelle_nature'));
  const declaredType = value('type_etablissement')
    ? TYPES[normalizeHeader(value('type_etablissement'))]
    : typeOfNature(nature);
  // The directory also lists administrative services, circonscriptions and information centres: they have no
  // public/private status, and are no school to create.
  if (!declaredType && !value('statut_public_prive')) return 'not-a-school';
  const problem = (field: string, detail: string): AnnuaireItem => ({
    kind: 'problem', problem: { ...position, field, code: 'invalid-field', severity: 'error', detail },
  });
  const missing = REQUIRED.find((name) => !value(name) && !(name === 'type_etablissement' && declaredType));
  if (missing) return problem(missing, `${missing} is empty; expected a value`);

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
  let notSchools = 0;
  const entries = format === 'csv' ? csvEntries(source, options.file) : jsonEntries(source, options.file);
  for await (const { fields, position } of entries) {
    const outcome = establishmentOf(fields, position);
    if (outcome === 'not-a-school') notSchools += 1;
    else if (outcome) yield outcome;
  }
  if (notSchools > 0) {
    yield {
      kind: 'problem',
      problem: {
        file: options.file, code: 'not-a-school', severity: 'warning',
        detail: `${notSchools} ${notSchools === 1 ? 'entry is' : 'entries are'} not a school (administrative services, circonscriptions, information centres: no public/private status) and ${notSchools === 1 ? 'was' : 'were'} skipped`,
      },
    };
  }
}

interface Entry {
  fields: Record<string, unknown>;
  position: SourcePosition;
}

async function* csvEntries(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<Entry> {
  for await (const row of readCsvRows(source, { file, required: REQUIRED_COLUMNS, normalize: columnName })) {
    yield { fields: row.values, position: { file, line: row.line } };
  }
}

async function* jsonEntries(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<Entry> {
  for await (const { index, value } of readJsonElements(source, file)) {
    // An element that is no object (null, a number, a list) has none of the fields: its problems say so, in place.
    const entry = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const given = entry.fields && typeof entry.fields === 'object' ? (entry.fields as Record<string, unknown>) : entry;
    const fields = Object.fromEntries(Object.entries(given).map(([name, v]) => [columnName(name), v]));
    // JSON has no lines worth giving: the entry's rank in the file says where it is.
    yield { fields, position: { file: `${file}#${index + 1}` } };
  }
}
