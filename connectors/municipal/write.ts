// Out: the pupils of a commune's écoles for its family software (canteen, after-school care, billing): the
// ONDE-échanges use case. One row per pupil and class, with the level and up to two guardians' contacts,
// as CSV (`;`, UTF-8 with a byte-order mark, which spreadsheets on Windows expect) or JSON.
import { csvCell } from '../kit/csv-cell.js';

export interface MunicipalGuardian {
  familyName: string;
  givenName: string;
  email?: string;
  legalRepresentative: boolean;
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

const HEADER = [
  'UAI', 'École', 'INE', 'Nom', 'Prénom', 'Date de naissance', 'Classe', 'Niveau',
  ...Array.from({ length: GUARDIANS_PER_ROW }, (_, i) => [`Responsable ${i + 1} nom`, `Responsable ${i + 1} prénom`, `Responsable ${i + 1} courriel`, `Responsable ${i + 1} légal`]).flat(),
];

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
      ...Array.from({ length: GUARDIANS_PER_ROW }, (_, i) => {
        const g = guardians[i];
        return g ? [g.familyName, g.givenName, g.email, g.legalRepresentative ? 'oui' : 'non'] : ['', '', '', ''];
      }).flat(),
    ];
    yield `${cells.map(csvCell).join(';')}\r\n`;
  }
}
