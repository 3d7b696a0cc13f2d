// Small-group suppression for the ministry's aggregates: a cell covering fewer people than the threshold is
// hidden ("small"), then more cells are hidden ("complementary") until no hidden one can be recovered by
// subtraction. A line is a total with the cells it sums along one dimension, the others fixed (a margin has
// `null`, meaning all, along each dimension it sums): with a total of 25 and siblings 12 and 9 published, a
// hidden 4 is 25 − 12 − 9, so no line may have exactly one hidden cell, its total counted (a hidden total is
// the sum of its published members; a line of one member makes the member and its total the same number).
// An empty cell (0 people) reveals no one and is published. Means and rates (`additive: false`) get the
// primary suppression only: a total's mean is not the sum of its members' means, so subtraction recovers
// nothing (a table of their weights, published beside them, needs its own additive suppression).
// Limits: each line is guarded on its own, not every combination of lines an attacker could solve together;
// one level per dimension (région ⊃ département across two dimensions is not modelled).

export type SuppressionReason = 'small' | 'complementary';

export interface Cell<D extends string> {
  /** The cell's value along each dimension; `null` means all (a margin: the sum along that dimension). */
  readonly coordinates: Readonly<Record<D, string | null>>;
  /** The people (or rooms) behind the value: what the threshold is compared with. */
  readonly people: number;
  readonly value: number;
}

/** A cell of the published answer: its dimensions, then its value, or null and why. */
export type SuppressedCell<D extends string> = Readonly<Record<D, string | null>> &
  ({ readonly value: number } | { readonly value: null; readonly suppressed: SuppressionReason });

export interface SuppressionOptions<D extends string> {
  /** The smallest group that may be published (the default is 10). */
  readonly threshold: number;
  readonly dimensions: readonly D[];
  /** True when a total is the sum of its members (counts); false for means and rates. */
  readonly additive: boolean;
}

/** The indexes of a total (first) and of the cells it sums along one dimension. */
interface Line {
  readonly cells: readonly number[];
}

type Values = readonly (string | null)[];

/** A published cell that could complement a line, and how well (lower first). */
interface Candidate {
  readonly index: number;
  readonly rank: readonly number[];
}

/**
 * Decides, for each cell, whether it is published or suppressed, and returns the cells in the input's order.
 * Deterministic and independent of the input's order: lines and ties follow the cells' coordinates.
 * Totals the caller leaves out are not published; a cell absent from the table is taken as empty.
 * Throws a RangeError on a threshold below 1, negative people, a missing dimension, or (additive measures)
 * two cells at one place.
 */
export function suppress<D extends string>(cells: readonly Cell<D>[], options: SuppressionOptions<D>): SuppressedCell<D>[] {
  const { threshold, dimensions } = options;
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`threshold must be an integer ≥ 1, not ${threshold}`);
  const values = cells.map((cell, index) => valuesOf(cell, index, dimensions));
  const reasons = cells.map((cell): SuppressionReason | null => (cell.people > 0 && cell.people < threshold ? 'small' : null));
  if (options.additive) {
    const keys = values.map(keyOf);
    addComplements(linesOf(values, keys), cells, keys, reasons);
  }
  return cells.map((cell, index) => {
    const coordinates = Object.fromEntries(dimensions.map((dimension) => [dimension, cell.coordinates[dimension]]));
    const reason = reasons[index];
    return (reason ? { ...coordinates, value: null, suppressed: reason } : { ...coordinates, value: cell.value }) as SuppressedCell<D>;
  });
}

function valuesOf<D extends string>(cell: Cell<D>, index: number, dimensions: readonly D[]): Values {
  if (!Number.isFinite(cell.people) || cell.people < 0) throw new RangeError(`cell ${index} has ${cell.people} people`);
  return dimensions.map((dimension) => {
    const value = cell.coordinates[dimension];
    if (value === undefined) throw new RangeError(`cell ${index} has no ${dimension}`);
    return value;
  });
}

const keyOf = (values: Values): string => JSON.stringify(values);

const replaced = (values: Values, position: number, value: string): Values =>
  values.map((current, index) => (index === position ? value : current));

/**
 * Every line of the table: for each total and each dimension it sums, the total then the cells below it along
 * that dimension. When a sub-total is missing (a grand total published without row totals), the line reaches
 * down to the cells that make it up, since the published total still equals their sum.
 */
function linesOf(values: readonly Values[], keys: readonly string[]): Line[] {
  const indexByKey = new Map<string, number>();
  keys.forEach((key, index) => {
    if (indexByKey.has(key)) throw new RangeError(`cells ${indexByKey.get(key)} and ${index} are both at ${key}`);
    indexByKey.set(key, index);
  });
  const width = values[0]?.length ?? 0;
  const domains = Array.from({ length: width }, (_, position) =>
    [...new Set(values.map((cell) => cell[position]).filter((value) => value !== null))].sort());
  const below = (cell: Values): number[] => {
    const index = indexByKey.get(keyOf(cell));
    if (index !== undefined) return [index];
    const open = cell.indexOf(null);
    return open < 0 ? [] : domains[open].flatMap((value) => below(replaced(cell, open, value)));
  };
  const totals = values.flatMap((cell, index) => (cell.includes(null) ? [index] : []))
    .sort((a, b) => compare(keys[a], keys[b]));
  return totals.flatMap((total) => values[total].flatMap((value, position) => {
    if (value !== null) return [];
    const members = domains[position].flatMap((member) => below(replaced(values[total], position, member)));
    return members.length > 0 ? [{ cells: [total, ...members] }] : [];
  }));
}

/**
 * Hides one more cell in every line with exactly one hidden, until none is left; it only ever adds, so it ends.
 * The complement is, in order: a non-empty cell (an empty one is often known to be empty, so hiding it hides
 * nothing), one that also completes another line with a single hidden cell (a rectangle instead of a chain
 * across the table), the fewest people, then the first by coordinates.
 */
function addComplements<D extends string>(
  lines: readonly Line[],
  cells: readonly Cell<D>[],
  keys: readonly string[],
  reasons: (SuppressionReason | null)[],
): void {
  const linesByCell = cells.map((): number[] => []);
  lines.forEach((line, lineIndex) => line.cells.forEach((index) => linesByCell[index].push(lineIndex)));
  const hidden = lines.map((line) => line.cells.filter((index) => reasons[index] !== null).length);
  const rank = (index: number, lineIndex: number): number[] => [
    cells[index].people === 0 ? 1 : 0,
    linesByCell[index].some((other) => other !== lineIndex && hidden[other] === 1) ? 0 : 1,
    cells[index].people,
  ];
  const before = (a: Candidate, b: Candidate): boolean => (compareRanks(a.rank, b.rank) || compare(keys[a.index], keys[b.index])) < 0;
  let changed = true;
  while (changed) {
    changed = false;
    lines.forEach((line, lineIndex) => {
      if (hidden[lineIndex] !== 1) return;
      // A line has a total and at least one member, so with one hidden there is always a published one.
      const complement = line.cells
        .filter((index) => reasons[index] === null)
        .map((index) => ({ index, rank: rank(index, lineIndex) }))
        .reduce((best, next) => (before(next, best) ? next : best));
      reasons[complement.index] = 'complementary';
      for (const other of linesByCell[complement.index]) hidden[other] += 1;
      changed = true;
    });
  }
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return a[index] - b[index];
  return 0;
}

/** Code-unit order, the same in every locale. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
