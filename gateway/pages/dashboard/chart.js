// The daily SSO logins as a line drawn with uPlot (loaded by the page as a classic script: window.uPlot), with
// a one-sentence summary and the same values in a table, so the chart is never the only way to read them.
import { el, fillTable } from '../page-kit/dom.js';
import { dayLabel } from '../page-kit/format.js';
import { cellContent } from './aggregates.js';

let chart = null;

/** `days`: ISO dates in order; `cells`: each day's total cell (its value null when suppressed). */
export function renderLogins(container, summary, table, days, cells) {
  chart?.destroy();
  const seconds = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const values = cells.map((cell) => cell.value ?? null);
  const width = Math.max(container.clientWidth, 320);
  chart = new window.uPlot({
    width,
    height: 260,
    tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), 'UTC'),
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, 1) * 1.1] } },
    axes: [
      { stroke: '#1a1a1a', grid: { stroke: '#dddddd' }, values: (_u, ticks) => ticks.map((ts) => shortDay(ts)) },
      { stroke: '#1a1a1a', grid: { stroke: '#dddddd' } },
    ],
    series: [{}, { label: 'Connexions', stroke: '#000091', width: 2, fill: 'rgba(0, 0, 145, 0.08)', points: { show: true, size: 6 } }],
  }, [seconds, values], container);

  const known = values.filter((value) => value !== null);
  const total = known.reduce((sum, value) => sum + value, 0);
  summary.textContent = known.length
    ? `Du ${dayLabel(days[0])} au ${dayLabel(days.at(-1))} : ${total.toLocaleString('fr-FR')} connexions sur les ${known.length} jours publiés`
      + (known.length < days.length ? ` (${plural(days.length - known.length, 'jour')} en secret statistique, laissés vides).` : '.')
    : 'Aucune valeur publiée sur ces 14 jours (secret statistique).';
  fillTable(table, 'Connexions par jour', ['Jour', 'Connexions'],
    days.map((day, i) => el('tr', {}, el('th', { scope: 'row' }, dayLabel(day)), el('td', { class: 'number' }, cellContent(cells[i])))));
}

const plural = (n, word) => `${n} ${word}${n > 1 ? 's' : ''}`;

const shortFormat = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const shortDay = (seconds) => shortFormat.format(seconds * 1000);
