// Streaming XML for exports of any size: the elements a connector asks for come out one at a time, each as a
// small tree with its line, while the rest of the document is only walked through; a connector whose files are
// the largest (AAF) makes its own items straight from the parser's events instead. Strict (saxes): a
// malformed document stops with its file, line and column; no DTD or external entity is ever resolved.
import { SaxesParser } from 'saxes';
import { decodeText, xmlEncoding } from './decode.js';
import { FileProblem } from './problem.js';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, trimmed (the text of children is theirs). */
  text: string;
  /** One-based line of the element's start tag. */
  line: number;
}

export interface XmlReadOptions {
  file: string;
  /** Which elements to hand out, from their name and the names of their ancestors (outermost first). */
  select: (name: string, ancestors: readonly string[]) => boolean;
}

/** What a reader does with the parser's events; `emit` hands an item out, in document order. */
export type XmlEvents<T> = (parser: SaxesParser, emit: (item: T) => void) => void;

/**
 * The items a reader makes of an XML byte stream's events, decoded in the encoding the file declares.
 * Throws FileProblem (file, line, column) if the document is not well-formed.
 */
export async function* readXmlEvents<T>(source: AsyncIterable<Buffer | Uint8Array>, file: string, events: XmlEvents<T>): AsyncGenerator<T> {
  const parser = new SaxesParser({ position: true, fileName: file });
  const ready: T[] = [];
  let failure: Error | undefined;
  events(parser, (item) => ready.push(item));
  parser.on('error', (error) => {
    failure ??= error;
  });

  const fail = (error: Error): never => {
    // saxes messages start with "file:line:column: ".
    const where = /:(\d+):(\d+): (.*)$/s.exec(error.message);
    throw new FileProblem({
      file,
      line: where ? Number(where[1]) : parser.line,
      code: 'malformed-xml',
      severity: 'error',
      detail: `the XML is not well-formed${where ? ` (column ${Number(where[2]) + 1}): ${where[3]}` : `: ${error.message}`}`,
    });
  };

  for await (const text of decodeText(source, (head) => xmlEncoding(head, file), file)) {
    try {
      parser.write(text);
    } catch (error) {
      fail(error as Error);
    }
    if (failure) fail(failure);
    yield* ready.splice(0);
  }
  try {
    parser.close();
  } catch (error) {
    fail(error as Error);
  }
  if (failure) fail(failure);
  yield* ready.splice(0);
}

/** The selected elements of an XML byte stream, in document order. Throws FileProblem if it is not well-formed. */
export function readXmlElements(source: AsyncIterable<Buffer | Uint8Array>, options: XmlReadOptions): AsyncGenerator<XmlElement> {
  return readXmlEvents<XmlElement>(source, options.file, (parser, emit) => {
    const ancestors: string[] = [];
    const open: { element: XmlElement; text: string[] }[] = [];
    parser.on('opentag', (tag) => {
      const element: XmlElement = { name: tag.name, attributes: { ...tag.attributes } as Record<string, string>, children: [], text: '', line: parser.line };
      if (open.length > 0) {
        open[open.length - 1].element.children.push(element);
        open.push({ element, text: [] });
      } else if (options.select(tag.name, ancestors)) {
        open.push({ element, text: [] });
      }
      ancestors.push(tag.name);
    });
    const addText = (text: string) => {
      if (open.length > 0) open[open.length - 1].text.push(text);
    };
    parser.on('text', addText);
    parser.on('cdata', addText);
    parser.on('closetag', () => {
      ancestors.pop();
      const current = open.pop();
      if (!current) return;
      current.element.text = current.text.join('').trim();
      if (open.length === 0) emit(current.element);
    });
  });
}

/** The text of the first child named `name`, or undefined. */
export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((child) => child.name === name)?.text;
}
