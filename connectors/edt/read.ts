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

/**
 * The partner export's entities (ENTCORE EDTHandler); each is read whole, wherever it is nested. Pupils, staff,
 * equipment and guardians are not timetable items, but are read as entities too, so that the Classe and
 * PartieDeClasse a pupil is in are not taken for descriptions of classes.
 */
const PARTNER_ENTITIES = new Set([
  'AnneeScolaire', 'GrilleHoraire', 'Matiere', 'Professeur', 'Classe', 'Groupe', 'Salle', 'Cours',
  'Eleve', 'Personnel', 'Materiel', 'Responsable',
]);

/** An entity (a course with its resources, a class with its parts) has far fewer elements than this. */
const MAX_ELEMENTS_PER_ENTITY = 10_000;
/**
 * The envelope is read whole (its CONTENU is one text, which the parser holds until its end tag): Base64 of at
 * most 50 MB with line breaks, and a few small fields.
 */
export const MAX_ENVELOPE_BYTES = 72 * 1024 * 1024;

/** Whether an element opened outside any entity starts one, for a document; `inCourses`: within the Cours container. */
function startsEntity(document: EdtDocument | undefined, depth: number, name: string, inCourses: boolean): boolean {
  if (document === 'exp-cours' || document === 'envelope') return depth === 1;
  if (document !== 'partner-export') return false;
  return inCourses ? name === 'Cours' : PARTNER_ENTITIES.has(name);
}

/** The courses sit in a container also named Cours (ENTCORE skips the first Cours); a course has its slot. */
const isCourseContainer = (name: string, attributes: Record<string, string>) =>
  name === 'Cours' && !('NumeroPlaceDebut' in attributes) && !('Jour' in attributes);

/** How many bytes a file may still have: unbounded until its root says it is an envelope. */
interface Bound {
  bytes: number;
  line?: number;
}

/** The source, stopped with a FileProblem once it passes the bound. */
async function* bounded(source: AsyncIterable<Buffer | Uint8Array>, bound: Bound, file: string): AsyncGenerator<Buffer | Uint8Array> {
  let read = 0;
  for await (const chunk of source) {
    read += chunk.length;
    if (read > bound.bytes) {
      throw new FileProblem({
        file, line: bound.line, code: 'too-large', severity: 'error',
        detail: `the EXPORT_INDEX_EDUCATION envelope is larger than ${MAX_ENVELOPE_BYTES / 1024 / 1024} MB; expected an export of at most 50 MB`,
      });
    }
    yield chunk;
  }
}

/**
 * The root element of an EDT file (childless), then the elements its document is made of.
 * Throws FileProblem when the XML is not well-formed or an element is beyond bounds.
 */
export async function* readEdtElements(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<XmlElement> {
  const bound: Bound = { bytes: Number.POSITIVE_INFINITY };
  // An event handler that threw would be taken for malformed XML: the bound's problem comes out as an item.
  for await (const item of readXmlEvents<XmlElement | FileProblem>(bounded(source, bound, file), file, collect(file, bound))) {
    if (item instanceof FileProblem) throw item;
    yield item;
  }
}

function collect(file: string, bound: Bound) {
  return (parser: SaxesParser, emit: (item: XmlElement | FileProblem) => void): void => {
    let depth = 0;
    let document: EdtDocument | undefined;
    const open: { element: XmlElement; text: string[] }[] = [];
    let elements = 0;
    let containerDepth: number | undefined;
    let stopped = false;
    parser.on('opentag', (tag) => {
      if (stopped) return;
      const attributes = { ...tag.attributes } as Record<string, string>;
      const element: XmlElement = { name: tag.name, attributes, children: [], text: '', line: parser.line };
      if (depth === 0) {
        document = DOCUMENT_OF_ROOT[tag.name];
        if (document === 'envelope') Object.assign(bound, { bytes: MAX_ENVELOPE_BYTES, line: parser.line });
        emit(element);
      } else if (open.length > 0) {
        elements += 1;
        if (elements > MAX_ELEMENTS_PER_ENTITY) {
          stopped = true;
          const entity = open[0].element;
          emit(new FileProblem({
            file, line: entity.line, field: entity.name, code: 'too-large', severity: 'error',
            detail: `${entity.name} has more than ${MAX_ELEMENTS_PER_ENTITY} elements; expected an EDT export of ordinary size`,
          }));
          return;
        }
        open[open.length - 1].element.children.push(element);
        open.push({ element, text: [] });
      } else if (document === 'partner-export' && containerDepth === undefined && isCourseContainer(tag.name, attributes)) {
        containerDepth = depth;
      } else if (startsEntity(document, depth, tag.name, containerDepth !== undefined)) {
        elements = 0;
        open.push({ element, text: [] });
      }
      depth += 1;
    });
    const addText = (text: string) => {
      if (stopped || open.length === 0) return;
      open[open.length - 1].text.push(text);
    };
    parser.on('text', addText);
    parser.on('cdata', addText);
    parser.on('closetag', () => {
      if (stopped) return;
      depth -= 1;
      if (depth === containerDepth) containerDepth = undefined;
      const current = open.pop();
      if (!current) return;
      current.element.text = current.text.join('').trim();
      if (open.length === 0) emit(current.element);
    });
  };
}
