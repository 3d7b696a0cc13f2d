// The responsables an ONDE pupils export may carry beside each pupil: the "Extraction personnalisée" adds, per
// responsable (1 and 2), the fields of the responsables export (civility, names, address, postal code, commune,
// country, e-mail, home, work and mobile phones), with the link (`Lien de parenté`: MERE, PERE, TUTEUR…) and
// whether it has parental authority. The column names follow the responsables export's with the number at
// the end (`Nom responsable 1`); that layout of the personalised extraction is [UNVERIFIED] and matched loosely.
// ONDE gives a responsable no identifier: its source id is its names and postal code, so that the parent of two
// siblings is one person.
import { addressOf, contactFields, phonesOf, validEmail } from '../kit/contacts.js';
import type { CanonicalOperation } from '../kit/operation.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { relationshipOf } from '../kit/relationships.js';

/** The responsables a line may describe. */
const NUMBERS = [1, 2] as const;

const FIELDS = {
  familyName: ['nom responsable', 'nom de famille responsable', 'nom resp.'],
  usageName: ['nom usage responsable', "nom d'usage responsable"],
  givenName: ['prenom responsable', 'prenom resp.'],
  relationship: ['lien de parente responsable', 'lien responsable', 'lien parente responsable'],
  authority: ['autorite parentale responsable', 'responsable legal'],
  address: ['adresse responsable'],
  postalCode: ['cp responsable', 'code postal responsable'],
  city: ['commune responsable'],
  country: ['pays responsable'],
  email: ['courriel responsable', 'email responsable'],
  home: ['telephone domicile responsable'],
  work: ['telephone travail responsable'],
  mobile: ['telephone portable responsable'],
} as const;

type Field = keyof typeof FIELDS;

const valueOf = (values: Record<string, string>, field: Field, n: number): string => {
  for (const name of FIELDS[field]) {
    const value = values[`${name} ${n}`];
    if (value) return value.trim();
  }
  return '';
};

/** The key two lines share for the same responsable. */
const guardianKey = (familyName: string, givenName: string, postalCode: string) => `resp:${[familyName, givenName, postalCode].map((s) => s.toUpperCase()).join('|')}`;

/**
 * A pupil's responsables on one line: each a person (once per export, `seen` tells) and a guardian link, with
 * warnings for a link that is none known; a responsable without a name is not one.
 */
export function guardiansOnLine(
  values: Record<string, string>, pupilId: string, position: SourcePosition, source: string, seen: Set<string>,
): { operations: CanonicalOperation[]; problems: ConnectorProblem[] } {
  const operations: CanonicalOperation[] = [];
  const problems: ConnectorProblem[] = [];
  for (const n of NUMBERS) {
    const familyName = valueOf(values, 'usageName', n) || valueOf(values, 'familyName', n);
    const givenName = valueOf(values, 'givenName', n);
    if (!familyName || !givenName) continue;
    const postalCode = valueOf(values, 'postalCode', n);
    const guardianId = guardianKey(familyName, givenName, postalCode);
    if (!seen.has(guardianId)) {
      seen.add(guardianId);
      const address = addressOf([valueOf(values, 'address', n)], postalCode, valueOf(values, 'city', n), valueOf(values, 'country', n));
      const phones = phonesOf([['home', valueOf(values, 'home', n)], ['mobile', valueOf(values, 'mobile', n)], ['work', valueOf(values, 'work', n)]]);
      const record = { kind: 'guardian', familyName, givenName, ...contactFields(address, phones, validEmail(valueOf(values, 'email', n))), sourceIds: { [source]: guardianId } };
      operations.push({ entity: 'person', record, position });
    }
    const link = valueOf(values, 'relationship', n);
    const related = link ? relationshipOf(link, position, `Lien de parenté responsable ${n}`) : undefined;
    problems.push(...(related?.problems ?? []));
    const authority = valueOf(values, 'authority', n).toUpperCase();
    operations.push({
      entity: 'guardianLink',
      record: {
        legalRepresentative: !['NON', 'N', 'FAUX', '0'].includes(authority),
        ...(related ? { relationship: related.relationship } : {}),
        sourceIds: { [source]: `${guardianId}>${pupilId}` },
      },
      links: { guardianId: { source, id: guardianId }, pupilId: { source, id: pupilId } },
      position,
    });
  }
  return { operations, problems };
}
