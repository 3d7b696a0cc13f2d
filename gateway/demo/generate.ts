// Invented demo data: one académie of écoles, collèges and lycées with their rooms, subjects, classes, groups,
// teachers, pupils and guardians. Pure and deterministic: the same options give the same records, and record
// ids depend only on their place in the structure (establishment, kind, number), never on the seed, so
// re-seeding updates records in place. Establishments are yielded one at a time and their records are made
// on demand, so a demo of 100,000 people never sits in memory at once.
import { createHash } from 'node:crypto';
import { ineWithKey, uaiWithKey } from '../model/identifiers.js';
import type { Entity } from '../model/validate.js';

export interface DemoOptions {
  /** Number of establishments (default 9: 4 écoles, 3 collèges, 2 lycées, one of them private). */
  establishments?: number;
  /** Number of person records in all, spread over the establishments (default 2,000). */
  people?: number;
  /** Seeds the names, dates and family shapes (default 1). */
  seed?: number;
}

export const DEFAULT_DEMO: Readonly<Required<DemoOptions>> = Object.freeze({ establishments: 9, people: 2000, seed: 1 });
export const DEMO_LIMITS = Object.freeze({ establishments: 10_000, people: 1_000_000, minPeoplePerEstablishment: 3 });

export type DemoEntity = Exclude<Entity, 'establishment'>;
export type DemoRecord = Record<string, unknown>;
export interface DemoOperation {
  entity: DemoEntity;
  op: 'upsert';
  record: DemoRecord;
}

export type EstablishmentType = 'ecole' | 'college' | 'lycee';

export interface DemoEstablishmentRecord {
  id: string;
  uai: string;
  sourceIds: { demo: string };
  name: string;
  type: EstablishmentType;
  sector: 'public' | 'private';
  communeCode: string;
  communeName: string;
  departementCode: string;
  regionCode: string;
  academieCode: string;
  holidayZone: string;
  timeZone: string;
}

export interface DemoEstablishment {
  /** Position in the académie, from 0. */
  readonly index: number;
  readonly establishment: DemoEstablishmentRecord;
  /** How many person records `operations()` yields for this establishment. */
  readonly people: number;
  /**
   * The establishment's records in dependency order: academic year, subjects, rooms, groups, people, then
   * memberships and guardian links (which refer to people and groups yielded before them). Each call starts
   * afresh and yields the same records.
   */
  operations(): Generator<DemoOperation>;
}

/** The invented académie: real-looking codes (Lyon's académie and région, two of its départements), invented names. */
export const DEMO_ACADEMIE = Object.freeze({
  code: '10',
  name: 'Académie de démonstration',
  regionCode: '84',
  holidayZone: 'A',
  timeZone: 'Europe/Paris',
  departements: Object.freeze(['069', '001']),
});

export const DEMO_YEAR = Object.freeze({ code: '2026-2027', startDate: '2026-09-01', endDate: '2027-07-03' });

// 2026-2027 as announced (french-formats.md §7.1b, secondary sources; confirm against fr-en-calendrier-scolaire
// before relying on them). Each holiday runs from the first day without classes to the last one, inclusive.
const COMMON_HOLIDAYS = [
  { name: 'Vacances de la Toussaint', startDate: '2026-10-17', endDate: '2026-11-01' },
  { name: 'Armistice 1918', startDate: '2026-11-11', endDate: '2026-11-11' },
  { name: 'Vacances de Noël', startDate: '2026-12-19', endDate: '2027-01-03' },
  { name: 'Lundi de Pâques', startDate: '2027-03-29', endDate: '2027-03-29' },
  { name: "Pont de l'Ascension", startDate: '2027-05-06', endDate: '2027-05-09' },
  { name: 'Lundi de Pentecôte', startDate: '2027-05-17', endDate: '2027-05-17' },
];
const ZONE_HOLIDAYS: Record<string, { winter: [string, string]; spring: [string, string] }> = {
  A: { winter: ['2027-02-13', '2027-02-28'], spring: ['2027-04-10', '2027-04-25'] },
  B: { winter: ['2027-02-20', '2027-03-07'], spring: ['2027-04-17', '2027-05-02'] },
  C: { winter: ['2027-02-06', '2027-02-21'], spring: ['2027-04-03', '2027-04-18'] },
};

export function holidaysForZone(zone: string): { name: string; startDate: string; endDate: string }[] {
  const staggered = ZONE_HOLIDAYS[zone] ?? ZONE_HOLIDAYS.A;
  return [
    ...COMMON_HOLIDAYS,
    { name: "Vacances d'hiver", startDate: staggered.winter[0], endDate: staggered.winter[1] },
    { name: 'Vacances de printemps', startDate: staggered.spring[0], endDate: staggered.spring[1] },
  ].sort((a, b) => a.startDate.localeCompare(b.startDate));
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic building blocks

/** A seeded PRNG (mulberry32): numbers in [0, 1). */
export interface Random {
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

/** FNV-1a with a final avalanche (murmur3's fmix32): a quick, stable 32-bit hash of a string. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// A fixed namespace for the demo's UUIDs (v5, RFC 9562): the same key always names the same record.
const DEMO_NAMESPACE = Buffer.from('7d1f3c2a9b6e4f0a8c5d2e1f0a9b8c7d', 'hex');

const namespaceHash = createHash('sha1').update(DEMO_NAMESPACE);

export function demoUuid(key: string): string {
  const bytes = namespaceHash.copy().update(key).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function isoDate(year: number, dayOfYear: number): string {
  return new Date(Date.UTC(year, 0, 1 + dayOfYear)).toISOString().slice(0, 10);
}

function randomDateIn(random: Random, year: number): string {
  const days = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 366 : 365;
  return isoDate(year, random.int(0, days - 1));
}

function emailPart(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// ---------------------------------------------------------------------------------------------------------
// Names (common French names; every combination, establishment and commune is invented)

const CHILD_NAMES = [
  'Gabriel', 'Léo', 'Raphaël', 'Arthur', 'Louis', 'Jules', 'Adam', 'Maël', 'Lucas', 'Hugo', 'Noah', 'Liam',
  'Sacha', 'Gabin', 'Nathan', 'Tom', 'Aaron', 'Théo', 'Eden', 'Paul', 'Nolan', 'Léon', 'Timéo', 'Ethan',
  'Naël', 'Mathis', 'Axel', 'Yanis', 'Ismaël', 'Malo', 'Jade', 'Louise', 'Emma', 'Alice', 'Ambre', 'Lina',
  'Rose', 'Chloé', 'Mia', 'Léa', 'Anna', 'Mila', 'Julia', 'Inès', 'Léna', 'Zoé', 'Lou', 'Agathe', 'Manon',
  'Camille', 'Sarah', 'Romane', 'Juliette', 'Nina', 'Iris', 'Léonie', 'Lucie', 'Eva', 'Yasmine', 'Margaux',
];
const ADULT_NAMES = [
  'Nicolas', 'Julien', 'Sébastien', 'Thomas', 'Stéphane', 'Christophe', 'Mathieu', 'Guillaume', 'Olivier',
  'Frédéric', 'David', 'Karim', 'Yannick', 'Vincent', 'Romain', 'Jérôme', 'Laurent', 'Mehdi', 'Franck',
  'Céline', 'Aurélie', 'Nathalie', 'Stéphanie', 'Sandrine', 'Julie', 'Émilie', 'Laetitia', 'Sophie',
  'Virginie', 'Isabelle', 'Caroline', 'Élodie', 'Amélie', 'Nadia', 'Samira', 'Hélène', 'Claire', 'Anne',
];
const FAMILY_NAMES = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent', 'Simon',
  'Michel', 'Lefebvre', 'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard', 'Bonnet', 'Dupont',
  'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Lefèvre', 'Faure', 'André', 'Mercier', 'Blanc',
  'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia', 'Perrin', 'Robin',
  'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Masson', 'Marchand', 'Duval', 'Denis',
  'Dumont', 'Lemaire', 'Noël', 'Meyer', 'Dufour', 'Meunier', 'Brun', 'Blanchard', 'Giraud', 'Joly', 'Rivière',
  'Lucas', 'Brunet', 'Gaillard', 'Barbier', 'Arnaud', 'Martinez', 'Gérard', 'Roche', 'Renard', 'Schmitt',
  'Roy', 'Leroux', 'Colin', 'Vidal', 'Caron', 'Picard', 'Roger', 'Fabre', 'Aubert', 'Lemoine', 'Renaud',
  'Dumas', 'Lacroix', 'Olivier', 'Philippe', 'Bourgeois', 'Benoît', 'Rey', 'Leclerc', 'Payet', 'Rolland',
  'Le Gall', 'Da Silva', 'Ben Ali', 'Nguyen', 'Diallo', 'Haddad', 'Lopez', 'Moulin', 'Besson', 'Chauvin',
];
const COMMUNE_BASES = [
  'Val-de-Brume', 'Montclair', 'Saint-Aubin', 'Belrocher', 'Fontvive', 'Les Essarts', 'Chantepierre', 'Vauclerc',
  'Beaulieu', 'Roche-Claire', 'Mirebois', 'Sainte-Colombe', 'Clairval', 'Hautefeuille', 'Boisjoli', 'Pré-Fleuri',
  'Vernay', 'Saint-Fiacre', 'Longchêne', 'Miramont',
];
const COMMUNE_SUFFIXES = [
  '', '-sur-Saône', '-les-Vignes', '-en-Dombes', '-la-Rivière', '-le-Haut', '-sous-Bois', "-d'Azergues",
  '-les-Monts', '-la-Forêt',
];
const ESTABLISHMENT_NAMES = [
  'des Tilleuls', 'du Parc', 'Les Cerisiers', 'de la Source', 'des Peupliers', 'du Vieux-Moulin', 'Les Glycines',
  'des Quatre-Vents', 'du Belvédère', 'Les Marronniers', 'de la Colline', 'des Lavandières', 'du Grand-Pré',
  'Les Acacias', 'des Sablons', 'de la Chênaie', 'du Lac', 'Les Jardins', 'des Vergers', 'de la Tour',
];
const PRIVATE_NAMES = ['Sainte-Colombe', 'Saint-Fiacre', 'Notre-Dame-des-Prés', 'Saint-Aubin', 'Sainte-Clotilde'];

// ---------------------------------------------------------------------------------------------------------
// School structure

interface Level {
  code: string;
  /** Years after CP: a pupil at rank r was born in 2020 − r for the 2026 rentrée. */
  rank: number;
  divisionCode: (n: number) => string;
  divisionName: (n: number) => string;
}

const letter = (n: number): string => String.fromCharCode(65 + (n % 26)) + (n >= 26 ? String(Math.floor(n / 26)) : '');
const ECOLE_LEVELS: Level[] = ['CP', 'CE1', 'CE2', 'CM1', 'CM2'].map((code, rank) => ({
  code,
  rank,
  divisionCode: (n) => `${code}-${letter(n)}`,
  divisionName: (n) => `${code} ${letter(n)}`,
}));
const COLLEGE_LEVELS: Level[] = ['6E', '5E', '4E', '3E'].map((code, i) => ({
  code,
  rank: 5 + i,
  divisionCode: (n) => `${code[0]}${letter(n)}`,
  divisionName: (n) => `${code[0]}e ${letter(n)}`,
}));
const LYCEE_LEVELS: Level[] = [
  { code: '2NDE', rank: 9, divisionCode: (n) => `2NDE${n + 1}`, divisionName: (n) => `Seconde ${n + 1}` },
  { code: '1ERE', rank: 10, divisionCode: (n) => `1G${n + 1}`, divisionName: (n) => `Première générale ${n + 1}` },
  { code: 'TLE', rank: 11, divisionCode: (n) => `TG${n + 1}`, divisionName: (n) => `Terminale générale ${n + 1}` },
];

// Short codes in the style of STS-Web's CODE_GESTION; the demo does not claim national (BCN) codes.
const SUBJECTS: Record<string, string> = {
  FRANC: 'Français', MATHS: 'Mathématiques', QLM: 'Questionner le monde', LVE: 'Langue vivante étrangère',
  EMC: 'Enseignement moral et civique', HIGEO: 'Histoire-géographie', AGL1: 'Anglais LV1',
  ESP2: 'Espagnol LV2', ALL2: 'Allemand LV2', SVT: 'Sciences de la vie et de la Terre', 'PH-CH': 'Physique-chimie',
  TECHN: 'Technologie', EPS: 'Éducation physique et sportive', 'A-PLA': 'Arts plastiques',
  'ED-MU': 'Éducation musicale', LCALA: 'Latin', SES: 'Sciences économiques et sociales', PHILO: 'Philosophie',
  SNT: 'Sciences numériques et technologie', NSI: 'Numérique et sciences informatiques',
  HGGSP: 'Histoire-géographie, géopolitique et sciences politiques',
};

interface TypeProfile {
  label: string;
  levels: Level[];
  subjects: string[];
  /** Teachers' subjects, in the order a small staff is filled. */
  teacherSubjects: string[];
  /** Subjects a division is taught as a whole, by level. */
  divisionSubjects: (level: string) => string[];
  classSize: number;
  weight: number;
}

const SPECIALTIES = ['MATHS', 'PH-CH', 'SVT', 'SES', 'HGGSP', 'NSI'];
const PROFILES: Record<EstablishmentType, TypeProfile> = {
  ecole: {
    label: 'École élémentaire',
    levels: ECOLE_LEVELS,
    subjects: ['FRANC', 'MATHS', 'QLM', 'LVE', 'EMC', 'EPS', 'A-PLA', 'ED-MU'],
    teacherSubjects: [],
    divisionSubjects: () => [],
    classSize: 24,
    weight: 1,
  },
  college: {
    label: 'Collège',
    levels: COLLEGE_LEVELS,
    subjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'ESP2', 'ALL2', 'SVT', 'PH-CH', 'TECHN', 'EPS', 'A-PLA', 'ED-MU', 'LCALA'],
    teacherSubjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'SVT', 'EPS', 'PH-CH', 'TECHN', 'ESP2', 'A-PLA', 'ED-MU', 'ALL2'],
    divisionSubjects: () => ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'SVT', 'PH-CH', 'TECHN', 'EPS', 'A-PLA', 'ED-MU'],
    classSize: 26,
    weight: 2.4,
  },
  lycee: {
    label: 'Lycée',
    levels: LYCEE_LEVELS,
    subjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'ESP2', 'ALL2', 'SVT', 'PH-CH', 'SES', 'PHILO', 'SNT', 'NSI', 'HGGSP', 'EPS'],
    teacherSubjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'PH-CH', 'SVT', 'EPS', 'SES', 'PHILO', 'ESP2', 'NSI', 'ALL2', 'HGGSP', 'SNT'],
    divisionSubjects: (level) =>
      level === '2NDE'
        ? ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'SVT', 'PH-CH', 'SES', 'SNT', 'EPS']
        : level === '1ERE'
          ? ['FRANC', 'HIGEO', 'AGL1', 'EPS']
          : ['PHILO', 'HIGEO', 'AGL1', 'EPS'],
    classSize: 30,
    weight: 3,
  },
};

// Per nine establishments: 4 écoles, 3 collèges, 2 lycées, interleaved so each kind spans both départements;
// the collège at position 6 is private.
const TYPE_PATTERN: EstablishmentType[] = ['ecole', 'college', 'lycee', 'ecole', 'college', 'ecole', 'college', 'lycee', 'ecole'];
const PRIVATE_POSITION = 6;

interface Commune {
  code: string;
  name: string;
  departementCode: string;
}

interface EstablishmentPlan {
  index: number;
  record: DemoEstablishmentRecord;
  people: number;
  /** Index of this establishment's first person in the whole demo: makes INEs unique. */
  personOffset: number;
}

function normalize(options: DemoOptions): Required<DemoOptions> {
  const establishments = options.establishments ?? DEFAULT_DEMO.establishments;
  const people = options.people ?? (options.establishments === undefined
    ? DEFAULT_DEMO.people
    : Math.max(DEFAULT_DEMO.people, establishments * 200));
  const seed = options.seed ?? DEFAULT_DEMO.seed;
  if (!Number.isInteger(establishments) || establishments < 1 || establishments > DEMO_LIMITS.establishments) {
    throw new RangeError(`establishments must be an integer from 1 to ${DEMO_LIMITS.establishments} (got ${establishments})`);
  }
  const minPeople = establishments * DEMO_LIMITS.minPeoplePerEstablishment;
  if (!Number.isInteger(people) || people < minPeople || people > DEMO_LIMITS.people) {
    throw new RangeError(
      `people must be an integer from ${minPeople} (${DEMO_LIMITS.minPeoplePerEstablishment} per establishment) ` +
        `to ${DEMO_LIMITS.people} (got ${people})`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to ${0xffffffff} (got ${seed})`);
  }
  return { establishments, people, seed };
}

/** The communes the demo places its establishments in: alternately in each département, codes `69901`, `01901`… */
export function demoCommunes(establishments: number): Commune[] {
  // Codes 901 to 999 leave room for 99 communes per département.
  const count = Math.min(2 * 99, Math.max(6, Math.ceil(establishments / 3)));
  const communes: Commune[] = [];
  for (let k = 0; k < count; k++) {
    const departementCode = DEMO_ACADEMIE.departements[k % 2];
    const n = Math.floor(k / 2);
    // Numbers from 901 up are not used by INSEE in these départements: the codes cannot name a real commune.
    const code = departementCode.slice(1) + String(901 + n);
    const name = COMMUNE_BASES[k % COMMUNE_BASES.length] + COMMUNE_SUFFIXES[Math.floor(k / COMMUNE_BASES.length) % COMMUNE_SUFFIXES.length];
    communes.push({ code, name, departementCode });
  }
  return communes;
}

function planEstablishments(options: Required<DemoOptions>): EstablishmentPlan[] {
  const communes = demoCommunes(options.establishments);
  const perDepartement = new Map<string, number>();
  const plans: EstablishmentPlan[] = [];
  for (let index = 0; index < options.establishments; index++) {
    const type = TYPE_PATTERN[index % TYPE_PATTERN.length];
    const sector = index % TYPE_PATTERN.length === PRIVATE_POSITION ? 'private' : 'public';
    const commune = communes[index % communes.length];
    const serial = perDepartement.get(commune.departementCode) ?? 0;
    perDepartement.set(commune.departementCode, serial + 1);
    // Serials from 9000 up keep clear of most real UAIs of these départements.
    const uai = uaiWithKey(commune.departementCode + String((9000 + serial) % 10_000).padStart(4, '0'));
    const profile = PROFILES[type];
    const baseName = ESTABLISHMENT_NAMES[(index * 7 + Math.floor(index / ESTABLISHMENT_NAMES.length)) % ESTABLISHMENT_NAMES.length];
    const name = sector === 'private'
      ? `${profile.label} privé ${PRIVATE_NAMES[Math.floor(index / TYPE_PATTERN.length) % PRIVATE_NAMES.length]}`
      : `${profile.label} ${baseName}`;
    plans.push({
      index,
      people: 0,
      personOffset: 0,
      record: {
        id: demoUuid(`establishment/${uai}`),
        uai,
        sourceIds: { demo: `etab-${index + 1}` },
        name,
        type,
        sector,
        communeCode: commune.code,
        communeName: commune.name,
        departementCode: commune.departementCode,
        regionCode: DEMO_ACADEMIE.regionCode,
        academieCode: DEMO_ACADEMIE.code,
        holidayZone: DEMO_ACADEMIE.holidayZone,
        timeZone: DEMO_ACADEMIE.timeZone,
      },
    });
  }
  // People go to establishments by weight (a lycée is bigger than an école), each getting the minimum first.
  const min = DEMO_LIMITS.minPeoplePerEstablishment;
  const weights = plans.map((p) => PROFILES[p.record.type].weight);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const spare = options.people - min * plans.length;
  let given = 0;
  plans.forEach((plan, i) => {
    plan.people = min + Math.floor((spare * weights[i]) / totalWeight);
    given += plan.people;
  });
  for (let i = 0; given < options.people; i = (i + 1) % plans.length, given++) plans[i].people++;
  let offset = 0;
  for (const plan of plans) {
    plan.personOffset = offset;
    offset += plan.people;
  }
  return plans;
}

/** The demo's establishments in order, each with its records made on demand. Throws a RangeError on bad options. */
export function* generateDemo(options: DemoOptions = {}): Generator<DemoEstablishment> {
  const normalized = normalize(options);
  for (const plan of planEstablishments(normalized)) {
    yield {
      index: plan.index,
      establishment: plan.record,
      people: plan.people,
      operations: () => establishmentOperations(plan, normalized.seed),
    };
  }
}

/** The sizes a demo will have, without making its records. */
export function demoPlan(options: DemoOptions = {}): { establishments: number; people: number; seed: number } {
  return normalize(options);
}

// ---------------------------------------------------------------------------------------------------------
// One establishment's records

interface Person {
  key: string;
  record: DemoRecord;
}

function* establishmentOperations(plan: EstablishmentPlan, seed: number): Generator<DemoOperation> {
  const { uai, type } = plan.record;
  const profile = PROFILES[type];
  const random = createRandom(hash32(`${seed}/${uai}`));
  const key = (suffix: string): string => `${uai}/${suffix}`;
  const base = (k: string): { id: string; uai: string; sourceIds: { demo: string } } => ({ id: demoUuid(k), uai, sourceIds: { demo: k } });
  const upsert = (entity: DemoEntity, record: DemoRecord): DemoOperation => ({ entity, op: 'upsert', record });

  yield upsert('academicYear', {
    ...base(key(`academicYear/${DEMO_YEAR.code}`)),
    code: DEMO_YEAR.code,
    startDate: DEMO_YEAR.startDate,
    endDate: DEMO_YEAR.endDate,
    holidays: holidaysForZone(plan.record.holidayZone),
  });

  for (const code of profile.subjects) yield upsert('subject', { ...base(key(`subject/${code}`)), code, name: SUBJECTS[code] });

  // Sizes first: staff, teachers, then families until the establishment's share of people is used up.
  const budget = plan.people;
  const staffCount = budget >= 200 ? 2 : budget >= 60 ? 1 : 0;
  const pupilEstimate = Math.max(1, Math.round(budget / 2.55));
  // An école has a teacher per class and one more; a secondary school about one teacher per eleven pupils.
  const perLevel = pupilEstimate / profile.levels.length;
  const teacherWanted = type === 'ecole'
    ? profile.levels.length * Math.max(1, Math.round(perLevel / profile.classSize)) + 1
    : Math.round(pupilEstimate / 11);
  const teacherCount = Math.max(1, Math.min(teacherWanted, budget - staffCount - 2));
  const families: { pupils: number; guardians: number }[] = [];
  let remaining = budget - staffCount - teacherCount;
  while (remaining > 0) {
    let pupils = random.chance(0.15) ? 2 : 1;
    let guardians = random.chance(0.7) ? 2 : 1;
    while (pupils + guardians > remaining && (guardians > 1 || pupils > 1)) {
      if (guardians > 1) guardians--;
      else pupils--;
    }
    if (pupils + guardians > remaining) {
      families[families.length - 1].pupils++; // one person left over: a sibling
      remaining--;
    } else {
      families.push({ pupils, guardians });
      remaining -= pupils + guardians;
    }
  }

  // Pupils by level and division; siblings sit in neighbouring levels.
  const levels = profile.levels;
  const levelOffset = random.int(0, levels.length - 1);
  const pupilLevels: number[] = [];
  for (const family of families) for (let p = 0; p < family.pupils; p++) pupilLevels.push((pupilLevels.length + levelOffset) % levels.length);
  const pupilsByLevel = levels.map(() => [] as number[]);
  pupilLevels.forEach((level, pupil) => pupilsByLevel[level].push(pupil));

  interface Division { key: string; id: string; levelIndex: number; pupils: number[]; code: string; name: string }
  const divisions: Division[] = [];
  const divisionOfPupil: number[] = [];
  levels.forEach((level, levelIndex) => {
    const members = pupilsByLevel[levelIndex];
    const count = Math.max(1, Math.round(members.length / profile.classSize));
    const first = divisions.length;
    for (let n = 0; n < count; n++) {
      const code = level.divisionCode(n);
      divisions.push({ key: key(`group/${code}`), id: '', levelIndex, pupils: [], code, name: level.divisionName(n) });
    }
    members.forEach((pupil, i) => {
      const d = first + (i % count);
      divisions[d].pupils.push(pupil);
      divisionOfPupil[pupil] = d;
    });
  });
  for (const division of divisions) division.id = demoUuid(division.key);

  // Teachers with their subject (secondary) and the classes they teach.
  const teacherSubject = (t: number): string | undefined =>
    profile.teacherSubjects.length ? profile.teacherSubjects[t % profile.teacherSubjects.length] : undefined;
  const teachersBySubject = new Map<string, number[]>();
  for (let t = 0; t < teacherCount; t++) {
    const subject = teacherSubject(t);
    if (subject) teachersBySubject.set(subject, [...(teachersBySubject.get(subject) ?? []), t]);
  }
  const teacherFor = (subject: string, n: number): number | undefined => {
    const teachers = teachersBySubject.get(subject);
    return teachers?.length ? teachers[n % teachers.length] : undefined;
  };

  // Rooms: a classroom per division (and a few more), plus the usual special rooms.
  const classrooms = Math.max(type === 'ecole' ? levels.length : 4, Math.ceil(divisions.length * (type === 'ecole' ? 1 : 1.15)));
  for (let r = 0; r < classrooms; r++) {
    const building = String.fromCharCode(65 + Math.floor(r / 12));
    const code = type === 'ecole' ? `S${r + 1}` : `${building}${Math.floor((r % 12) / 6) + 1}${String((r % 6) + 1).padStart(2, '0')}`;
    yield upsert('room', {
      ...base(key(`room/${code}`)),
      code,
      name: `Salle ${code}`,
      building: `Bâtiment ${building}`,
      capacity: type === 'ecole' ? 28 : random.pick([24, 30, 32, 35]),
    });
  }
  const specialRooms = type === 'ecole'
    ? [['BCD', 'Bibliothèque (BCD)', 30], ['PREAU', 'Préau', 120]] as const
    : [['CDI', 'Centre de documentation et d’information', 60], ['GYM', 'Gymnase', 120], ['LABO1', 'Laboratoire de sciences 1', 24],
        ['LABO2', 'Laboratoire de sciences 2', 24], ['INFO1', 'Salle informatique', 30]] as const;
  for (const [code, name, capacity] of specialRooms) {
    yield upsert('room', { ...base(key(`room/${code}`)), code, name, building: 'Bâtiment A', capacity });
  }

  // Groups: classes, then teaching groups (half classes, LV2, Latin, lycée specialties).
  interface TeachingGroup { key: string; id: string; code: string; name: string; level: string; pupils: number[]; teacher?: number }
  const groups: TeachingGroup[] = [];
  const addGroup = (code: string, name: string, level: string, pupils: number[], teacher?: number): void => {
    if (!pupils.length) return;
    const k = key(`group/${code}`);
    groups.push({ key: k, id: demoUuid(k), code, name, level, pupils, teacher });
  };
  if (type !== 'ecole') {
    divisions.forEach((division, d) => {
      if (division.pupils.length < 2) return;
      const half = Math.ceil(division.pupils.length / 2);
      const science = teacherFor('PH-CH', d);
      addGroup(`${division.code}-G1`, `${division.name} groupe 1`, levels[division.levelIndex].code, division.pupils.slice(0, half), science);
      addGroup(`${division.code}-G2`, `${division.name} groupe 2`, levels[division.levelIndex].code, division.pupils.slice(half), science);
    });
  }
  const splitIntoGroups = (prefix: string, label: string, level: string, pupils: number[], subject: string): void => {
    const count = Math.max(1, Math.ceil(pupils.length / 28));
    for (let n = 0; n < count; n++) {
      const members = pupils.filter((_, i) => i % count === n);
      addGroup(`${prefix}-${n + 1}`, `${label} ${n + 1}`, level, members, teacherFor(subject, n));
    }
  };
  if (type === 'college') {
    levels.forEach((level, levelIndex) => {
      if (level.code === '6E') return;
      const pupils = pupilsByLevel[levelIndex];
      const spanish = pupils.filter((p) => hash32(`${seed}/${uai}/lv2/${p}`) % 10 < 7);
      const german = pupils.filter((p) => hash32(`${seed}/${uai}/lv2/${p}`) % 10 >= 7);
      splitIntoGroups(`${level.code}-ESP2`, `Espagnol LV2 ${level.code}`, level.code, spanish, 'ESP2');
      splitIntoGroups(`${level.code}-ALL2`, `Allemand LV2 ${level.code}`, level.code, german, 'ALL2');
      const latin = pupils.filter((p) => hash32(`${seed}/${uai}/latin/${p}`) % 100 < 18);
      splitIntoGroups(`${level.code}-LCALA`, `Latin ${level.code}`, level.code, latin, 'FRANC');
    });
  }
  if (type === 'lycee') {
    levels.forEach((level, levelIndex) => {
      if (level.code === '2NDE') return;
      const perPupil = level.code === '1ERE' ? 3 : 2;
      const chosen = SPECIALTIES.map(() => [] as number[]);
      for (const pupil of pupilsByLevel[levelIndex]) {
        const start = hash32(`${seed}/${uai}/spe/${pupil}`) % SPECIALTIES.length;
        for (let s = 0; s < perPupil; s++) chosen[(start + s * 2) % SPECIALTIES.length].push(pupil);
      }
      SPECIALTIES.forEach((subject, s) =>
        splitIntoGroups(`${level.code}-SPE-${subject}`, `Spécialité ${SUBJECTS[subject].toLowerCase()} ${level.code}`, level.code, chosen[s], subject));
    });
  }

  for (const division of divisions) {
    yield upsert('group', {
      ...base(division.key),
      kind: 'division',
      code: division.code,
      name: division.name,
      level: levels[division.levelIndex].code,
    });
  }
  for (const group of groups) {
    yield upsert('group', { ...base(group.key), kind: 'group', code: group.code, name: group.name, level: group.level });
  }

  // People.
  let personNumber = 0;
  const nextGlobal = (): number => plan.personOffset + personNumber++;
  const teachers: Person[] = [];
  for (let t = 0; t < teacherCount; t++) {
    const givenName = random.pick(ADULT_NAMES);
    const familyName = random.pick(FAMILY_NAMES);
    const k = key(`teacher/${t + 1}`);
    const global = nextGlobal();
    teachers.push({
      key: k,
      record: {
        ...base(k),
        kind: 'teacher',
        familyName,
        givenName,
        birthDate: randomDateIn(random, random.int(1962, 1998)),
        email: `${emailPart(givenName)}.${emailPart(familyName)}${global + 1}@ac-demo.invalid`,
      },
    });
  }
  for (const teacher of teachers) yield upsert('person', teacher.record);
  for (let s = 0; s < staffCount; s++) {
    const k = key(`staff/${s + 1}`);
    nextGlobal();
    yield upsert('person', {
      ...base(k),
      kind: 'staff',
      familyName: random.pick(FAMILY_NAMES),
      givenName: random.pick(ADULT_NAMES),
      birthDate: randomDateIn(random, random.int(1965, 1995)),
    });
  }

  const pupilIds: string[] = [];
  const links: { guardian: number; pupil: number; legal: boolean; guardianId: string }[] = [];
  let pupil = 0;
  let guardianCount = 0;
  for (const family of families) {
    const familyName = random.pick(FAMILY_NAMES);
    const firstPupil = pupil;
    for (let p = 0; p < family.pupils; p++, pupil++) {
      const level = levels[pupilLevels[pupil]];
      const bornIn = 2020 - level.rank - (random.chance(0.04) ? 1 : 0);
      const global = nextGlobal();
      // INE-BEA: académie, year of first schooling, a serial unique in the demo, then the mod-23 key.
      const serial = String(global % 1_000_000).padStart(6, '0');
      const ine = ineWithKey(`${DEMO_ACADEMIE.code}${String((bornIn + 3) % 100).padStart(2, '0')}${serial}`);
      const k = key(`pupil/${pupil + 1}`);
      const record = {
        ...base(k),
        kind: 'pupil',
        familyName,
        givenName: random.pick(CHILD_NAMES),
        birthDate: randomDateIn(random, bornIn),
        ine,
      };
      pupilIds.push(record.id);
      yield upsert('person', record);
    }
    const parentsBorn = 2020 - levels[pupilLevels[firstPupil]].rank - random.int(25, 42);
    for (let g = 0; g < family.guardians; g++) {
      guardianCount++;
      const k = key(`guardian/${guardianCount}`);
      const givenName = random.pick(ADULT_NAMES);
      const guardianFamilyName = g === 0 || random.chance(0.6) ? familyName : random.pick(FAMILY_NAMES);
      const record: DemoRecord = {
        ...base(k),
        kind: 'guardian',
        familyName: guardianFamilyName,
        givenName,
        birthDate: randomDateIn(random, parentsBorn + random.int(-3, 3)),
      };
      const global = nextGlobal();
      if (random.chance(0.6)) record.email = `${emailPart(givenName)}.${emailPart(guardianFamilyName)}${global + 1}@example.org`;
      yield upsert('person', record);
      const legal = g === 0 || random.chance(0.85);
      for (let p = firstPupil; p < pupil; p++) links.push({ guardian: guardianCount, pupil: p, legal, guardianId: record.id as string });
    }
  }

  // Memberships: pupils in their class and groups, teachers in the classes and groups they teach.
  const membership = (personKey: string, personId: string, groupKey: string, groupId: string, role: 'pupil' | 'teacher'): DemoOperation => {
    const k = `${personKey}/in/${groupKey.slice(uai.length + 1)}`;
    return upsert('membership', { ...base(k), personId, groupId, role, startDate: DEMO_YEAR.startDate });
  };
  const groupsOfPupil = new Map<number, TeachingGroup[]>();
  for (const group of groups) for (const p of group.pupils) groupsOfPupil.set(p, [...(groupsOfPupil.get(p) ?? []), group]);
  for (let p = 0; p < pupilIds.length; p++) {
    const pupilKey = key(`pupil/${p + 1}`);
    const division = divisions[divisionOfPupil[p]];
    yield membership(pupilKey, pupilIds[p], division.key, division.id, 'pupil');
    for (const group of groupsOfPupil.get(p) ?? []) yield membership(pupilKey, pupilIds[p], group.key, group.id, 'pupil');
  }
  const taught = new Map<number, Set<string>>();
  const teach = (t: number | undefined, groupKey: string, groupId: string): DemoOperation | undefined => {
    if (t === undefined) return undefined;
    const done = taught.get(t) ?? new Set<string>();
    taught.set(t, done);
    if (done.has(groupKey)) return undefined;
    done.add(groupKey);
    return membership(teachers[t].key, teachers[t].record.id as string, groupKey, groupId, 'teacher');
  };
  for (let d = 0; d < divisions.length; d++) {
    const division = divisions[d];
    const assigned = type === 'ecole'
      ? [d % teacherCount]
      : profile.divisionSubjects(levels[division.levelIndex].code).map((subject) => teacherFor(subject, d));
    for (const t of assigned) {
      const operation = teach(t, division.key, division.id);
      if (operation) yield operation;
    }
  }
  for (const group of groups) {
    const operation = teach(group.teacher, group.key, group.id);
    if (operation) yield operation;
  }
  // A teacher left without a class (an école's extra teacher, a small school's language teacher) shares one.
  for (let t = 0; t < teacherCount; t++) {
    if (taught.has(t)) continue;
    const division = divisions[t % divisions.length];
    const operation = teach(t, division.key, division.id);
    if (operation) yield operation;
  }

  for (const link of links) {
    const k = key(`guardian/${link.guardian}/of/pupil/${link.pupil + 1}`);
    yield upsert('guardianLink', { ...base(k), guardianId: link.guardianId, pupilId: pupilIds[link.pupil], legalRepresentative: link.legal });
  }
}
