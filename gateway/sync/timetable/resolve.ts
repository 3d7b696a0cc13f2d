// Matching what a timetable names to the roster of its establishment: by the exporting software's own id (as
// this source delivered it, then as any source did), then by code (classes, groups, rooms, subjects) or by name
// (teachers: family and given name, then family name alone), each only when it designates one record. Vie-scolaire
// software and the roster's sources rarely share ids, so codes and names are what usually match.
import type { ResourceRef } from '../../../connectors/kit/timetable.js';
import type { IndexedRecord } from '../../store/timetable/roster-index.js';

type Kind = IndexedRecord['entity'];

/** Upper case, without accents, spaces, dots or dashes: `4ème B` and `4EME-B` are one code. */
export function matchKey(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[\s.\-_']/g, '').toUpperCase();
}

export class RosterMatcher {
  readonly #bySource = new Map<string, IndexedRecord[]>();
  readonly #byAnySource = new Map<string, IndexedRecord[]>();
  readonly #byCode = new Map<string, IndexedRecord[]>();
  readonly #byName = new Map<string, IndexedRecord[]>();

  constructor(records: readonly IndexedRecord[], private readonly source: string) {
    const add = (map: Map<string, IndexedRecord[]>, key: string, record: IndexedRecord) => map.set(key, [...(map.get(key) ?? []), record]);
    for (const record of records) {
      for (const [name, id] of Object.entries(record.sourceIds)) {
        if (name === source) add(this.#bySource, `${record.entity}/${id}`, record);
        add(this.#byAnySource, `${record.entity}/${id}`, record);
      }
      if (record.code) add(this.#byCode, `${record.entity}/${matchKey(record.code)}`, record);
      if (record.entity !== 'person' && record.name) add(this.#byName, `${record.entity}/${matchKey(record.name)}`, record);
      if (record.entity === 'person' && record.familyName) {
        add(this.#byName, `person/${matchKey(record.familyName)}`, record);
        if (record.givenName) add(this.#byName, `person/${matchKey(record.familyName)}/${matchKey(record.givenName)}`, record);
      }
    }
  }

  /** The one record `ref` designates, or undefined when it designates none or several. */
  find(kind: Kind, ref: ResourceRef): IndexedRecord | undefined {
    const keys: [Map<string, IndexedRecord[]>, string][] = [];
    if (ref.sourceId) keys.push([this.#bySource, `${kind}/${ref.sourceId}`], [this.#byAnySource, `${kind}/${ref.sourceId}`]);
    if (kind === 'person') {
      if (ref.familyName && ref.givenName) keys.push([this.#byName, `person/${matchKey(ref.familyName)}/${matchKey(ref.givenName)}`]);
      if (ref.familyName) keys.push([this.#byName, `person/${matchKey(ref.familyName)}`]);
    } else {
      if (ref.code) keys.push([this.#byCode, `${kind}/${matchKey(ref.code)}`]);
      if (ref.name) keys.push([this.#byName, `${kind}/${matchKey(ref.name)}`]);
      // A file that names a room or a subject by one word may give it as either.
      if (ref.code) keys.push([this.#byName, `${kind}/${matchKey(ref.code)}`]);
    }
    for (const [map, key] of keys) {
      const found = map.get(key);
      if (found?.length === 1) return found[0];
    }
    return undefined;
  }

  /** How a ref reads in a problem: its code, name or source id. */
  static label(ref: ResourceRef): string {
    return ref.code ?? ([ref.familyName, ref.givenName].filter(Boolean).join(' ') || ref.name || ref.sourceId || '?');
  }

  get sourceName(): string {
    return this.source;
  }
}
