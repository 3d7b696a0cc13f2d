import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suppress, type Cell, type SuppressedCell } from '../../gateway/aggregates/suppression.js';

type Dimension = 'departement' | 'establishmentType';
const BOTH: readonly Dimension[] = ['departement', 'establishmentType'];
const COUNT = { threshold: 10, dimensions: BOTH, additive: true };

/** A count by type, then its total (a count: people and value are the same number). */
function byType(counts: Record<string, number>): Cell<'establishmentType'>[] {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return [...Object.entries(counts), [null, total] as const].map(([establishmentType, count]) =>
    ({ coordinates: { establishmentType }, people: count, value: count }));
}

/** A count by département and type, with the totals each `margins` names: rows, columns and the grand total. */
function departementsByType(
  grid: Record<string, Record<string, number>>,
  margins: { rows: boolean; columns: boolean; grand: boolean } = { rows: true, columns: true, grand: true },
): Cell<Dimension>[] {
  const types = Object.keys(Object.values(grid)[0] ?? {});
  const cell = (departement: string | null, establishmentType: string | null, count: number): Cell<Dimension> =>
    ({ coordinates: { departement, establishmentType }, people: count, value: count });
  const sum = (counts: number[]): number => counts.reduce((total, count) => total + count, 0);
  const rows = Object.entries(grid);
  return [
    ...rows.flatMap(([departement, counts]) => [
      ...types.map((type) => cell(departement, type, counts[type])),
      ...(margins.rows ? [cell(departement, null, sum(Object.values(counts)))] : []),
    ]),
    ...(margins.columns ? types.map((type) => cell(null, type, sum(rows.map(([, counts]) => counts[type])))) : []),
    ...(margins.grand ? [cell(null, null, sum(rows.flatMap(([, counts]) => Object.values(counts))))] : []),
  ];
}

const place = (coordinates: Record<string, string | null>): string => JSON.stringify(coordinates);

/** The suppressed cells by place, with their reason. */
function hiddenOf<D extends string>(cells: readonly SuppressedCell<D>[], dimensions: readonly D[]): Record<string, string> {
  return Object.fromEntries(cells.flatMap((cell) => ('suppressed' in cell
    ? [[place(Object.fromEntries(dimensions.map((dimension) => [dimension, cell[dimension]]))), cell.suppressed]]
    : [])));
}

/** Every line of a table with all its margins: a total and the cells it sums along one dimension. */
function linesOf<D extends string>(cells: readonly Cell<D>[], dimensions: readonly D[]): number[][] {
  const lines = new Map<string, number[]>();
  cells.forEach((cell, index) => {
    for (const dimension of dimensions) {
      const total = place({ ...cell.coordinates, [dimension]: null });
      const line = lines.get(`${dimension} ${total}`) ?? [cells.findIndex((other) => place(other.coordinates) === total)];
      if (cell.coordinates[dimension] !== null) lines.set(`${dimension} ${total}`, [...line, index]);
    }
  });
  return [...lines.values()];
}

const hiddenCounts = <D extends string>(lines: number[][], result: readonly SuppressedCell<D>[]): number[] =>
  lines.map((line) => line.filter((index) => result[index].value === null).length);

/** Checks the promises on any table with all its margins. */
function expectSafe<D extends string>(cells: readonly Cell<D>[], dimensions: readonly D[], threshold: number): void {
  const result = suppress(cells, { threshold, dimensions, additive: true });
  expect(hiddenCounts(linesOf(cells, dimensions), result)).not.toContain(1);
  cells.forEach((cell, index) => {
    const published = result[index];
    if (cell.people > 0 && cell.people < threshold) expect(published).toMatchObject({ value: null, suppressed: 'small' });
    if (published.value !== null) expect(published.value).toBe(cell.value);
    else expect(['small', 'complementary']).toContain('suppressed' in published && published.suppressed);
  });
}

const at = (departement: string | null, establishmentType: string | null): string => place({ departement, establishmentType });

describe('suppression of a table by one dimension with its total', () => {
  it('hides a small cell and, as its complement, the smallest sibling', () => {
    const result = suppress(byType({ college: 120, lycee: 25, ecole: 4, erea: 12 }), { ...COUNT, dimensions: ['establishmentType'] });
    expect(result).toEqual([
      { establishmentType: 'college', value: 120 },
      { establishmentType: 'lycee', value: 25 },
      { establishmentType: 'ecole', value: null, suppressed: 'small' },
      { establishmentType: 'erea', value: null, suppressed: 'complementary' },
      { establishmentType: null, value: 161 },
    ]);
  });

  it('publishes an empty cell, and prefers a non-empty complement to it', () => {
    const options = { ...COUNT, dimensions: ['establishmentType'] as const };
    expect(hiddenOf(suppress(byType({ college: 0, lycee: 4, ecole: 30 }), options), ['establishmentType'])).toEqual({
      [place({ establishmentType: 'lycee' })]: 'small', [place({ establishmentType: 'ecole' })]: 'complementary',
    });
    expect(suppress(byType({ college: 0, lycee: 0 }), options).map((cell) => cell.value)).toEqual([0, 0, 0]);
  });

  it('moves with the threshold', () => {
    const cells = byType({ college: 40, lycee: 25, ecole: 4, erea: 12 });
    const hiddenTypes = (threshold: number): (string | null)[] =>
      suppress(cells, { threshold, dimensions: ['establishmentType'], additive: true })
        .filter((cell) => cell.value === null).map((cell) => cell.establishmentType);
    expect(hiddenTypes(1)).toEqual([]);
    expect(hiddenTypes(5)).toEqual(['ecole', 'erea']);
    expect(hiddenTypes(13)).toEqual(['ecole', 'erea']);
    expect(hiddenTypes(26)).toEqual(['lycee', 'ecole', 'erea']);
    expect(hiddenTypes(82)).toEqual(['college', 'lycee', 'ecole', 'erea', null]);
  });

  it('hides only small cells of a mean, which no subtraction recovers', () => {
    const classSize = [
      { coordinates: { establishmentType: 'college' }, people: 240, value: 24.1 },
      { coordinates: { establishmentType: 'erea' }, people: 8, value: 8 },
      { coordinates: { establishmentType: null }, people: 248, value: 23.6 },
    ];
    expect(suppress(classSize, { threshold: 10, dimensions: ['establishmentType'], additive: false })).toEqual([
      { establishmentType: 'college', value: 24.1 },
      { establishmentType: 'erea', value: null, suppressed: 'small' },
      { establishmentType: null, value: 23.6 },
    ]);
  });
});

describe('suppression of a table by département and type with its margins', () => {
  const grid = {
    '069': { college: 120, lycee: 80, ecole: 4 },
    '001': { college: 40, lycee: 25, ecole: 30 },
    '038': { college: 15, lycee: 12, ecole: 60 },
  };

  it('follows a small cell through its row and its column until every line hides 0 or at least 2 cells', () => {
    const cells = departementsByType(grid);
    const result = suppress(cells, COUNT);
    expect(hiddenOf(result, BOTH)).toEqual({
      [at('069', 'ecole')]: 'small',
      [at('069', 'lycee')]: 'complementary', // the smallest of its row
      [at('001', 'ecole')]: 'complementary', // the smallest of its column
      [at('001', 'lycee')]: 'complementary', // closes both the lycée column and the 001 row
    });
    for (const count of hiddenCounts(linesOf(cells, BOTH), result)) expect(count === 0 || count >= 2).toBe(true);
  });

  it('hides a total with the one cell it sums', () => {
    const cells = departementsByType({ '069': { college: 4 }, '038': { college: 30 } });
    expect(hiddenOf(suppress(cells, COUNT), BOTH)).toEqual({
      [at('069', 'college')]: 'small', [at('069', null)]: 'small',
      [at('038', 'college')]: 'complementary', [at('038', null)]: 'complementary',
    });
  });

  it('hides a non-empty total rather than an empty sibling', () => {
    const cells = departementsByType({ '069': { college: 4, lycee: 30 }, '038': { college: 15, lycee: 0 } });
    const hidden = hiddenOf(suppress(cells, COUNT), BOTH);
    expect(hidden).toMatchObject({ [at('038', 'college')]: 'complementary', [at('038', null)]: 'complementary' });
    expect(hidden[at('038', 'lycee')]).toBeUndefined();
  });

  it('guards a grand total published without row or column totals', () => {
    const cells = departementsByType(grid, { rows: false, columns: false, grand: true });
    expect(hiddenOf(suppress(cells, COUNT), BOTH)).toEqual({
      [at('069', 'ecole')]: 'small', [at('038', 'lycee')]: 'complementary',
    });
  });

  it('gives the same answer to the same table, in any order', () => {
    const cells = departementsByType(grid);
    const reversed = [...cells].reverse();
    expect(suppress(cells, COUNT)).toEqual(suppress(cells, COUNT));
    expect(suppress(reversed, COUNT)).toEqual(suppress(cells, COUNT).reverse());
  });

  it('refuses a threshold below 1, negative people, a missing dimension and two cells at one place', () => {
    const cells = departementsByType(grid);
    expect(() => suppress(cells, { ...COUNT, threshold: 0 })).toThrow(RangeError);
    expect(() => suppress([{ ...cells[0], people: -1 }], COUNT)).toThrow(RangeError);
    expect(() => suppress(cells, { ...COUNT, dimensions: [...BOTH, 'sector' as Dimension] })).toThrow(/no sector/);
    expect(() => suppress([cells[0], cells[0]], COUNT)).toThrow(/both at/);
  });
});

describe('suppression of random tables with all their margins', () => {
  const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }));
  const threshold = fc.integer({ min: 1, max: 15 });

  it('never leaves a line with exactly one hidden cell, hides every small cell and publishes the rest as given', () => {
    const grids = fc.integer({ min: 1, max: 5 }).chain((columns) =>
      fc.array(fc.array(count, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 5 }));
    fc.assert(fc.property(grids, threshold, (grid, smallest) => {
      const cells = departementsByType(Object.fromEntries(grid.map((row, r) =>
        [`0${10 + r}`, Object.fromEntries(row.map((people, c) => [`type${c}`, people]))])));
      expectSafe(cells, BOTH, smallest);
    }), { numRuns: 300 });
  });

  it('keeps the same promises on tables by three dimensions', () => {
    const dimensions = ['departement', 'establishmentType', 'sector'] as const;
    const cubes = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }))
      .chain((sizes) => fc.array(count, { minLength: sizes[0] * sizes[1] * sizes[2], maxLength: sizes[0] * sizes[1] * sizes[2] })
        .map((counts) => ({ sizes, counts })));
    fc.assert(fc.property(cubes, threshold, ({ sizes: [, types, sectors], counts }, smallest) => {
      const leaves = counts.map((people, index): [string[], number] =>
        [[`d${Math.floor(index / (types * sectors))}`, `t${Math.floor(index / sectors) % types}`, `s${index % sectors}`], people]);
      expectSafe(withAllMargins(dimensions, leaves), dimensions, smallest);
    }), { numRuns: 200 });
  });
});

/** A count table and every margin of it: each cell summed over any set of its dimensions. */
function withAllMargins<D extends string>(dimensions: readonly D[], leaves: readonly [string[], number][]): Cell<D>[] {
  const sums = new Map<string, number>();
  for (const [values, people] of leaves) {
    for (let margin = 0; margin < 2 ** dimensions.length; margin += 1) {
      const key = JSON.stringify(values.map((value, position) => (margin & (1 << position) ? null : value)));
      sums.set(key, (sums.get(key) ?? 0) + people);
    }
  }
  return [...sums].map(([key, people]) => {
    const values = JSON.parse(key) as (string | null)[];
    const coordinates = Object.fromEntries(dimensions.map((dimension, position) => [dimension, values[position]]));
    return { coordinates: coordinates as Record<D, string | null>, people, value: people };
  });
}
