// The académie's federating directory files for ENTs (AAF, `ficAlimMENESR`, version AAF-VE1301): each file a
// list of addRequest (complete files), modifyRequest and deleteRequest (delta files), read as they stream by.
// Values are plain text; multi-valued attributes repeat <value>; sub-fields inside a value are separated by `$`.
// A whole académie's delivery is hundreds of MB, so requests are made straight from the parser's events, with
// no element tree in between.
import type { ConnectorProblem } from '../kit/problem.js';
import { ReaderThread } from '../kit/worker-reader.js';
import { readXmlEvents } from '../kit/xml.js';

export interface AafRequest {
  kind: 'add' | 'modify' | 'delete';
  /** `Eleve`, `PersEducNat`, `PersRelEleve`, `EtabEducNat`, `MatEducNat`, `MefEducNat`… */
  category: string;
  id: string;
  /** Attribute name → its values (empty values left out). For a modify, the replaced attributes. */
  attributes: Record<string, string[]>;
  line: number;
}

export type AafItem = { kind: 'request'; request: AafRequest } | { kind: 'problem'; problem: ConnectorProblem };

const KINDS: Record<string, AafRequest['kind']> = { addRequest: 'add', modifyRequest: 'modify', deleteRequest: 'delete' };

type Part = 'operational' | 'identifier' | 'attributes';

/** A request being read: the first of each part counts, as in `<operationalAttributes>`'s first attr's first value. */
interface Draft {
  element: string;
  line: number;
  category?: string;
  id?: string;
  attributes: Record<string, string[]>;
  /** Which part of the request the parser is in, and which parts have been seen. */
  part?: Part;
  seen: Set<Part>;
  /** Whether `<operationalAttributes>` had its first attr: only that one names the category. */
  categoryAttrSeen: boolean;
  /** The attribute whose <value> elements are being read. */
  attribute?: { name: string; values: string[] } | false;
  /** The element whose text is being gathered (a <value> or an <id>), at its depth. */
  text?: { depth: number; chunks: string[] };
}

export interface AafReadOptions {
  file: string;
  /** The attributes to keep (all when absent): the others' values are skipped as they stream by. */
  attributes?: readonly string[];
}

/** The requests of one AAF file, with a problem for each request that lacks its category or identifier. */
export async function* readAafRequests(source: AsyncIterable<Buffer | Uint8Array>, options: AafReadOptions): AsyncGenerator<AafItem> {
  const kept = options.attributes && new Set(options.attributes);
  yield* readXmlEvents<AafItem>(source, options.file, (parser, emit) => {
    let depth = 0; // of the element just opened: the root is 1, a request 2, its parts 3, their children 4, values 5
    let draft: Draft | undefined;

    parser.on('opentag', (tag) => {
      depth += 1;
      if (depth === 2) {
        if (tag.name in KINDS) draft = { element: tag.name, line: parser.line, attributes: {}, seen: new Set(), categoryAttrSeen: false };
        return;
      }
      if (!draft || draft.text) return;
      if (depth === 3) {
        const part: Part | undefined = tag.name === 'operationalAttributes' ? 'operational' : tag.name === 'identifier' ? 'identifier'
          : tag.name === 'attributes' || tag.name === 'modifications' ? 'attributes' : undefined;
        // Only the first of each part is read.
        draft.part = part && !draft.seen.has(part) ? part : undefined;
        if (draft.part) draft.seen.add(draft.part);
      } else if (depth === 4 && draft.part === 'identifier') {
        if (tag.name === 'id' && draft.id === undefined) draft.text = { depth, chunks: [] };
      } else if (depth === 4 && draft.part === 'operational') {
        draft.attribute = tag.name === 'attr' && !draft.categoryAttrSeen && { name: '', values: [] };
        if (draft.attribute) draft.categoryAttrSeen = true;
      } else if (depth === 4 && draft.part === 'attributes') {
        const name = tag.attributes.name as string | undefined;
        draft.attribute = (tag.name === 'attr' || tag.name === 'modification') && !!name && (!kept || kept.has(name)) && { name, values: [] };
      } else if (depth === 5 && draft.attribute && tag.name === 'value') {
        draft.text = { depth, chunks: [] };
      }
    });
    const addText = (text: string) => {
      if (draft?.text?.depth === depth) draft.text.chunks.push(text);
    };
    parser.on('text', addText);
    parser.on('cdata', addText);
    parser.on('closetag', () => {
      const closing = depth;
      depth -= 1;
      if (!draft) return;
      if (draft.text) {
        if (draft.text.depth !== closing) return;
        const text = draft.text.chunks.join('').trim();
        draft.text = undefined;
        if (draft.part === 'identifier') draft.id = text;
        else if (draft.part === 'operational') draft.category ??= text;
        else if (draft.attribute && text !== '') draft.attribute.values.push(text);
      } else if (closing === 4 && draft.attribute) {
        if (draft.part === 'attributes') draft.attributes[draft.attribute.name] = draft.attribute.values;
        draft.attribute = undefined;
      } else if (closing === 3) {
        draft.part = undefined;
      } else if (closing === 2) {
        emit(itemOf(draft, options.file));
        draft = undefined;
      }
    });
  });
}

/** A worker thread that reads AAF files as readAafRequests does: for the largest files, so that parsing and importing share the cores. */
export function aafReaderThread(): ReaderThread {
  return new ReaderThread({ module: import.meta.url, exportName: 'readAafRequests' });
}

function itemOf(draft: Draft, file: string): AafItem {
  const { category, id } = draft;
  if (!category || !id) {
    return { kind: 'problem', problem: {
      file, line: draft.line, field: category ? 'identifier' : 'operationalAttributes', code: 'invalid-request', severity: 'error',
      detail: `${draft.element} has no ${category ? 'identifier/id' : 'category (operationalAttributes/attr/value)'}`,
    } };
  }
  return { kind: 'request', request: { kind: KINDS[draft.element], category, id, attributes: draft.attributes, line: draft.line } };
}
