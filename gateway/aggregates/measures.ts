// The measures the aggregates feed serves: what each publishes per cell, the number of people behind it (what
// small-group suppression compares with the threshold: none for counts of establishments, classes, lessons,
// rooms' time or imports, which reveal no one), whether totals are sums of their members, which dimensions split
// it, and where its numbers come from.
import type { Dimension, FactCell } from '../store/aggregates/cells.js';

export interface Measure {
  /** The published value; undefined when the cell has nothing to measure (a mean over no class). */
  value(cell: FactCell): number | undefined;
  /** The people behind the value; NO_PEOPLE when it counts none (never a small group). */
  people(cell: FactCell): number;
  readonly additive: boolean;
  readonly dimensions: readonly Dimension[];
  /**
   * `facts`: the establishments' facts, as of their last refresh; between two dates (`DATED_SOURCES`, which may
   * be split by period), `logins`: SSO's daily counts, `occurrences`: the lessons, `occupancy`: the rooms' time
   * the lessons held; `sync`: the import jobs, as of now.
   */
  readonly source: Source;
}

export type Source = 'facts' | 'logins' | 'occurrences' | 'occupancy' | 'sync';
export const DATED_SOURCES = ['logins', 'occurrences', 'occupancy'] as const satisfies readonly Source[];
export type DatedSource = (typeof DATED_SOURCES)[number];

export const isDated = (source: Source): source is DatedSource => (DATED_SOURCES as readonly Source[]).includes(source);

/** The sources the aggregates refresh brings up to date: their numbers hold until the next refresh. */
export const REFRESHED_SOURCES = ['facts', 'occurrences', 'occupancy'] as const satisfies readonly Source[];
export type RefreshedSource = (typeof REFRESHED_SOURCES)[number];

export const isRefreshed = (source: Source): source is RefreshedSource => (REFRESHED_SOURCES as readonly Source[]).includes(source);

/** What a count of establishments or classes stands for: no person, so never a small group. */
const NO_PEOPLE = Number.MAX_SAFE_INTEGER;

const PLACES: readonly Dimension[] = ['region', 'academie', 'departement', 'commune', 'establishmentType', 'sector'];

/** A part of a whole in percent, to one decimal; undefined when the whole is empty. */
const percent = (part: number, whole: number): number | undefined => (whole ? Math.round((part / whole) * 1000) / 10 : undefined);

export const MEASURES = {
  establishments: { value: (c) => c.establishments, people: () => NO_PEOPLE, additive: true, dimensions: PLACES, source: 'facts' },
  pupils: { value: (c) => c.pupils, people: (c) => c.pupils, additive: true, dimensions: [...PLACES, 'level'], source: 'facts' },
  teachers: { value: (c) => c.teachers, people: (c) => c.teachers, additive: true, dimensions: PLACES, source: 'facts' },
  classes: { value: (c) => c.divisions, people: () => NO_PEOPLE, additive: true, dimensions: PLACES, source: 'facts' },
  'class-size': {
    // The mean number of pupils of the classes that have any, to one decimal.
    value: (c) => (c.divisionsWithPupils ? Math.round((c.pupilsInDivisions / c.divisionsWithPupils) * 10) / 10 : undefined),
    people: (c) => c.pupilsInDivisions,
    additive: false,
    dimensions: PLACES,
    source: 'facts',
  },
  // The share of the active pupils who ever logged in through the gateway's SSO, in percent: a cell of fewer
  // pupils than the threshold is suppressed (a share of 3 pupils tells about each of them).
  'sso-adoption': { value: (c) => percent(c.pupilsLoggedIn, c.pupils), people: (c) => c.pupils, additive: false, dimensions: PLACES, source: 'facts' },
  // Logins counted per day, establishment and role: a cell of fewer logins than the threshold could point at
  // a pupil who logged in, and is suppressed as a small group would be.
  'sso-logins': { value: (c) => c.logins, people: (c) => c.logins, additive: true, dimensions: PLACES, source: 'logins' },
  // The share of lessons cancelled or taught by a substitute (by reason: of that reason, out of all the place's
  // lessons), in percent: lessons are no people.
  disruption: {
    value: (c) => percent(c.disrupted, c.placeOccurrences),
    people: () => NO_PEOPLE,
    additive: false,
    dimensions: [...PLACES, 'reason'],
    source: 'occurrences',
  },
  'cancelled-lessons': { value: (c) => c.cancelled, people: () => NO_PEOPLE, additive: true, dimensions: [...PLACES, 'reason'], source: 'occurrences' },
  'substituted-lessons': { value: (c) => c.substituted, people: () => NO_PEOPLE, additive: true, dimensions: [...PLACES, 'reason'], source: 'occurrences' },
  // The share of the rooms' available time (store/aggregates/timetable-cells.ts says which) held by lessons.
  'occupancy-rate': {
    value: (c) => percent(c.occupiedSeconds, c.availableSeconds),
    people: () => NO_PEOPLE,
    additive: false,
    dimensions: PLACES,
    source: 'occupancy',
  },
  // Establishments whose last successful import is older than `staleDays` or missing: by connector, its own
  // imports; a total over connectors, any connector's (an establishment fed by two is counted once).
  'sync-stale': {
    value: (c) => (c.dimensions.connector == null ? c.staleEstablishments : c.staleForConnector),
    people: () => NO_PEOPLE,
    additive: false,
    dimensions: [...PLACES, 'connector'],
    source: 'sync',
  },
  // Imports that failed since their connector last succeeded at their establishment.
  'sync-failures': { value: (c) => c.failedJobs, people: () => NO_PEOPLE, additive: true, dimensions: [...PLACES, 'connector'], source: 'sync' },
} as const satisfies Record<string, Measure>;

export type MeasureName = keyof typeof MEASURES;

export function isMeasure(name: string): name is MeasureName {
  return Object.hasOwn(MEASURES, name);
}
