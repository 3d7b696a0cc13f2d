// Out: the pupils of a commune's écoles for its family software (canteen, after-school care, billing): the
// ONDE-échanges use case. One row per pupil and class, with the pupil's level and up to two guardians' contacts
// (the postal address and phones billing needs), as CSV (`;`, UTF-8 with a byte-order mark, which spreadsheets
// on Windows expect) or JSON.
import { csvCell } from '../kit/csv-cell.js';
import type { Address, PhoneType } from '../kit/contacts.js';
import type { Relationship } from '../kit/relationships.js';

export interface MunicipalGuardian {
  familyName: string;
  givenName: string;
  email?: string;
  legalRepresentative: boolean;
  relationship?: Relationship;
  address?: Address;
  phones?: { type: PhoneType; number: string }[];
}

export interface MunicipalPupil {
  uai: string;
  establishmentName: string;
  ine?: string;
  familyName: string;
  givenName: string;
  birthDate?: string;
  className: string;
  level?: string;
  guardians: MunicipalGuardian[];
}

const GUARDIANS_PER_ROW = 2;

const GUARDIAN_COLUMNS = ['nom', 'prénom', 'courriel', 'légal', 'lien', 'adresse', 'code postal', 'commune', 'pays', 'téléphone domicile', 'téléphone portable', 'téléphone travail'];
const HEADER = [
  'UAI', 'École', 'INE', 'Nom', 'Prénom', 'Date de naissance', 'Classe', 'Niveau',
  ...Array.from({ length: GUARDIANS_PER_ROW }, (_, i) => GUARDIAN_COLUMNS.map((column) => `Responsable ${i + 1} ${column}`)).flat(),
];

const RELATIONSHIP_LABELS: Record<Relationship, string> = { mother: 'mère', father: 'père', tutor: 'tuteur', other: 'autre' };

/** A guardian's cells, in GUARDIAN_COLUMNS order; the first number of each type. */
function guardianCells(g: MunicipalGuardian | undefined): (string | undefined)[] {
  if (!g) return GUARDIAN_COLUMNS.map(() => '');
  const phone = (type: PhoneType) => g.phones?.find((p) => p.type === type)?.number;
  return [
    g.familyName, g.givenName, g.email, g.legalRepresentative ? 'oui' : 'non', g.relationship && RELATIONSHIP_LABELS[g.relationship],
    g.address?.lines.join(', '), g.address?.postalCode, g.address?.city, g.address?.country, phone('home'), phone('mobile'), phone('work'),
  ];
}

/** `2016-03-14` → `14/03/2016`, as French software reads dates. */
function frenchDate(iso: string | undefined): string | undefined {
  const match = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  return match ? `${match[3]}/${match[2]}/${match[1]}` : undefined;
}

/** The CSV, line by line (CRLF), header first; legal representatives come first among a pupil's guardians. */
export function* municipalCsv(pupils: Iterable<MunicipalPupil>): Generator<string> {
  yield `\ufeff${HEADER.join(';')}\r\n`;
  for (const pupil of pupils) {
    const guardians = [...pupil.guardians].sort((a, b) => Number(b.legalRepresentative) - Number(a.legalRepresentative)).slice(0, GUARDIANS_PER_ROW);
    const cells = [
      pupil.uai, pupil.establishmentName, pupil.ine, pupil.familyName, pupil.givenName, frenchDate(pupil.birthDate), pupil.className, pupil.level,
      ...Array.from({ length: GUARDIANS_PER_ROW }, (_, i) => guardianCells(guardians[i])).flat(),
    ];
    yield `${cells.map(csvCell).join(';')}\r\n`;
  }
}
