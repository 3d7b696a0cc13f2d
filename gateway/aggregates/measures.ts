// The measures the aggregates feed serves from the establishments' facts: what each publishes per cell, the
// number of people behind it (what small-group suppression compares with the threshold: none for counts of
// establishments or classes, which reveal no one), whether totals are sums of their members, and which
// dimensions split it (pupils alone by level), and where its numbers come from.
import type { Dimension, FactCell } from '../store/aggregates/cells.js';

export interface Measure {
  /** The published value; undefined when the cell has nothing to measure (a mean over no class). */
  value(cell: FactCell): number | undefined;
  /** The people behind the value; NO_PEOPLE when it counts none (never a small group). */
  people(cell: FactCell): number;
  readonly additive: boolean;
  readonly dimensions: readonly Dimension[];
  /**
   * `facts`: the establishments' facts, as of their last refresh; `logins`: SSO's daily counts between two
   * dates; `occurrences`: the lesson occurrences between two dates.
   */
  readonly source: 'facts' | 'logins' | 'occurrences';
}

/** What a count of establishments or classes stands for: no person, so never a small group. */
const NO_PEOPLE = Number.MAX_SAFE_INTEGER;

const PLACES: readonly Dimension[] = ['region', 'academie', 'departement', 'commune', 'establishmentType', 'sector'];

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
  // Logins counted per day, establishment and role: a cell of fewer logins than the threshold could point at
  // a pupil who logged in, and is suppressed as a small group would be.
  'sso-logins': { value: (c) => c.logins, people: (c) => c.logins, additive: true, dimensions: PLACES, source: 'logins' },
  // The share of lessons cancelled or taught by a substitute, in percent to one decimal: lessons are no people.
  disruption: {
    value: (c) => (c.occurrences ? Math.round((c.disrupted / c.occurrences) * 1000) / 10 : undefined),
    people: () => NO_PEOPLE,
    additive: false,
    dimensions: PLACES,
    source: 'occurrences',
  },
} as const satisfies Record<string, Measure>;

export type MeasureName = keyof typeof MEASURES;

export function isMeasure(name: string): name is MeasureName {
  return Object.hasOwn(MEASURES, name);
}
