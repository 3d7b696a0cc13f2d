// The elements of an STS-Web export (root STS_EDT) that a reader asks for by path, with a FileProblem when the
// file is another document, most often the reverse file a timetable program sends to STS-Web (root EDT_STS).
import { FileProblem } from '../kit/problem.js';
import { readXmlElements, type XmlElement } from '../kit/xml.js';

const ROOT = 'STS_EDT';

function notAnExport(file: string, root: string | undefined): FileProblem {
  const found = root === 'EDT_STS'
    ? 'the root element is EDT_STS, the file a timetable program sends to STS-Web (emp_sts.xml)'
    : `the root element is ${root ?? 'missing'}`;
  return new FileProblem({
    file, code: 'unexpected-root', severity: 'error', field: 'STS_EDT',
    detail: `${found}; expected STS_EDT, the STS-Web export sts_emp_<UAI>_<year>.xml`,
  });
}

/** The elements at `paths` (`STS_EDT/NOMENCLATURES/MATIERES/MATIERE`…), in document order. */
export async function* readStsElements(
  source: AsyncIterable<Buffer | Uint8Array>,
  options: { file: string; paths: ReadonlySet<string> },
): AsyncGenerator<XmlElement> {
  let root: string | undefined;
  const elements = readXmlElements(source, {
    file: options.file,
    select: (name, ancestors) => {
      if (ancestors.length === 0) root = name;
      // Another document is told at its first child, not after reading it to its end.
      if (root !== ROOT) return ancestors.length === 1;
      return options.paths.has([...ancestors, name].join('/'));
    },
  });
  for await (const element of elements) {
    if (root !== ROOT) throw notAnExport(options.file, root);
    yield element;
  }
  if (root !== ROOT) throw notAnExport(options.file, root);
}
