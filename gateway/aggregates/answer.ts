// An aggregates answer: the measure's value in each cell of the territory by the requested dimensions, margins
// included, with the cells that would reveal a small group suppressed (suppression.ts), as JSON or CSV.
import type { Dimension, FactCell } from '../store/aggregates/cells.js';
import { MEASURES, type MeasureName } from './measures.js';
import { suppress, type SuppressedCell } from './suppression.js';

export interface AggregatesAnswer {
  readonly measure: MeasureName;
  readonly territory: string;
  readonly by: readonly Dimension[];
  readonly threshold: number;
  /** The dates a measure over time covers (sso-logins). */
  readonly from?: string;
  readonly to?: string;
  /** When the facts behind the cells were brought up to date. */
  readonly freshAt: string;
  readonly cells: readonly SuppressedCell<Dimension>[];
}

export function aggregatesAnswer(
  measure: MeasureName,
  request: { territory: string; by: readonly Dimension[]; threshold: number; from?: string; to?: string },
  facts: { cells: readonly FactCell[]; freshAt: Date },
): AggregatesAnswer {
  const definition = MEASURES[measure];
  const cells = facts.cells.flatMap((cell) => {
    const value = definition.value(cell);
    if (value === undefined) return [];
    const coordinates = Object.fromEntries(request.by.map((d) => [d, cell.dimensions[d] ?? null])) as Record<Dimension, string | null>;
    return [{ coordinates, people: definition.people(cell), value }];
  });
  return {
    measure,
    territory: request.territory,
    by: request.by,
    threshold: request.threshold,
    ...(request.from ? { from: request.from, to: request.to } : {}),
    freshAt: facts.freshAt.toISOString(),
    cells: suppress(cells, { threshold: request.threshold, dimensions: request.by, additive: definition.additive }),
  };
}

/** One line per cell: the dimensions (empty for a total), the value (empty when suppressed) and why. */
export function aggregatesCsv(answer: AggregatesAnswer): string {
  const header = [...answer.by, 'value', 'suppressed'];
  const lines = answer.cells.map((cell) => {
    const row = cell as Record<string, string | number | null | undefined>;
    return [...answer.by.map((d) => row[d] ?? ''), row.value ?? '', row.suppressed ?? ''].map(csvField).join(';');
  });
  return `${[header.join(';'), ...lines].join('\r\n')}\r\n`;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
