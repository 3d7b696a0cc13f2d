// Building the page's elements with text nodes only (no innerHTML: names come from the API).

/** `el('td', { class: 'x', dataset: { hour: '08:00' } }, 'text', child)` */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** Text that screen readers read and sighted readers need not (it repeats what the layout shows). */
export const hidden = (text) => el('span', { class: 'visually-hidden' }, text);

/** Replaces a table's contents: a caption, one header row of column headers, then body rows of cells. */
export function fillTable(table, caption, headers, rows) {
  table.replaceChildren(
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map((header) => el('th', { scope: 'col' }, header)))),
    el('tbody', {}, rows),
  );
}
