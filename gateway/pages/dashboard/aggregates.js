// Reading the aggregates feed: one measure over a territory, by up to three dimensions, and the cells of its
// answer as values the page can show, a suppressed cell keeping its reason.
import { apiGet } from './api.js';
import { el } from '../page-kit/dom.js';

/** `GET v1/aggregates/{measure}` as JSON; `query` holds territory, by, from and to. */
export async function aggregate(measure, query) {
  return (await apiGet(aggregatePath(measure, query))).json();
}

export function aggregatePath(measure, query) {
  const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value));
  return `v1/aggregates/${measure}?${params}`;
}

/** The cell whose dimensions are all null: the total over the territory. */
export function totalCell(answer) {
  return answer.cells.find((cell) => answer.by.every((dimension) => cell[dimension] === null)) ?? { value: null };
}

/** The total of each of `days` in an answer split by day, in their order: a day with nothing to count is 0. */
export function dailyTotals(answer, days) {
  const tables = new Map(answer.series.map((table) => [table.from, table]));
  return days.map((day) => {
    const table = tables.get(day);
    return table?.cells.length ? totalCell({ by: answer.by, cells: table.cells }) : { value: 0 };
  });
}

/** The cells split by `dimension` (its total left out), keyed by its value. */
export function cellsBy(answer, dimension) {
  return new Map(answer.cells.filter((cell) => cell[dimension] !== null).map((cell) => [cell[dimension], cell]));
}

const SUPPRESSION_REASONS = {
  small: 'Valeur masquée : elle porte sur trop peu de personnes.',
  complementary: 'Valeur masquée : elle permettrait de retrouver une autre valeur masquée.',
};

const numberFormat = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/** A cell's value as text (`14,4`, `25 %`), or null when there is none to show. */
export function valueText(cell, unit = '') {
  if (cell?.value === null || cell?.value === undefined) return null;
  return `${numberFormat.format(cell.value)}${unit}`;
}

/**
 * What a cell shows: its value, « secret statistique » with the reason in a title and an accessible name, or
 * a dash when there is nothing to measure (a mean over no class).
 */
export function cellContent(cell, unit = '') {
  if (cell?.suppressed) {
    const reason = SUPPRESSION_REASONS[cell.suppressed] ?? 'Valeur masquée.';
    return el('span', { class: 'secret', title: reason, 'aria-label': `secret statistique. ${reason}`, dataset: { suppressed: cell.suppressed } }, 'secret statistique');
  }
  return valueText(cell, unit) ?? el('span', { 'aria-label': 'aucune donnée' }, '–');
}
