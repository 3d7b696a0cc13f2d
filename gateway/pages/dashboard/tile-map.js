// The "map" by département: no geographic outline is available offline, so one square per département of the
// answer, in code order, coloured by its number of pupils in five bands, the number written in each square
// (colour is never the only carrier) and a legend giving each band's range.
import { el } from '../page-kit/dom.js';
import { integerText } from '../page-kit/format.js';
import { cellContent } from './aggregates.js';

const BANDS = 5;

/** `cells`: the pupils answer's cells by département code (Map, total left out). */
export function renderTileMap(list, legend, cells) {
  const codes = [...cells.keys()].sort();
  const max = Math.max(0, ...codes.map((code) => cells.get(code).value ?? 0));
  const bandOf = (value) => (max === 0 ? 0 : Math.min(BANDS - 1, Math.floor((value / max) * BANDS)));
  list.replaceChildren(...codes.map((code) => {
    const cell = cells.get(code);
    const band = cell.value === null || cell.value === undefined ? 'none' : String(bandOf(cell.value));
    return el('li', { class: `tile band-${band}`, dataset: { departement: code } },
      el('span', { class: 'tile-code' }, code),
      el('span', { class: 'tile-value' }, cellContent(cell)));
  }));
  const step = max / BANDS;
  legend.replaceChildren(
    ...Array.from({ length: BANDS }, (_, band) => el('li', {},
      el('span', { class: `swatch band-${band}`, 'aria-hidden': 'true' }),
      band === BANDS - 1
        ? `de ${integerText(step * band)} à ${integerText(max)} élèves`
        : `de ${integerText(step * band)} à moins de ${integerText(step * (band + 1))} élèves`)),
    el('li', {}, el('span', { class: 'swatch band-none', 'aria-hidden': 'true' }), 'secret statistique'),
  );
}
