// Reads an EDT file as it streams by and tells which of its three documents it is from the root element:
// `TABLE` (EXP_COURS.xml), `ExportEmploiDuTemps` (the partner export in clear) or `EXPORT_INDEX_EDUCATION` (the
// encrypted envelope). Hands out the root first (without children), then the elements the document is made of,
// one small tree at a time, each bounded so that a hostile file cannot fill memory.
import type { SaxesParser } from 'saxes';
import { FileProblem } from '../kit/problem.js';
import { readXmlEvents, type XmlElement } from '../kit/xml.js';

export type EdtDocument = 'exp-cours' | 'partner-export' | 'envelope';

export const DOCUMENT_OF_ROOT: Record<string, EdtDocument> = {
  TABLE: 'exp-cours',
  ExportEmploiDuTemps: 'partner-export',
  EXPORT_INDEX_EDUCATION: 'envelope',
};

/** The partner export's entities (ENTCORE EDTHandler); each is read whole, wherever it is nested. */
const PARTNER_ENTITIES = new Set(['AnneeScolaire', 'GrilleHoraire', 'Matiere', 'Professeur', 'Classe', 'Groupe', 'Salle', 'Cours']);

/** An entity (a course with its resources, a class with its parts) has far fewer elements than this. */
const MAX_ELEMENTS_PER_ENTITY = 10_000;
/** The envelope's CONTENU is the one large text: Base64 of at most 50 MB, with line breaks. */
export const MAX_TEXT_PER_ENTITY = 72 * 1024 * 1024;

/** Whether an element opened outside any entity starts one, for a document. */
function startsEntity(document: EdtDocument | undefined, depth: number, name: string, attributes: Record<string, string>): boolean {
  if (document === 'exp-cours' || document === 'envelope') return depth === 1;
  if (document !== 'partner-export' || !PARTNER_ENTITIES.has(name)) return false;
  // The courses sit in a container also named Cours (ENTCORE skips the first Cours): a course has its slot.
  return name !== 'Cours' || 'NumeroPlaceDebut' in attributes || 'Jour' in attributes;
}

/**
 * The root element of an EDT file (childless), then the elements its document is made of.
 * Throws FileProblem when the XML is not well-formed or an element is beyond bounds.
 */
export async function* readEdtElements(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<XmlElement> {
  // An event handler that threw would be taken for malformed XML: the bound's problem comes out as an item.
  for await (const item of readXmlEvents<XmlElement | FileProblem>(source, file, collect(file))) {
    if (item instanceof FileProblem) throw item;
    yield item;
  }
}

function collect(file: string) {
  return (parser: SaxesParser, emit: (item: XmlElement | FileProblem) => void): void => {
    let depth = 0;
    let document: EdtDocument | undefined;
    const open: { element: XmlElement; text: string[] }[] = [];
    let elements = 0;
    let textLength = 0;
    let stopped = false;
    const tooLarge = (what: string): void => {
      stopped = true;
      emit(new FileProblem({
        file, line: open[0]?.element.line ?? parser.line, field: open[0]?.element.name, code: 'too-large', severity: 'error',
        detail: `${open[0]?.element.name ?? 'an element'} has ${what}; expected an EDT export of ordinary size`,
      }));
    };
    parser.on('opentag', (tag) => {
      if (stopped) return;
      const attributes = { ...tag.attributes } as Record<string, string>;
      const element: XmlElement = { name: tag.name, attributes, children: [], text: '', line: parser.line };
      if (depth === 0) {
        document = DOCUMENT_OF_ROOT[tag.name];
        emit(element);
      } else if (open.length > 0) {
        elements += 1;
        if (elements > MAX_ELEMENTS_PER_ENTITY) return tooLarge(`more than ${MAX_ELEMENTS_PER_ENTITY} elements`);
        open[open.length - 1].element.children.push(element);
        open.push({ element, text: [] });
      } else if (startsEntity(document, depth, tag.name, attributes)) {
        elements = 0;
        textLength = 0;
        open.push({ element, text: [] });
      }
      depth += 1;
    });
    const addText = (text: string) => {
      if (stopped || open.length === 0) return;
      textLength += text.length;
      if (textLength > MAX_TEXT_PER_ENTITY) return tooLarge(`more than ${MAX_TEXT_PER_ENTITY / 1024 / 1024} MB of text`);
      open[open.length - 1].text.push(text);
    };
    parser.on('text', addText);
    parser.on('cdata', addText);
    parser.on('closetag', () => {
      if (stopped) return;
      depth -= 1;
      const current = open.pop();
      if (!current) return;
      current.element.text = current.text.join('').trim();
      if (open.length === 0) emit(current.element);
    });
  };
}
