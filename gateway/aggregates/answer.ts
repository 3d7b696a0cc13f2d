// An aggregates answer: the measure's value in each cell of the territory by the requested dimensions, margins
// included, with the cells that would reveal a small group suppressed (suppression.ts), as JSON or CSV. Split by
// period, it is a series of such tables, one per period, each suppressed on its own.
import type { Dimension, FactCell, Period } from '../store/aggregates/cells.js';
import { MEASURES, type MeasureName } from './measures.js';
import { periodsBetween } from './periods.js';
import { suppress, type SuppressedCell } from './suppression.js';

/** A cell has a field for each dimension of `by` only. */
type Cells = readonly (SuppressedCell<never> & Readonly<Partial<Record<Dimension, string | null>>>)[];

export interface AggregatesRequest {
  readonly territory: string;
  readonly by: readonly Dimension[];
  readonly threshold: number;
  /** The dates of a measure over time, and the periods to split them in. */
  readonly from?: string;
  readonly to?: string;
  readonly period?: Period;
  /** Sync health: how old a last successful import may be before its establishment counts as stale. */
  readonly staleDays?: number;
}

export interface AggregatesAnswer extends Omit<AggregatesRequest, 'by'> {
  readonly measure: MeasureName;
  readonly by: readonly Dimension[];
  /** When the facts behind the cells were brought up to date. */
  readonly freshAt: string;
  /** Without a period. */
  readonly cells?: Cells;
  /** With a period: one table per period of the dates, in order (empty when it has nothing to count). */
  readonly series?: readonly { from: string; to: string; cells: Cells }[];
}

export function aggregatesAnswer(measure: MeasureName, request: AggregatesRequest, facts: { cells: readonly FactCell[]; freshAt: Date }): AggregatesAnswer {
  const head = { measure, ...request, freshAt: facts.freshAt.toISOString() };
  const { period, from, to } = request;
  if (!period || !from || !to) return { ...head, cells: table(measure, request.by, request.threshold, facts.cells) };
  const byPeriod = new Map<string | undefined, FactCell[]>();
  for (const cell of facts.cells) {
    const cells = byPeriod.get(cell.period);
    if (cells) cells.push(cell);
    else byPeriod.set(cell.period, [cell]);
  }
  return {
    ...head,
    series: periodsBetween(from, to, period).map((span) => ({
      from: span.from,
      to: span.to,
      cells: table(measure, request.by, request.threshold, byPeriod.get(span.start) ?? []),
    })),
  };
}

function table(measure: MeasureName, by: readonly Dimension[], threshold: number, facts: readonly FactCell[]): Cells {
  const definition = MEASURES[measure];
  const cells = facts.flatMap((cell) => {
    const value = definition.value(cell);
    if (value === undefined) return [];
    const coordinates = Object.fromEntries(by.map((d) => [d, cell.dimensions[d] ?? null])) as Record<Dimension, string | null>;
    return [{ coordinates, people: definition.people(cell), value }];
  });
  return suppress(cells, { threshold, dimensions: by, additive: definition.additive });
}

/**
 * One line per cell: the period's first day (in a series), the dimensions (empty for a total), the value (empty
 * when suppressed) and why.
 */
export function aggregatesCsv(answer: AggregatesAnswer): string {
  const series = answer.series ?? [{ from: undefined, cells: answer.cells ?? [] }];
  const header = [...(answer.series ? ['period'] : []), ...answer.by, 'value', 'suppressed'];
  const lines = series.flatMap((entry) => entry.cells.map((cell) => {
    const row = cell as Record<string, string | number | null | undefined>;
    const fields = [...answer.by.map((d) => row[d] ?? ''), row.value ?? '', row.suppressed ?? ''];
    return (entry.from ? [entry.from, ...fields] : fields).map(csvField).join(';');
  }));
  return `${[header.join(';'), ...lines].join('\r\n')}\r\n`;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
