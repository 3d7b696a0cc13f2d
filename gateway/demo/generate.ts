// Invented demo data: one académie of écoles, collèges and lycées with their rooms, subjects, classes, groups,
// teachers, pupils and guardians. Pure and deterministic: the same options give the same records, and record
// ids depend only on their place in the structure (establishment, kind, number), never on the seed, so
// re-seeding updates records in place. Establishments are yielded one at a time and their records are made
// on demand, so a demo of 100,000 people never sits in memory at once.
import { uaiWithKey } from '../model/identifiers.js';
import type { Entity } from '../model/validate.js';
import { DEMO_ACADEMIE } from './academie.js';
import { demoUuid } from './deterministic.js';
import { establishmentOperations } from './establishment-records.js';
import { COMMUNE_BASES, COMMUNE_SUFFIXES, ESTABLISHMENT_NAMES, PRIVATE_NAMES } from './names.js';
import { PRIVATE_POSITION, PROFILES, TYPE_PATTERN } from './school-structure.js';

export { DEMO_ACADEMIE, DEMO_YEAR } from './academie.js';
export { demoUuid } from './deterministic.js';

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
   * memberships and guardian links (which refer to people and groups yielded before them), then the weekly
   * timetable's courses and a few changes to their sessions. Each call starts afresh and yields the same records.
   */
  operations(): Generator<DemoOperation>;
}


interface Commune {
  code: string;
  name: string;
  departementCode: string;
}

export interface EstablishmentPlan {
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
