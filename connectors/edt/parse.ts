// EDT (Index Éducation) timetables, in any of the three documents EDT makes, told apart by their root element:
// EXP_COURS.xml (`TABLE`, the courses as lines), the partner export ENTs read (`ExportEmploiDuTemps`), and that
// export in Index Éducation's encrypted envelope (`EXPORT_INDEX_EDUCATION`), opened with the partner's key.
import { FileProblem } from '../kit/problem.js';
import type { TimetableFile, TimetableItem, TimetableParseOptions, TimetableParser } from '../kit/timetable.js';
import type { XmlElement } from '../kit/xml.js';
import { openEnvelope } from './envelope.js';
import { expCoursItems } from './exp-cours.js';
import { courseItems } from './partner-courses.js';
import { describe, emptyResources } from './partner-resources.js';
import { DOCUMENT_OF_ROOT, readEdtElements } from './read.js';

export const SOURCE = 'edt';

/** The items of a partner export: its descriptions as they come, each Cours as soon as it is read. */
async function* partnerExportItems(elements: AsyncIterable<XmlElement>, file: string): AsyncGenerator<TimetableItem> {
  const resources = emptyResources();
  for await (const element of elements) {
    yield* element.name === 'Cours' ? courseItems(element, resources, file) : describe(element, resources, file);
  }
}

/** Bytes held in memory, handed to the streaming reader as a file's chunks are. */
async function* chunksOf(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += 64 * 1024) yield bytes.subarray(offset, offset + 64 * 1024);
}

async function* fileItems(file: TimetableFile, options: TimetableParseOptions): AsyncGenerator<TimetableItem> {
  const elements = readEdtElements(file.open(), file.name);
  const root = (await elements.next()).value as XmlElement | undefined;
  const document = root && DOCUMENT_OF_ROOT[root.name];
  if (!root || !document) {
    throw new FileProblem({
      file: file.name, line: root?.line ?? 1, code: 'unexpected-document', severity: 'error',
      detail: `the root element is ${root ? `"${root.name}"` : 'missing'}; expected TABLE (EXP_COURS.xml), ExportEmploiDuTemps or EXPORT_INDEX_EDUCATION`,
    });
  }
  if (document === 'exp-cours') {
    if (root.attributes.nom && root.attributes.nom !== 'Cours') {
      throw new FileProblem({
        file: file.name, line: root.line, field: 'nom', code: 'unexpected-document', severity: 'error',
        detail: `this EDT table is "${root.attributes.nom}"; expected the courses table (TABLE nom="Cours", EXP_COURS.xml)`,
      });
    }
    yield* expCoursItems(elements, file.name);
  } else if (document === 'partner-export') {
    yield* partnerExportItems(elements, file.name);
  } else {
    const children: XmlElement[] = [];
    for await (const element of elements) children.push(element);
    const opened = openEnvelope(children, file.name, root.line, options.partnerPrivateKey);
    if (opened.uai) yield { kind: 'establishment', uai: opened.uai, position: { file: file.name, line: children.find((c) => c.name === 'UAI')?.line } };
    const inner = readEdtElements(chunksOf(opened.content), file.name);
    const innerRoot = (await inner.next()).value as XmlElement | undefined;
    if (innerRoot?.name !== 'ExportEmploiDuTemps') {
      throw new FileProblem({
        file: file.name, line: innerRoot?.line ?? 1, code: 'unexpected-document', severity: 'error',
        detail: `the decrypted content's root is ${innerRoot ? `"${innerRoot.name}"` : 'missing'}; expected ExportEmploiDuTemps (lines are those of the decrypted content)`,
      });
    }
    yield* partnerExportItems(inner, file.name);
  }
}

/**
 * EDT's timetable files → rooms, subjects, courses, changes (and the establishment and calendar the partner
 * export names), with problems naming file, line and field. Throws FileProblem for a file that cannot be read:
 * not well-formed, not an EDT document, or an envelope that cannot be opened.
 */
export const parseEdt: TimetableParser = async function* parseEdt(files, options) {
  for (const file of files) yield* fileItems(file, options);
};
